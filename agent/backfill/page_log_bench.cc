// page_log throughput: parsing N synthetic lines in memory in each format (default, behind a
// syslog prefix, behind a journald short-iso prefix, a site's own PageLogFormat, LogTimeFormat
// usecs), then a whole backfill (plain and gzip file -> reader -> batches -> an uplink that
// accepts everything). Prints lines/s; asserts nothing. Usage: page_log_bench [N] (default 1e6)
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/backfill/backfill.h"
#include "agent/backfill/page_log_assembler.h"
#include "agent/backfill/page_log_format.h"
#include "agent/backfill/page_log_parser.h"
#include "agent/backfill/page_log_reader.h"

namespace {

using ramette::Result;
using ramette::Status;
using namespace ramette::agent;  // NOLINT: a benchmark program

class AcceptingUplink : public Uplink {
 public:
  Result<std::vector<SubmitResult>> SubmitJobs(
      const std::string&, const std::vector<ramette::JobRecord>& jobs) override {
    return std::vector<SubmitResult>(jobs.size());
  }
  Result<std::vector<SubmitResult>> SubmitQueues(
      const std::string&, const std::vector<ramette::QueueRecord>& q) override {
    return std::vector<SubmitResult>(q.size());
  }
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// The variants of one synthetic log.
enum class Variant { kDefault, kSyslog, kJournald, kCustom, kUsecs };
constexpr const char* kVariantNames[] = {"default", "syslog prefix", "journald prefix",
                                         "custom format", "usecs"};
constexpr const char kCustomFormat[] =
    "job=%j printer=%p user=%u %T %P %C %{media} %{sides} %{job-name}";

std::string Lines(int n, Variant variant = Variant::kDefault) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string text;
  text.reserve(static_cast<size_t>(n) * 170);
  char line[512];
  for (int i = 1; i <= n; ++i) {
    const int month = i % 12;
    const int day = 1 + i % 28, hour = i % 24, minute = i % 60, second = (i * 7) % 60;
    const char* zone = month >= 3 && month <= 9 ? "+0200" : "+0100";
    char time[64];
    if (variant == Variant::kUsecs) {
      std::snprintf(time, sizeof time, "[%02d/%s/2018:%02d:%02d:%02d.%06d %s]", day, kMonths[month],
                    hour, minute, second, (i * 7919) % 1000000, zone);
    } else {
      std::snprintf(time, sizeof time, "[%02d/%s/2018:%02d:%02d:%02d %s]", day, kMonths[month],
                    hour, minute, second, zone);
    }
    const char* sides = i % 3 ? "two-sided-long-edge" : "one-sided";
    char* p = line;
    size_t room = sizeof line;
    if (variant == Variant::kSyslog) {
      const int w =
          std::snprintf(p, room, "%s %2d %02d:%02d:%02d printsrv cupsd[727]: ", kMonths[month], day,
                        hour, minute, second);
      p += w;
      room -= w;
    } else if (variant == Variant::kJournald) {
      const int w =
          std::snprintf(p, room, "2018-%02d-%02dT%02d:%02d:%02d%s printsrv cupsd[727]: ", month + 1,
                        day, hour, minute, second, zone);
      p += w;
      room -= w;
    }
    if (variant == Variant::kCustom) {
      std::snprintf(p, room,
                    "job=%d printer=Queue_%02d user=user%03d %s total %d iso_a4_210x297mm %s "
                    "Rapport mensuel %d final.pdf\n",
                    i, i % 40, i % 500, time, 1 + i % 17, sides, i);
    } else {
      std::snprintf(p, room,
                    "Queue_%02d user%03d %d %s total %d - 10.0.%d.%d Rapport mensuel %d final.pdf "
                    "iso_a4_210x297mm %s\n",
                    i % 40, i % 500, i, time, 1 + i % 17, i % 250, i % 200, i, sides);
    }
    text += line;
  }
  return text;
}

std::vector<std::string_view> SplitLines(const std::string& text) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    lines.emplace_back(text.data() + pos, nl - pos);
    pos = nl + 1;
  }
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000000;
  if (n <= 0) {
    std::fprintf(stderr, "usage: %s [lines]\n", argv[0]);
    return 2;
  }
  // 1. Parsing only: the default format's fast path, then the reader's line parser per format.
  {
    const std::string text = Lines(n);
    const std::vector<std::string_view> lines = SplitLines(text);
    auto start = std::chrono::steady_clock::now();
    int64_t checksum = 0;
    for (std::string_view l : lines) {
      Result<PageLogEntry> e = ParsePageLogLine(l);
      if (e.ok()) checksum += e->count;
    }
    const double s = Seconds(start);
    std::printf("parse (fast path):         %9d lines in %.3f s = %12.0f lines/s (checksum %lld)\n",
                n, s, n / s, static_cast<long long>(checksum));
  }
  const PageLogFormat custom = *PageLogFormat::Parse(kCustomFormat);
  for (Variant v : {Variant::kDefault, Variant::kSyslog, Variant::kJournald, Variant::kCustom,
                    Variant::kUsecs}) {
    const std::string text = Lines(n, v);
    const std::vector<std::string_view> lines = SplitLines(text);
    const PageLogFormat format = v == Variant::kCustom ? custom : PageLogFormat();
    PageLogLineParser parser(format);
    auto start = std::chrono::steady_clock::now();
    int64_t checksum = 0, entries = 0;
    for (std::string_view l : lines) {
      PageLogLine parsed = parser.Parse(l);
      if (parsed.kind == PageLogLine::Kind::kEntry) {
        ++entries;
        checksum += parsed.entry.count;
      }
    }
    const double s = Seconds(start);
    std::printf("parse %-20s %9d lines in %.3f s = %12.0f lines/s (%lld read, checksum %lld)\n",
                (std::string(kVariantNames[static_cast<int>(v)]) + ":").c_str(), n, s, n / s,
                static_cast<long long>(entries), static_cast<long long>(checksum));
  }

  const std::string text = Lines(n);
  const std::vector<std::string_view> lines = SplitLines(text);
  auto start = std::chrono::steady_clock::now();
  double s = 0;

  // 2. Parsing and assembling jobs.
  start = std::chrono::steady_clock::now();
  PageLogJobAssembler assembler;
  for (std::string_view l : lines) {
    Result<PageLogEntry> e = ParsePageLogLine(l);
    if (e.ok()) assembler.Add(*e, 0);
  }
  const double added = Seconds(start);
  size_t records = 0;
  Status st = assembler.Drain(500, [&](std::vector<ramette::JobRecord>&& batch) {
    records += batch.size();
    return Status::Ok();
  });
  s = Seconds(start);
  if (!st.ok()) return 1;
  std::printf(
      "parse + assemble:  %9d lines in %.3f s = %12.0f lines/s (%zu jobs; %.3f s adding, "
      "%.3f s building records)\n",
      n, s, n / s, records, added, s - added);

  // 3. End to end from files.
  char dir_template[] = "/tmp/page_log_bench.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return 1;
  const std::filesystem::path dir(dir_template);
  const std::string plain = (dir / "page_log").string();
  const std::string gz = (dir / "page_log.1.gz").string();
  std::ofstream(plain, std::ios::binary) << text;
  gzFile g = gzopen(gz.c_str(), "wb6");
  gzwrite(g, text.data(), static_cast<unsigned>(text.size()));
  gzclose(g);

  for (const std::string& path : {plain, gz}) {
    AcceptingUplink uplink;
    PageLogReader reader({path});
    start = std::chrono::steady_clock::now();
    Result<BackfillCounts> counts = RunBackfill(reader, uplink, "bench", BackfillOptions());
    s = Seconds(start);
    if (!counts.ok()) {
      std::fprintf(stderr, "%s\n", counts.status().message().c_str());
      return 1;
    }
    std::printf("backfill %-8s  %9lld lines in %.3f s = %12.0f lines/s (%s)\n",
                path == plain ? "plain:" : "gzip:", static_cast<long long>(counts->lines_read), s,
                counts->lines_read / s, FormatBackfillCounts(*counts).c_str());
  }
  std::filesystem::remove_all(dir);
  return 0;
}
