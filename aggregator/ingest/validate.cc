// Validation rules for job and queue records.
#include "aggregator/ingest/validate.h"

#include <initializer_list>
#include <optional>
#include <tuple>
#include <utility>

#include "common/server_id.h"
#include "common/utf8.h"

namespace ramette::aggregator::ingest {
namespace {

// Names that identify or attribute (queue, user, media...) may hold no control character; free
// text that is never shown in a report (a document title, a queue's location or description)
// may hold tabs or line breaks, but no NUL.
enum class Text { kName, kFree };

std::string CheckText(
    std::initializer_list<std::tuple<const char*, const std::string*, Text>> fields) {
  for (const auto& [name, value, kind] : fields) {
    if (value->size() > kMaxStringBytes) {
      return std::string(name) + " longer than " + std::to_string(kMaxStringBytes) + " bytes (" +
             std::to_string(value->size()) + ")";
    }
    if (!IsValidUtf8(*value)) return std::string("invalid UTF-8 in ") + name;
    if (kind == Text::kName) {
      std::string control = ControlCharacterProblem(*value);
      if (!control.empty()) return control + " in " + name;
    } else if (value->find('\0') != std::string::npos) {
      return std::string("control character 0x00 in ") + name;
    }
  }
  return "";
}

}  // namespace

std::string ValidateJob(const JobRecord& j, int64_t now) {
  static const std::string kEmpty;
  const std::string* title = j.title ? &*j.title : &kEmpty;
  std::string text = CheckText({{"queue", &j.queue, Text::kName},
                                {"job_uuid", &j.job_uuid, Text::kName},
                                {"user", &j.user, Text::kName},
                                {"client_host", &j.client_host, Text::kName},
                                {"media", &j.media, Text::kName},
                                {"title", title, Text::kFree}});
  if (!text.empty()) return text;
  if (j.queue.empty()) return "empty queue";
  if (j.cups_job_id < 1) return "cups_job_id < 1 (got " + std::to_string(j.cups_job_id) + ")";
  if (j.copies < 1) return "copies < 1 (got " + std::to_string(j.copies) + ")";
  if (j.copies > kMaxCopies) {
    return "copies > " + std::to_string(kMaxCopies) + " (got " + std::to_string(j.copies) + ")";
  }
  if (j.impressions_completed < 0) {
    return "negative impressions (got " + std::to_string(j.impressions_completed) + ")";
  }
  if (j.impressions_completed > kMaxImpressions) {
    return "impressions > " + std::to_string(kMaxImpressions) + " (got " +
           std::to_string(j.impressions_completed) + ")";
  }
  if (j.cups_media_sheets_completed < -1) {
    return "negative cups_media_sheets_completed (got " +
           std::to_string(j.cups_media_sheets_completed) + ")";
  }
  if (j.job_impressions < 0 || j.job_impressions > kMaxImpressions) {
    return "job_impressions out of range (got " + std::to_string(j.job_impressions) + ")";
  }
  if (j.number_up < 0) return "negative number_up (got " + std::to_string(j.number_up) + ")";
  if (j.completed_at < kEarliestCompletion) {
    return "completion time before 1990 (got " + std::to_string(j.completed_at) + ")";
  }
  if (j.completed_at > now + kMaxFutureSeconds) {
    // The reason names the record only: it is part of the quarantine's once-key, and a replay
    // of the record later must not be quarantined again.
    return "completion time more than one day in the future (got " +
           std::to_string(j.completed_at) + ")";
  }
  if (j.created_at < 0) return "negative creation time";
  if (j.state != JobState::kCompleted && j.state != JobState::kCanceled &&
      j.state != JobState::kAborted) {
    return "job state is not completed, canceled or aborted (got " +
           std::to_string(static_cast<int>(j.state)) + ")";
  }
  return "";
}

std::string ValidateQueue(const QueueRecord& q) {
  std::string text = CheckText({{"name", &q.name, Text::kName},
                                {"uuid", &q.uuid, Text::kName},
                                {"make_model", &q.make_model, Text::kFree},
                                {"device_uri", &q.device_uri, Text::kName},
                                {"location", &q.location, Text::kFree},
                                {"description", &q.description, Text::kFree}});
  if (!text.empty()) return text;
  if (q.name.empty()) return "empty queue name";
  return "";
}

std::string ValidateServerId(const std::string& s) { return ServerIdProblem(s); }

}  // namespace ramette::aggregator::ingest
