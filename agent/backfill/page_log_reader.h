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
#include "agent/backfill/page_log_format.h"
#include "common/status.h"

namespace ramette::agent {

struct PageLogReaderOptions {
  PageLogJobOptions jobs;           // include_titles (off by default)
  size_t batch_records = 500;       // records per batch handed to the sink
  size_t max_line_bytes = 1 << 20;  // a longer line is reported malformed and skipped
  // The PageLogFormat the files were written in (the default one unless configured). Lines may
  // also carry a syslog or journald prefix, and with the default format the layouts of CUPS
  // before 1.4.7 are read too (PageLogLineParser).
  PageLogFormat format;
  // Threads that read, each building the jobs of its share of (printer, job id) keys; the
  // records are the same for any count (1 = all on the calling thread).
  int threads = 2;
};

// Receives one message per malformed line, "FILE:LINE: reason" (FILE as given, LINE from 1).
// Lines refused for their kind rather than their content (a format that cannot be dated, CUPS
// <= 1.3's syslog lines without a year) are reported once per file and kind, at the first such
// line, then summed up once the file is read ("FILE: N lines refused (lines A-B): reason").
// Also used for notes (the old CUPS layouts a file was read in, once per file and layout).
using PageLogProblemCallback = std::function<void(const std::string& message)>;

// A JobRecordSource over page_log files. Each file is streamed (never loaded whole) and may be
// plain text or gzip (told apart by its first bytes, not its name; concatenated gzip members are
// read through); pipes work too. Every line of every file is parsed before the first record is
// produced, because a job's lines may be spread over several files given in any order; memory
// grows with the number of jobs, not with the size of the files. Blank lines are skipped; lines
// that are not page logging (other programs' syslog lines, cupsd's other messages, journal
// markers) are counted and skipped; a malformed line is reported through `on_problem` (from the
// calling thread), counted and skipped, and the lines before and after it are read as usual. With
// several threads each reads every file and keeps the jobs of its share of keys. Not thread-safe;
// ReadAll may be called again and reads the files again.
class PageLogReader : public JobRecordSource {
 public:
  // `on_note` receives "FILE:LINE: read as ..." when a file's lines are in an older CUPS
  // layout, once per file and layout.
  PageLogReader(std::vector<std::string> paths, PageLogReaderOptions options = {},
                PageLogProblemCallback on_problem = nullptr,
                PageLogProblemCallback on_note = nullptr);

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
  PageLogProblemCallback on_note_;
  SourceCounts counts_;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_BACKFILL_PAGE_LOG_READER_H_
