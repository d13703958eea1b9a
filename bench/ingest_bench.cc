// Ingest throughput: jobs through gRPC (127.0.0.1, in-process server) into the SQLite store in
// batches of 500, against a bare SQLite INSERT OR IGNORE of the same rows with the same unique
// key and the same durability settings, measured in the same run. Prints both and the ratio.
// Usage: ingest_bench [total_jobs=200000] [client_threads=2]
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "aggregator/ingest/grpc_ingest_service.h"
#include "aggregator/ingest/ingest_processor.h"
#include "aggregator/ingest/proto_convert.h"
#include "aggregator/store/sqlite_store.h"
#include "bench/bench_data.h"

using namespace ramette;
using namespace ramette::aggregator;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kBatch = 500;
constexpr int64_t kStart = 1514764800;  // 2018-01-01T00:00:00Z

struct Workload {
  std::vector<v1::SubmitJobsRequest> requests;
  std::vector<std::vector<model::StoredJob>> derived;  // for the bare baseline
};

Workload Make(int total, ingest::IngestProcessor& deriver) {
  bench::Org org;
  bench::JobGenerator gen(org, 42);
  Workload w;
  std::vector<int32_t> next_id(org.servers, 1);
  std::vector<int64_t> clock(org.servers, kStart);
  for (int b = 0; b * kBatch < total; ++b) {
    int server = b % org.servers;
    auto jobs = gen.Batch(server, next_id[server], clock[server], 37, kBatch);
    next_id[server] += kBatch;
    clock[server] += 37 * kBatch;
    v1::SubmitJobsRequest req;
    req.set_server_id(bench::ServerName(server));
    req.set_agent_version("bench");
    std::vector<model::StoredJob> derived;
    for (auto& j : jobs) {
      ToProto(j, req.add_jobs());
      derived.push_back(deriver.Derive(j));
    }
    w.requests.push_back(std::move(req));
    w.derived.push_back(std::move(derived));
  }
  return w;
}

void Check(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
    std::exit(1);
  }
}

// The same rows into a table with the same columns and the same unique key, nothing else.
double BareInsert(const std::string& path, const Workload& w) {
  sqlite3* db;
  Check(sqlite3_open(path.c_str(), &db), db);
  Check(sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE jobs(id INTEGER PRIMARY KEY, server_id INT, device_id INT,"
                     " cups_job_id INT, job_uuid TEXT, user_id INT, client_host TEXT,"
                     " created_at INT, completed_at INT, state INT, copies INT, sides INT,"
                     " media TEXT, color_mode INT, number_up INT, impressions INT,"
                     " cups_sheets INT, title TEXT, source INT, sheets INT, area_um2 INT,"
                     " media_known INT, local_day INT, received_at INT,"
                     " UNIQUE(server_id, cups_job_id, completed_at));",
                     nullptr, nullptr, nullptr),
        db);
  sqlite3_stmt* ins;
  Check(sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO jobs(server_id, device_id, cups_job_id, job_uuid,"
                           " user_id, client_host, created_at, completed_at, state, copies, sides,"
                           " media, color_mode, number_up, impressions, cups_sheets, title, source,"
                           " sheets, area_um2, media_known, local_day, received_at)"
                           " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &ins, nullptr),
        db);
  auto t0 = Clock::now();
  int64_t n = 0;
  for (size_t b = 0; b < w.derived.size(); ++b) {
    Check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db);
    for (const model::StoredJob& s : w.derived[b]) {
      const JobRecord& r = s.record;
      int i = 1;
      sqlite3_bind_int64(ins, i++, static_cast<int64_t>(b % 10) + 1);
      sqlite3_bind_int64(ins, i++, 1);
      sqlite3_bind_int64(ins, i++, r.cups_job_id);
      sqlite3_bind_text(ins, i++, r.job_uuid.data(), static_cast<int>(r.job_uuid.size()),
                        SQLITE_STATIC);
      sqlite3_bind_int64(ins, i++, 1);
      sqlite3_bind_text(ins, i++, r.client_host.data(), static_cast<int>(r.client_host.size()),
                        SQLITE_STATIC);
      sqlite3_bind_int64(ins, i++, r.created_at);
      sqlite3_bind_int64(ins, i++, r.completed_at);
      sqlite3_bind_int64(ins, i++, static_cast<int>(r.state));
      sqlite3_bind_int64(ins, i++, r.copies);
      sqlite3_bind_int64(ins, i++, static_cast<int>(r.sides));
      sqlite3_bind_text(ins, i++, r.media.data(), static_cast<int>(r.media.size()), SQLITE_STATIC);
      sqlite3_bind_int64(ins, i++, static_cast<int>(r.color_mode));
      sqlite3_bind_int64(ins, i++, r.number_up);
      sqlite3_bind_int64(ins, i++, r.impressions_completed);
      sqlite3_bind_int64(ins, i++, r.cups_media_sheets_completed);
      sqlite3_bind_null(ins, i++);
      sqlite3_bind_int64(ins, i++, static_cast<int>(r.source));
      sqlite3_bind_int64(ins, i++, s.sheets);
      sqlite3_bind_int64(ins, i++, s.area_um2);
      sqlite3_bind_int64(ins, i++, s.media_known);
      sqlite3_bind_int64(ins, i++, s.local_day);
      sqlite3_bind_int64(ins, i++, kStart);
      Check(sqlite3_step(ins), db);
      sqlite3_reset(ins);
      ++n;
    }
    Check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  sqlite3_finalize(ins);
  sqlite3_close(db);
  return n / secs;
}

}  // namespace

