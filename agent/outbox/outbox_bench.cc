// outbox_bench: SqliteOutbox throughput on a real file (synchronous=FULL): appends per second by
// transaction size, peek+remove per second in forwarder-sized batches, and the time to open
// (quick_check) a full outbox. Prints numbers; asserts nothing.
// Usage: outbox_bench [FOLDER] (default: a new folder under /tmp, removed afterwards).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/outbox/sqlite_outbox.h"

namespace {

using ramette::agent::OutboxItem;
using ramette::agent::SqliteOutbox;
using Clock = std::chrono::steady_clock;

ramette::JobRecord Job(int32_t id) {
  ramette::JobRecord j;
  j.queue = "office-2f";
  j.cups_job_id = id;
  j.job_uuid = "urn:uuid:6f1c9a2e-4b7d-4c1e-9f0a-" + std::to_string(100000000000 + id);
  j.user = "alice.martin";
  j.client_host = "pc-042.example.org";
  j.created_at = 1700000000 + id;
  j.completed_at = 1700000030 + id;
  j.state = ramette::JobState::kCompleted;
  j.copies = 1;
  j.sides = ramette::Sides::kTwoSidedLongEdge;
  j.media = "iso_a4_210x297mm";
  j.color_mode = ramette::ColorMode::kMonochrome;
  j.number_up = 1;
  j.impressions_completed = 12;
  j.job_impressions = 12;
  j.source = ramette::RecordSource::kLive;
  return j;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::unique_ptr<SqliteOutbox> Open(const std::string& path) {
  auto r = SqliteOutbox::Open(path);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  bool remove_dir = false;
  if (argc > 1) {
    dir = argv[1];
  } else {
    char tmpl[] = "/tmp/ramette-outbox-bench-XXXXXX";
    dir = ::mkdtemp(tmpl);
    remove_dir = true;
  }
  const std::string path = dir + "/bench-outbox.db";
  std::filesystem::remove(path);
  std::printf("outbox file: %s\n", path.c_str());
  int32_t next_id = 1;
  {
    auto outbox = Open(path);
    ramette::agent::CaptureCursor cursor{1, 0, 0, 1700000000, "/run/cups/cups.sock", ""};
    for (int batch : {1, 10, 100, 500}) {
      const int records = batch == 1 ? 500 : 20000;
      const auto start = Clock::now();
      for (int done = 0; done < records; done += batch) {
        std::vector<OutboxItem> items;
        for (int i = 0; i < batch; ++i) items.push_back(Job(next_id++));
        cursor.next_sequence = next_id;
        auto st = outbox->Append(items, &cursor);
        if (!st.ok()) {
          std::fprintf(stderr, "%s\n", st.ToString().c_str());
          return 1;
        }
      }
      const double s = Seconds(start);
      std::printf("append, %3d records per transaction: %9.0f records/s (%7.0f commits/s)\n", batch,
                  records / s, records / batch / s);
    }
    auto stats = outbox->Stats();
    std::printf("outbox: %lld records, %lld bytes (%.0f bytes/record)\n",
                static_cast<long long>(stats->depth), static_cast<long long>(stats->bytes),
                static_cast<double>(stats->bytes) / static_cast<double>(stats->depth));
  }
  {
    const auto start = Clock::now();
    auto outbox = Open(path);
    std::printf("open with quick_check, %d records: %.3f s\n", next_id - 1, Seconds(start));
    const auto drain = Clock::now();
    int64_t drained = 0;
    for (;;) {
      auto batch = outbox->Peek(500, 256 * 1024);
      if (!batch.ok() || batch->empty()) break;
      std::vector<int64_t> ids;
      for (const auto& e : *batch) ids.push_back(e.id);
      if (!outbox->Remove(ids).ok()) return 1;
      drained += static_cast<int64_t>(ids.size());
    }
    const double s = Seconds(drain);
    std::printf("peek+remove, batches of 500: %9.0f records/s (%lld records)\n", drained / s,
                static_cast<long long>(drained));
  }
  // A large outbox: how long the start-up check takes.
  {
    auto outbox = Open(path);
    std::vector<OutboxItem> items;
    for (int i = 0; i < 1000; ++i) items.push_back(Job(next_id++));
    for (int i = 0; i < 500; ++i) {
      if (!outbox->Append(items, nullptr).ok()) return 1;
    }
  }
  {
    const auto start = Clock::now();
    auto outbox = Open(path);
    std::printf("open with quick_check, %lld records (%.1f MB): %.3f s\n",
                static_cast<long long>(outbox->Stats()->depth),
                static_cast<double>(std::filesystem::file_size(path)) / 1e6, Seconds(start));
  }
  if (remove_dir) std::filesystem::remove_all(dir);
  return 0;
}
