// Turns parsed page_log lines into one JobRecord per print job: lines are grouped by (printer,
// job id), a job's "total" lines are never added to its per-page lines, and lines repeated because
// the same log was read twice (or rotated copies overlap) are counted once.
#ifndef RAMETTE_AGENT_BACKFILL_PAGE_LOG_ASSEMBLER_H_
#define RAMETTE_AGENT_BACKFILL_PAGE_LOG_ASSEMBLER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/backfill/page_log_parser.h"
#include "common/job_record.h"
#include "common/status.h"

namespace ramette::agent {

struct PageLogJobOptions {
  // Copy %{job-name} into JobRecord::title. Off by default: titles are private (DESIGN.md).
  bool include_titles = false;
};

// Receives records in batches; an error stops the producer, which returns it.
using JobBatchSink = std::function<Status(std::vector<JobRecord>&& batch)>;

// Accumulates page_log lines in any order (files may be read in any order) and builds the jobs.
//
// How a job's record is made (DESIGN.md's sheet rule then applies with copies = 1):
// - impressions_completed = the larger of the largest %C among the job's "total" lines and the
//   sum of %C over its page lines; the two are never added. CUPS >= 2.2.10 writes exactly one
//   total line per job and no page lines ("total 0": a job cancelled before printing, which
//   counts nothing); 2.2.x before 2.2.10 wrote the page lines of the filters and, beside them,
//   the IPP backend's growing running totals, and cupsd itself only let a total raise its count
//   (scheduler/job.c, update_job), which this rule mirrors; CUPS 1.x to 2.1 logged page lines
//   only, %C being the copies of that page. A page line repeated across sources (the same file
//   given twice, overlapping rotations) counts once; a line repeated within one source counts
//   each time (a banner page and page 1 of a one-second job are identical lines). Those older
//   logs count pages before N-up, as CUPS did;
// - completed_at = the latest time among the job's lines (the total line is written at job
//   completion); user, host, media, sides and title come from the total line when there is one,
//   else from the latest page line; state = completed, copies = 1, source = kPageLog,
//   cups_media_sheets_completed = -1 (unknown), created_at = 0 (unknown);
// - CUPS reuses job ids only after its spool is reset: lines of one (printer, job id) more than
//   a day apart from each other are separate jobs.
//
// Memory: per job, a few words plus its strings (printer, user, host and media strings are
// shared between jobs), plus 24 bytes per page line for per-page logs. Not thread-safe.
class PageLogJobAssembler {
 public:
  explicit PageLogJobAssembler(PageLogJobOptions options = {});
  ~PageLogJobAssembler();
  PageLogJobAssembler(const PageLogJobAssembler&) = delete;
  PageLogJobAssembler& operator=(const PageLogJobAssembler&) = delete;

  // Adds one parsed line read from the source (file) numbered `source`; the entry's strings are
  // copied.
  void Add(const PageLogEntry& entry, int source);

  // Number of distinct jobs added so far.
  size_t job_count() const;

  // Hands every job's record to `sink` in batches of at most `batch_size` (>= 1) records,
  // ordered by completion time, then printer, then job id; stops at the first error of `sink`
  // and returns it. Empties the assembler, whatever the outcome.
  Status Drain(size_t batch_size, const JobBatchSink& sink);

  // Every job's record at once, in Drain's order; empties the assembler.
  std::vector<JobRecord> TakeJobs();

  // Drain over several assemblers at once: their jobs merged in Drain's order. When every
  // (printer, job id) went to one assembler only (see ShardOf), the records are exactly those one
  // assembler fed every line would give. Empties them all, whatever the outcome.
  static Status DrainMerged(const std::vector<PageLogJobAssembler*>& parts, size_t batch_size,
                            const JobBatchSink& sink);

  // Which of `shards` (>= 1) assemblers the lines of (printer, job id) go to.
  static size_t ShardOf(std::string_view printer, int32_t job_id, size_t shards);

 private:
  struct State;
  std::unique_ptr<State> state_;
  PageLogJobOptions options_;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_PAGE_LOG_ASSEMBLER_H_
