// page_log files through zlib's gzread, which reads gzip and, transparently, plain files.
#include "agent/backfill/page_log_reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "agent/backfill/page_log_format.h"
#include "agent/backfill/page_log_parser.h"

namespace ramette::agent {
namespace {

constexpr unsigned kReadBytes = 256 * 1024;

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzPtr = std::unique_ptr<gzFile_s, GzCloser>;

const char* LayoutName(PageLogLayout layout) {
  switch (layout) {
    case PageLogLayout::kFormat:
      break;
    case PageLogLayout::kCups14Swapped:
      return "CUPS 1.4.0-1.4.6's page_log (job id before the user name)";
    case PageLogLayout::kCups12:
      return "CUPS 1.2-1.3's page_log (printer user job-id [time] page copies billing host)";
    case PageLogLayout::kCups11:
      return "CUPS 1.1's page_log (printer user job-id [time] page copies billing)";
    case PageLogLayout::kCups13Syslog:
      return "CUPS <= 1.3's syslog PAGE lines, dated by their journal prefix";
  }
  return "the PageLogFormat given";
}

// Lines refused for the same reason in one file: reported once, then summed up.
struct Refusal {
  std::string reason;
  int64_t first = 0;
  int64_t last = 0;
  int64_t count = 0;
};

}  // namespace

PageLogReader::PageLogReader(std::vector<std::string> paths, PageLogReaderOptions options,
                             PageLogProblemCallback on_problem, PageLogProblemCallback on_note)
    : paths_(std::move(paths)),
      options_(std::move(options)),
      on_problem_(std::move(on_problem)),
      on_note_(std::move(on_note)) {}

void PageLogReader::Problem(const std::string& path, int64_t line, const std::string& reason) {
  ++counts_.malformed_lines;
  if (on_problem_) on_problem_(path + ":" + std::to_string(line) + ": " + reason);
}

Status PageLogReader::ReadFile(const std::string& path, int index, PageLogJobAssembler& assembler,
                               size_t shard, size_t shards) {
  const bool counting = shard == 0;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  GzPtr gz(gzdopen(fd, "rb"));
  if (!gz) {
    ::close(fd);
    return Status::IoError(path + ": cannot read (out of memory)");
  }
  gzbuffer(gz.get(), kReadBytes);

  std::unique_ptr<char[]> buf(new char[kReadBytes]);
  std::string carry;      // the start of a line that continues in the next read
  bool too_long = false;  // the current line exceeded max_line_bytes: skip to its end
  int64_t line_number = 0;
  PageLogLineParser parser(options_.format);
  std::vector<Refusal> refusals;
  bool noted[5] = {};

  auto on_line = [&](std::string_view line) {
    ++line_number;
    if (counting) ++counts_.lines_read;
    if (too_long) {
      if (counting) {
        Problem(path, line_number,
                "line longer than " + std::to_string(options_.max_line_bytes) + " bytes");
      }
      return;
    }
    PageLogLine parsed = parser.Parse(line);
    switch (parsed.kind) {
      case PageLogLine::Kind::kBlank:
        return;
      case PageLogLine::Kind::kSkipped:
        if (counting) ++counts_.skipped_lines;
        return;
      case PageLogLine::Kind::kMalformed:
        if (counting) Problem(path, line_number, parsed.error);
        return;
      case PageLogLine::Kind::kRefused: {
        if (!counting) return;
        auto it = std::find_if(refusals.begin(), refusals.end(),
                               [&](const Refusal& r) { return r.reason == parsed.error; });
        if (it == refusals.end()) {
          Problem(path, line_number,
                  parsed.error + " (reported once for this file; the count follows)");
          refusals.push_back(Refusal{parsed.error, line_number, line_number, 1});
        } else {
          ++counts_.malformed_lines;
          it->last = line_number;
          ++it->count;
        }
        return;
      }
      case PageLogLine::Kind::kEntry:
        break;
    }
    const PageLogEntry& entry = parsed.entry;
    if (counting && parsed.layout != PageLogLayout::kFormat &&
        !noted[static_cast<int>(parsed.layout)]) {
      noted[static_cast<int>(parsed.layout)] = true;
      if (on_note_) {
        on_note_(path + ":" + std::to_string(line_number) + ": read as " +
                 LayoutName(parsed.layout));
      }
    }
    if (shards > 1 && PageLogJobAssembler::ShardOf(entry.printer, entry.job_id, shards) != shard) {
      return;
    }
    assembler.Add(entry, index);
  };
  auto append = [&](const char* data, size_t n) {
    if (too_long) return;
    if (carry.size() + n > options_.max_line_bytes) {
      too_long = true;
      std::string().swap(carry);
      return;
    }
    carry.append(data, n);
  };

  for (;;) {
    const int n = gzread(gz.get(), buf.get(), kReadBytes);
    if (n < 0) {
      int errnum = 0;
      const char* message = gzerror(gz.get(), &errnum);
      if (errnum == Z_ERRNO) message = std::strerror(errno);
      return Status::IoError(path + ": read error after line " + std::to_string(line_number) +
                             ": " + message);
    }
    if (n == 0) break;
    const char* p = buf.get();
    const char* end = p + n;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (nl == nullptr) {
        append(p, end - p);
        break;
      }
      if (carry.empty() && !too_long && static_cast<size_t>(nl - p) <= options_.max_line_bytes) {
        on_line(std::string_view(p, nl - p));
      } else {
        append(p, nl - p);
        on_line(carry);
        carry.clear();
        too_long = false;
      }
      p = nl + 1;
    }
  }
  // gzread returns 0 at the end and also when gzip data stops short: tell them apart.
  int errnum = 0;
  const char* message = gzerror(gz.get(), &errnum);
  if (errnum != Z_OK) {
    return Status::IoError(path + ": corrupt or truncated gzip data after line " +
                           std::to_string(line_number) + ": " + message);
  }
  if (!carry.empty() || too_long) on_line(carry);  // a last line without '\n'
  for (const Refusal& r : refusals) {
    if (on_problem_) {
      on_problem_(path + ": " + std::to_string(r.count) + (r.count == 1 ? " line" : " lines") +
                  " refused (lines " + std::to_string(r.first) + "-" + std::to_string(r.last) +
                  "): " + r.reason);
    }
  }
  return Status::Ok();
}

