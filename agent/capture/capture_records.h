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

// What a queue applies to a job that names no sides: its sides-default (empty when cupsd gave
// none). Its media-default is not used: DESIGN.md counts a job without media as A4 (and flags
// it), and a queue's default page size is often the driver's Letter while the trays hold A4.
struct QueueDefaults {
  std::string sides;  // sides-default
  std::string media;  // media-default
};

// The record of a finished job, source kLive. The title (job-name) is set only when
// `include_titles` is true and cupsd returned it. Missing copies count as 1; a missing
// time-at-completed falls back to time-at-processing, then time-at-creation. A job that named
// no sides (cupsd then leaves them out, and prints it with the queue's default) gets the
// sides-default of `queue` when given, else its sides stay unknown (one-sided at the
// aggregator).
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
