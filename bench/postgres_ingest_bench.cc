// PostgreSQL ingest throughput: W writers (threads, each with its own PostgresStore and so its
// own connection, as W aggregators would have) commit batches of 4000 generated jobs for
// distinct servers into one database. Prints jobs/s per writer count. A private server (fsync
// on, tests/postgres/) is started unless a URI is given.
// Usage: postgres_ingest_bench [writers=2] [batches_per_writer=25] [uri]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "aggregator/store/postgres_store.h"
#include "tests/postgres/private_postgres.h"

using namespace ramette;
using namespace ramette::aggregator;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kBatch = 4000;            // the agent's backfill batch
constexpr int64_t kStart = 1514764800;  // 2018-01-01T00:00:00Z
constexpr int64_t kA4 = 210000LL * 297000LL;

// Batches of writer `w`: its own servers (8 per writer), 20 queues each, 300 users, jobs spread
// over two years (the rollup keys of a real backfill).
std::vector<std::pair<std::string, std::vector<model::StoredJob>>> MakeBatches(int w, int batches) {
  std::vector<std::pair<std::string, std::vector<model::StoredJob>>> out;
  unsigned seed = 1234u + static_cast<unsigned>(w);
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) & 0xffffff;
  };
  const TimeZone utc = TimeZone::Utc();
  for (int b = 0; b < batches; ++b) {
    const int server = b % 8;
    std::vector<model::StoredJob> jobs;
    jobs.reserve(kBatch);
    for (int i = 0; i < kBatch; ++i) {
      model::StoredJob j;
      const int32_t id = (b / 8) * kBatch + i + 1;
      const int64_t completed = kStart + int64_t{id} * 1500 + (next() % 600);
      j.record.queue = "queue" + std::to_string(next() % 20);
      j.record.cups_job_id = id;
      j.record.job_uuid = "urn:uuid:bench-" + std::to_string(w) + "-" + std::to_string(id);
      j.record.user = "user" + std::to_string(next() % 300);
      j.record.client_host = "pc" + std::to_string(next() % 500);
      j.record.created_at = completed - 20;
      j.record.completed_at = completed;
      j.record.state = JobState::kCompleted;
      j.record.copies = 1 + static_cast<int32_t>(next() % 2);
      j.record.sides = next() % 2 ? Sides::kTwoSidedLongEdge : Sides::kOneSided;
      j.record.media = "iso_a4_210x297mm";
      j.record.color_mode = next() % 4 == 0 ? ColorMode::kColor : ColorMode::kMonochrome;
      j.record.number_up = 1;
      j.record.impressions_completed = 1 + next() % 12;
      j.record.source = RecordSource::kPageLog;
      j.local_day = utc.LocalDay(completed);
      j.sheets = j.record.impressions_completed;
      j.area_um2 = kA4;
      j.media_known = true;
      jobs.push_back(std::move(j));
    }
    out.emplace_back("bench-w" + std::to_string(w) + "-s" + std::to_string(server),
                     std::move(jobs));
  }
  return out;
}

// Runs `writers` writers into a fresh database at `uri`; returns jobs/s (-1 on failure).
double Run(const std::string& uri, int writers, int batches) {
  std::vector<std::unique_ptr<store::PostgresStore>> stores;
  std::vector<std::vector<std::pair<std::string, std::vector<model::StoredJob>>>> work;
  for (int w = 0; w < writers; ++w) {
    auto s = store::PostgresStore::Open(uri, true);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.status().ToString().c_str());
      return -1;
    }
    stores.push_back(std::move(s).value());
    work.push_back(MakeBatches(w, batches));
  }
  std::atomic<bool> failed{false};
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (const auto& [server, jobs] : work[w]) {
        auto r = stores[w]->CommitJobs(server, "bench", jobs, {});
        if (!r.ok()) {
          std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
          failed = true;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (failed) return -1;
  auto count = stores[0]->CountJobs();
  const int64_t expected = int64_t{writers} * batches * kBatch;
  if (!count.ok() || *count != expected) {
    std::fprintf(stderr, "stored %lld jobs, expected %lld\n",
                 static_cast<long long>(count.ok() ? *count : -1),
                 static_cast<long long>(expected));
    return -1;
  }
  return static_cast<double>(expected) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const int writers = argc > 1 ? std::atoi(argv[1]) : 2;
  const int batches = argc > 2 ? std::atoi(argv[2]) : 25;
  std::unique_ptr<testing::PrivatePostgres> server;
  std::string base_uri;
  if (argc > 3) {
    base_uri = argv[3];
  } else {
    testing::PrivatePostgresOptions options;
    options.fsync = true;
    auto started = testing::PrivatePostgres::Start(options);
    if (!started.ok()) {
      std::fprintf(stderr, "%s\n", started.status().ToString().c_str());
      return 1;
    }
    server = std::move(started).value();
  }
  std::printf("PostgreSQL ingest: batches of %d jobs, %d batches per writer, fsync %s\n", kBatch,
              batches, server ? "on (private server)" : "as configured");
  for (int n : {1, writers}) {
    std::string uri = base_uri;
    if (server) {
      auto created = server->CreateDatabase("bench" + std::to_string(n));
      if (!created.ok()) {
        std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
        return 1;
      }
      uri = *created;
    }
    const double rate = Run(uri, n, batches);
    if (rate < 0) return 1;
    std::printf("  %d writer(s): %.0f jobs/s\n", n, rate);
    if (!server) break;  // a given database is used once
  }
  return 0;
}