Status PageLogReader::ReadShard(PageLogJobAssembler& assembler, size_t shard, size_t shards) {
  for (size_t i = 0; i < paths_.size(); ++i) {
    RAMETTE_RETURN_IF_ERROR(ReadFile(paths_[i], static_cast<int>(i), assembler, shard, shards));
  }
  return Status::Ok();
}

Status PageLogReader::ReadAll(const JobBatchSink& sink) {
  counts_ = SourceCounts();
  const size_t shards = static_cast<size_t>(std::clamp(options_.threads, 1, 64));
  std::vector<std::unique_ptr<PageLogJobAssembler>> assemblers;
  for (size_t k = 0; k < shards; ++k) {
    assemblers.push_back(std::make_unique<PageLogJobAssembler>(options_.jobs));
  }
  std::vector<Status> results(shards, Status::Ok());
  {
    std::vector<std::jthread> others;
    for (size_t k = 1; k < shards; ++k) {
      others.emplace_back([&, k] { results[k] = ReadShard(*assemblers[k], k, shards); });
    }
    results[0] = ReadShard(*assemblers[0], 0, shards);
  }  // joins
  for (const Status& st : results) RAMETTE_RETURN_IF_ERROR(st);
  std::vector<PageLogJobAssembler*> parts;
  for (auto& a : assemblers) {
    counts_.jobs += static_cast<int64_t>(a->job_count());
    parts.push_back(a.get());
  }
  return PageLogJobAssembler::DrainMerged(parts, options_.batch_records, sink);
}

}  // namespace ramette::agent