int main(int argc, char** argv) {
  int total = argc > 1 ? std::atoi(argv[1]) : 200000;
  int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  char tmpl[] = "/tmp/ramette-ingest-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  auto tz = *TimeZone::Load("Europe/Paris");

  auto store = store::SqliteStore::Open(dir + "/ramette.db");
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    return 1;
  }
  if (!(*store)->EnsureTimeZone(tz).ok()) return 1;
  ingest::IngestProcessor processor(
      store->get(), ingest::IngestOptions{tz, false, [] { return kStart + 86400 * 400; }});
  Workload w = Make(total, processor);
  int jobs = static_cast<int>(w.requests.size()) * kBatch;

  double bare = BareInsert(dir + "/bare.db", w);

  // The store alone (derived jobs straight into CommitJobs), to see where the time goes.
  double store_only = 0;
  {
    auto direct = store::SqliteStore::Open(dir + "/direct.db");
    if (!direct.ok()) return 1;
    if (!(*direct)->EnsureTimeZone(tz).ok()) return 1;
    auto t0 = Clock::now();
    for (size_t b = 0; b < w.derived.size(); ++b) {
      auto r = (*direct)->CommitJobs(w.requests[b].server_id(), "bench", w.derived[b], {});
      if (!r.ok()) return 1;
    }
    store_only =
        w.derived.size() * kBatch / std::chrono::duration<double>(Clock::now() - t0).count();
  }

  auto server = ingest::StartIngestServer("127.0.0.1:0", &processor);
  if (!server.ok()) return 1;
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server->port),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::Ingest::NewStub(channel);
  std::atomic<size_t> next{0};
  std::atomic<int64_t> accepted{0};
  auto t0 = Clock::now();
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&] {
      for (size_t i = next++; i < w.requests.size(); i = next++) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        v1::SubmitJobsResponse resp;
        grpc::Status st = stub->SubmitJobs(&ctx, w.requests[i], &resp);
        if (!st.ok()) {
          std::fprintf(stderr, "rpc failed: %s\n", st.error_message().c_str());
          std::exit(1);
        }
        for (const auto& r : resp.results()) accepted += r.status() == v1::RECORD_STATUS_ACCEPTED;
      }
    });
  }
  for (auto& c : clients) c.join();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  double grpc_rate = jobs / secs;
  server->server->Shutdown();
  int64_t stored = *(*store)->CountJobs();

  std::printf("jobs: %d in batches of %d, %d client threads, synchronous=FULL both sides\n", jobs,
              kBatch, threads);
  std::printf("bare SQLite INSERT OR IGNORE (same rows, same unique key): %.0f jobs/s\n", bare);
  std::printf("ramette store alone (CommitJobs of derived jobs): %.0f jobs/s\n", store_only);
  std::printf("ramette gRPC ingest -> store (validation, dedup, rollups): %.0f jobs/s\n",
              grpc_rate);
  std::printf("ratio bare / ramette: %.2fx (target <= 2x; >= 100000 jobs/s)\n", bare / grpc_rate);
  std::printf("stored %lld, accepted %lld\n", static_cast<long long>(stored),
              static_cast<long long>(accepted.load()));
  store->reset();
  std::filesystem::remove_all(dir);
  return stored == jobs ? 0 : 1;
}
