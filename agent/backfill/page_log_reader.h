// Reads CUPS page_log files (plain or gzip'd, rotated, in any order) line by line and turns them
// into JobRecords: the file-reading adapter (zlib) around the parser and the job assembler.
#ifndef RAMETTE_AGENT_BACKFILL_PAGE_LOG_READER_H_
#define RAMETTE_AGENT_BACKFILL_PAGE_LOG_READER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "agent/backfill/backfill.h"
#include "agent/backfill/page_log_assembler.h"
#include "common/status.h"

namespace ramette::agent {

struct PageLogReaderOptions {
  PageLogJobOptions jobs;           // include_titles (off by default)
  size_t batch_records = 500;       // records per batch handed to the sink
  size_t max_line_bytes = 1 << 20;  // a longer line is reported malformed and skipped
  // Threads that read, each building the jobs of its share of (printer, job id) keys; the
  // records are the same for any count (1 = all on the calling thread).
  int threads = 2;
};

// Receives one message per malformed line, "FILE:LINE: reason" (FILE as given, LINE from 1).
using PageLogProblemCallback = std::function<void(const std::string& message)>;

// A JobRecordSource over page_log files. Each file is streamed (never loaded whole) and may be
// plain text or gzip (told apart by its first bytes, not its name; concatenated gzip members are
// read through); pipes work too. Every line of every file is parsed before the first record is
// produced, because a job's lines may be spread over several files given in any order; memory
// grows with the number of jobs, not with the size of the files. Blank lines are skipped; a
// malformed line is reported through the callback (from the calling thread), counted and
// skipped. With several threads each reads every file and keeps the jobs of its share of keys.
// Not thread-safe; ReadAll may be called again and reads the files again.
class PageLogReader : public JobRecordSource {
 public:
  PageLogReader(std::vector<std::string> paths, PageLogReaderOptions options = {},
                PageLogProblemCallback on_problem = nullptr);

  // Errors: IoError naming the file (it cannot be opened or read, or its gzip data is corrupt or
  // truncated: "FILE: ... after line N"); nothing is produced then. Otherwise the error of `sink`.
  Status ReadAll(const JobBatchSink& sink) override;
  SourceCounts counts() const override { return counts_; }

 private:
  // Reads `path` (the `index`th) into `assembler`, keeping only the jobs of `shard` of
  // `shards`. Only shard 0 counts lines and reports problems.
  Status ReadFile(const std::string& path, int index, PageLogJobAssembler& assembler, size_t shard,
                  size_t shards);
  Status ReadShard(PageLogJobAssembler& assembler, size_t shard, size_t shards);
  void Problem(const std::string& path, int64_t line, const std::string& reason);

  std::vector<std::string> paths_;
  PageLogReaderOptions options_;
  PageLogProblemCallback on_problem_;
  SourceCounts counts_;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_PAGE_LOG_READER_H_
