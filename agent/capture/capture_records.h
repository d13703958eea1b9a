// From what cupsd reports (CupsJob, CupsPrinter) to the records the agent sends (JobRecord,
// QueueRecord): keyword mapping, privacy (titles only when configured, no credentials from
// device URIs) and the fingerprint that tells a changed queue.
#ifndef RAMETTE_AGENT_CAPTURE_CAPTURE_RECORDS_H_
#define RAMETTE_AGENT_CAPTURE_CAPTURE_RECORDS_H_

#include <cstdint>
#include <string>

#include "agent/capture/cups_source.h"
#include "common/job_record.h"

namespace ramette::agent {

// What a queue applies to a job that names no sides or no media: its sides-default and
// media-default (empty when cupsd gave none). DESIGN.md: media counts as unknown (A4, flagged)
// only when neither the job nor its queue names one.
struct QueueDefaults {
  std::string sides;  // sides-default
  std::string media;  // media-default
};

// The queue a job counts on: the member printer that printed it when it was sent to a class
// and cupsd names the member (as page_log's %p does), else its destination.
const std::string& PrintedOn(const CupsJob& job);

// The record of a finished job, source kLive; its queue is PrintedOn(job). The title (job-name) is
// set only when `include_titles` is true and cupsd returned it. Missing copies count as 1; a
// missing time-at-completed falls back to time-at-processing, then time-at-creation. A job that
// named no sides (cupsd then leaves them out, and prints it with the queue's default) gets the
// sides-default of `queue` when given, else its sides stay unknown (one-sided at the
// aggregator); the same for media with media-default (media_from_queue set). `queue` is the
// defaults of PrintedOn(job).
JobRecord ToJobRecord(const CupsJob& job, bool include_titles,
                      const QueueDefaults* queue = nullptr);

// The record of a queue; duplex_supported when any sides-supported value is two-sided, and the
// device URI without its user information (a password may be there).
QueueRecord ToQueueRecord(const CupsPrinter& printer);

// `uri` without the "user:password@" part of its authority, if any.
std::string StripUriCredentials(const std::string& uri);

// A 64-bit fingerprint (FNV-1a) of every field of `queue`: equal records, equal fingerprints.
uint64_t QueueFingerprint(const QueueRecord& queue);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_CAPTURE_CAPTURE_RECORDS_H_
