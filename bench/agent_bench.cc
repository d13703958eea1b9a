// The agent's footprint and latency with real processes: a private cupsd, ramette-aggregator and
// ramette-agent; prints N jobs (default 10,000), then reports the agent's resident memory, its
// CPU use over 30 idle seconds, and the delay from a job's completion in cupsd to its commit at
// the aggregator (received_at - time-at-completed, whole seconds: p50, p99, max). Its memory
// (RSS, anonymous RSS and PSS from /proc/PID/smaps_rollup) is shown idle before the first job and
// after each quarter of the jobs: anonymous memory must not grow with the number of jobs.
// Usage: agent_bench AGENT AGGREGATOR [jobs=10000]   (as root)
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/process_memory.h"
#include "tests/cups/private_cupsd.h"

using namespace std::chrono;

namespace {

// Rss, Anonymous and Pss of /proc/PID/smaps_rollup, in kB.
struct Memory {
  long rss = -1, anon = -1, pss = -1;
};
Memory MemoryOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  Memory m;
  while (std::getline(in, line)) {
    auto value = [&](const char* key, long* out) {
      if (line.rfind(key, 0) == 0) *out = std::atol(line.c_str() + std::strlen(key));
    };
    value("Rss:", &m.rss);
    value("Anonymous:", &m.anon);
    value("Pss:", &m.pss);
  }
  return m;
}
void PrintMemory(const char* when, const Memory& m) {
  std::printf("agent memory %-28s RSS %6.1f MB, anonymous %6.1f MB, PSS %6.1f MB\n", when,
              m.rss / 1024.0, m.anon / 1024.0, m.pss / 1024.0);
  std::fflush(stdout);
}

double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(all.substr(all.rfind(')') + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15; ++i) {
    rest >> f;
    if (i == 14) utime = std::atol(f.c_str());
    if (i == 15) stime = std::atol(f.c_str());
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

std::vector<int64_t> Delays(const std::string& db, int first_job_id = 0) {
  std::vector<int64_t> out;
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return out;
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(h, "SELECT received_at - completed_at FROM jobs WHERE cups_job_id >= ?", -1,
                     &s, nullptr);
  sqlite3_bind_int(s, 1, first_job_id);
  while (s && sqlite3_step(s) == SQLITE_ROW) out.push_back(sqlite3_column_int64(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: agent_bench AGENT AGGREGATOR [jobs]\n");
    return 2;
  }
  const int jobs = argc > 3 ? std::atoi(argv[3]) : 10000;
  // cupsd keeps 1,000 finished jobs (it ships with 500): the agent reads each job within
  // seconds of its completion, and a history of every job would make cupsd, not the agent,
  // the bottleneck (its job list is walked on every Get-Jobs).
  auto cupsd = ramette::testing::PrivateCupsd::Start({false, 1000});
  if (!cupsd.ok()) {
    std::fprintf(stderr, "%s\n", cupsd.status().message().c_str());
    return 1;
  }
  auto& c = **cupsd;
  if (!c.AddQueue("q1").ok()) return 1;
  const std::string dir = c.dir();
  const std::string db = dir + "/ramette.db";
  const std::string listen = "127.0.0.1:" + std::to_string(c.port() + 1);
  pid_t aggregator = ramette::testing::SpawnProcess({argv[2], "--db", db, "--listen", listen},
                                                    dir + "/aggregator.log");
  std::this_thread::sleep_for(seconds(1));
  pid_t agent = ramette::testing::SpawnProcess(
      {argv[1], "--server-id", "bench", "--cups-server", c.socket_path(), "--aggregator", listen,
       "--state-dir", dir + "/agent-state"},
      dir + "/agent.log");
  const std::string doc = c.WriteDocument(2);
  std::this_thread::sleep_for(seconds(5));
  PrintMemory("idle, before any job:", MemoryOf(agent));
  auto t0 = steady_clock::now();
  for (int i = 0; i < jobs; ++i) {
    if (!c.Print("q1", doc, {"-o", "sides=two-sided-long-edge"}).ok()) return 1;
    if ((i + 1) % std::max(1, jobs / 4) == 0) {
      const std::string when = "after " + std::to_string(i + 1) + " jobs printed:";
      PrintMemory(when.c_str(), MemoryOf(agent));
    }
  }
  // Wait for the last jobs to arrive.
  size_t stored = 0;
  for (int i = 0; i < 600 && stored < static_cast<size_t>(jobs); ++i) {
    std::this_thread::sleep_for(seconds(1));
    stored = Delays(db).size();
  }
  double print_secs = duration<double>(steady_clock::now() - t0).count();
  std::system(("cp " + dir + "/agent.log /tmp/agent_bench_agent.log").c_str());
  long rss = ramette::bench::RssKb(agent);
  double cpu0 = CpuSeconds(agent);
  std::this_thread::sleep_for(seconds(30));
  double idle_cpu = CpuSeconds(agent) - cpu0;
  PrintMemory("idle again, all jobs stored:", MemoryOf(agent));
  // Latency at an office's pace: 120 more jobs, 4 a second.
  std::vector<int64_t> burst = Delays(db);
  std::sort(burst.begin(), burst.end());
  const int paced = 120;
  for (int i = 0; i < paced; ++i) {
    if (!c.Print("q1", doc, {"-o", "sides=two-sided-long-edge"}).ok()) return 1;
    std::this_thread::sleep_for(milliseconds(250));
  }
  std::vector<int64_t> d;
  for (int i = 0; i < 60 && d.size() < static_cast<size_t>(paced); ++i) {
    std::this_thread::sleep_for(seconds(1));
    d = Delays(db, jobs + 1);
  }
  std::sort(d.begin(), d.end());
  kill(agent, SIGTERM);
  kill(aggregator, SIGTERM);
  waitpid(agent, nullptr, 0);
  waitpid(aggregator, nullptr, 0);
  if (d.empty() || burst.empty()) return 1;
  std::printf("jobs printed: %d, stored: %zu (in %.0f s)\n", jobs, burst.size(), print_secs);
  std::printf("agent resident memory after capturing them: %.1f MB (target < 15 MB)\n",
              rss / 1024.0);
  std::printf("agent CPU over 30 idle seconds: %.2f s (%.2f %%)\n", idle_cpu, idle_cpu / 30 * 100);
  std::printf("burst (printed as fast as lp goes): completion -> commit p50 %lld s, p99 %lld s\n",
              static_cast<long long>(burst[burst.size() / 2]),
              static_cast<long long>(burst[burst.size() * 99 / 100]));
  std::printf(
      "paced (%zu jobs, 4/s): completion in cupsd -> commit at the aggregator: p50 %lld s,"
      " p99 %lld s, max %lld s (whole seconds; target p99 < 5 s)\n",
      d.size(), static_cast<long long>(d[d.size() / 2]),
      static_cast<long long>(d[d.size() * 99 / 100]), static_cast<long long>(d.back()));
  return 0;
}
