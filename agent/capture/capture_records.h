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

// The record of a finished job, source kLive. The title (job-name) is set only when
// `include_titles` is true and cupsd returned it. Missing copies count as 1; a missing
// time-at-completed falls back to time-at-processing, then time-at-creation. Sides, media and
// colour are the job's own: when the job named none they stay unknown (the queue's defaults are
// not substituted).
JobRecord ToJobRecord(const CupsJob& job, bool include_titles);

// The record of a queue; duplex_supported when any sides-supported value is two-sided, and the
// device URI without its user information (a password may be there).
QueueRecord ToQueueRecord(const CupsPrinter& printer);

// `uri` without the "user:password@" part of its authority, if any.
std::string StripUriCredentials(const std::string& uri);

// A 64-bit fingerprint (FNV-1a) of every field of `queue`: equal records, equal fingerprints.
uint64_t QueueFingerprint(const QueueRecord& queue);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_CAPTURE_CAPTURE_RECORDS_H_
