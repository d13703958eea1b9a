// Mapping CUPS keywords and attributes to ramette records.
#include "agent/capture/capture_records.h"

#include <string_view>

namespace ramette::agent {
namespace {

JobState ToJobState(CupsJobState s) {
  switch (s) {
    case CupsJobState::kCanceled:
      return JobState::kCanceled;
    case CupsJobState::kAborted:
      return JobState::kAborted;
    case CupsJobState::kCompleted:
      return JobState::kCompleted;
    default:
      return JobState::kUnknown;
  }
}

Sides ToSides(std::string_view k) {
  if (k == "one-sided") return Sides::kOneSided;
  if (k == "two-sided-long-edge") return Sides::kTwoSidedLongEdge;
  if (k == "two-sided-short-edge") return Sides::kTwoSidedShortEdge;
  return Sides::kUnknown;
}

// PWG 5100.13 print-color-mode keywords; "auto" and "highlight" say nothing of the result.
ColorMode ToColorMode(std::string_view k) {
  if (k == "color") return ColorMode::kColor;
  if (k == "monochrome" || k == "auto-monochrome" || k == "process-monochrome" || k == "bi-level" ||
      k == "process-bi-level") {
    return ColorMode::kMonochrome;
  }
  return ColorMode::kUnknown;
}

class Fnv1a {
 public:
  void Add(std::string_view s) {
    for (unsigned char c : s) Byte(c);
    Byte(0xff);  // separator: ("ab", "") and ("a", "b") differ
  }
  void Add(int64_t v) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<unsigned char>(v >> (8 * i)));
  }
  uint64_t value() const { return h_; }

 private:
  void Byte(unsigned char c) {
    h_ ^= c;
    h_ *= 0x100000001b3ULL;
  }
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace

const std::string& PrintedOn(const CupsJob& job) {
  return job.printer.empty() ? job.queue : job.printer;
}

JobRecord ToJobRecord(const CupsJob& job, bool include_titles, const QueueDefaults* queue) {
  JobRecord r;
  r.queue = PrintedOn(job);
  r.cups_job_id = job.id;
  r.job_uuid = job.uuid;
  r.user = job.user.value_or("");
  r.client_host = job.host.value_or("");
  r.created_at = job.created_at;
  r.completed_at = job.completed_at > 0    ? job.completed_at
                   : job.processing_at > 0 ? job.processing_at
                                           : job.created_at;
  r.state = ToJobState(job.state);
  r.copies = job.copies >= 1 ? job.copies : 1;
  r.sides = ToSides(job.sides.empty() && queue ? queue->sides : job.sides);
  r.media = job.media;
  if (r.media.empty() && queue != nullptr && !queue->media.empty()) {
    r.media = queue->media;  // cupsd prints it on the queue's media-default
    r.media_from_queue = true;
  }
  r.color_mode = ToColorMode(job.print_color_mode);
  r.number_up = job.number_up > 0 ? job.number_up : 0;
  r.impressions_completed = job.impressions_completed > 0 ? job.impressions_completed : 0;
  r.cups_media_sheets_completed = job.media_sheets_completed >= 0 ? job.media_sheets_completed : -1;
  r.job_impressions = job.job_impressions > 0 ? job.job_impressions : 0;
  if (include_titles && job.name) r.title = *job.name;
  r.source = RecordSource::kLive;
  return r;
}

QueueRecord ToQueueRecord(const CupsPrinter& p) {
  QueueRecord q;
  q.name = p.name;
  q.uuid = p.uuid;
  q.make_model = p.make_model;
  q.device_uri = StripUriCredentials(p.device_uri);
  q.location = p.location;
  q.description = p.info;
  q.color_supported = p.color_supported;
  for (const std::string& s : p.sides_supported) {
    if (s.rfind("two-sided", 0) == 0) q.duplex_supported = true;
  }
  q.printer_type = p.printer_type;
  q.media_default = p.media_default;
  q.sides_default = p.sides_default;
  return q;
}

std::string StripUriCredentials(const std::string& uri) {
  const size_t scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return uri;
  const size_t authority = scheme_end + 3;
  size_t authority_end = uri.find_first_of("/?#", authority);
  if (authority_end == std::string::npos) authority_end = uri.size();
  const size_t at = uri.rfind('@', authority_end - 1);
  if (at == std::string::npos || at < authority || authority_end == authority) return uri;
  return uri.substr(0, authority) + uri.substr(at + 1);
}

uint64_t QueueFingerprint(const QueueRecord& q) {
  Fnv1a h;
  h.Add(q.name);
  h.Add(q.uuid);
  h.Add(q.make_model);
  h.Add(q.device_uri);
  h.Add(q.location);
  h.Add(q.description);
  h.Add(int64_t{q.color_supported});
  h.Add(int64_t{q.duplex_supported});
  h.Add(int64_t{q.printer_type});
  h.Add(int64_t{q.deleted});
  h.Add(q.media_default);
  h.Add(q.sides_default);
  return h.value();
}

}  // namespace ramette::agent
