// The domain records that travel from an agent to the aggregator: a finished print job and a
// print queue. Plain structs shared by agent and aggregator; only proto_convert files map them
// to and from protobuf.
#ifndef RAMETTE_COMMON_JOB_RECORD_H_
#define RAMETTE_COMMON_JOB_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>

namespace ramette {

enum class JobState { kUnknown = 0, kCanceled = 7, kAborted = 8, kCompleted = 9 };
enum class Sides { kUnknown = 0, kOneSided, kTwoSidedLongEdge, kTwoSidedShortEdge };
enum class ColorMode { kUnknown = 0, kMonochrome, kColor };
enum class RecordSource { kUnknown = 0, kLive, kPageLog };

// One finished CUPS job as the agent saw it. Strings are raw bytes from CUPS (UTF-8 expected,
// not guaranteed: the aggregator validates).
struct JobRecord {
  std::string queue;
  int32_t cups_job_id = 0;
  std::string job_uuid;      // empty when unknown
  std::string user;          // empty when unknown
  std::string client_host;   // empty when unknown
  int64_t created_at = 0;    // seconds since the epoch, 0 when unknown
  int64_t completed_at = 0;  // seconds since the epoch
  JobState state = JobState::kUnknown;
  int32_t copies = 1;
  Sides sides = Sides::kUnknown;
  std::string media;  // empty when unknown
  ColorMode color_mode = ColorMode::kUnknown;
  int32_t number_up = 0;                     // 0 when unknown
  int64_t impressions_completed = 0;         // all copies, N-up applied
  int64_t cups_media_sheets_completed = -1;  // CUPS's count, diagnostics only; -1 when unknown
  int64_t job_impressions =
      0;  // impressions of one copy as announced (IPP job-impressions), 0 if unknown
  std::optional<std::string> title;  // only when configured
  RecordSource source = RecordSource::kUnknown;
  bool media_from_queue = false;  // the job named no media: `media` is its queue's media-default
};

// One CUPS print queue as the agent saw it.
struct QueueRecord {
  std::string name;
  std::string uuid;
  std::string make_model;
  std::string device_uri;
  std::string location;
  std::string description;
  bool color_supported = false;
  bool duplex_supported = false;
  int32_t printer_type = 0;
  bool deleted = false;
  std::string media_default;  // what a job that names no media is printed on; empty if unknown
  std::string sides_default;  // the sides keyword of jobs that name none; empty if unknown
};

}  // namespace ramette

#endif  // RAMETTE_COMMON_JOB_RECORD_H_
