// The dashboard's speed over 10 million stored jobs (bench/indicators_data.h's store, built once):
// first one request per route with nothing kept ([web] cache_seconds = 0: what computing a page
// costs); then, as ramette-web runs (cache_seconds = 60, WarmUp at start, timed), C concurrent
// clients, each logged in as an admin, request every page and API route in turn through
// web::WebApp (the request handling ramette-web runs behind cpp-httplib, without the socket), R
// rounds each; prints p50/p95/max per route. Then starts the real `ramette-web` on the same store
// and reads its resident memory after it has been idle for 3 s.
// Usage: web_bench RAMETTE_WEB_BINARY [db=/tmp/ramette-bench-10m.db] [jobs=10000000]
//                  [clients=50] [rounds=4]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aggregator/auth/password_hash.h"
#include "aggregator/store/open_store.h"
#include "aggregator/web/web_app.h"
#include "bench/indicators_data.h"
#include "bench/process_memory.h"

using namespace ramette;
using namespace ramette::aggregator;

namespace {

// The value of cookie `name` set by a response.
std::string SetCookie(const web::WebResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == "Set-Cookie" && v.rfind(name + "=", 0) == 0) {
      return v.substr(name.size() + 1, v.find(';') - name.size() - 1);
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: web_bench RAMETTE_WEB [db] [jobs] [clients] [rounds]\n");
    return 2;
  }
  const std::string web_binary = argv[1];
  const std::string path = argc > 2 ? argv[2] : "/tmp/ramette-bench-10m.db";
  const int64_t total = argc > 3 ? std::atoll(argv[3]) : 10000000;
  const int clients = argc > 4 ? std::max(1, std::atoi(argv[4])) : 50;
  const int rounds = argc > 5 ? std::max(1, std::atoi(argv[5])) : 4;
  if (int rc = bench::EnsureIndicatorsStore(path, total); rc != 0) return rc;

  auto opened = store::OpenStore(path, store::OpenMode::kCreate);
  if (!opened.ok()) {
    std::fprintf(stderr, "web_bench: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  store::Store& s = **opened;
  const std::string password = "bench-password-0123";
  auto hash = auth::HashPassword(password);
  if (!hash.ok()) return 1;
  auto existing = s.accounts().FindAccount("bench-admin");
  if (existing.ok() && !existing->has_value()) {
    store::WebAccount a;
    a.name = "bench-admin";
    a.role = store::AccountRole::kAdmin;
    a.password_hash = *hash;
    a.created_at = a.updated_at = std::time(nullptr);
    if (Status st = s.accounts().AddAccount(a); !st.ok()) {
      std::fprintf(stderr, "web_bench: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  const TimeZone tz = *TimeZone::Load("Europe/Paris");
  web::WebAppOptions options;
  options.store = &s;
  options.accounts = &s.accounts();
  options.verify_password = [](std::string_view h, std::string_view p) {
    return auth::VerifyPassword(h, p);
  };
  options.dummy_hash = *hash;
  options.clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
  options.tz = &tz;
  web::WebAppOptions uncached_options = options;
  uncached_options.figures_fresh_seconds = 0;
  web::WebApp uncached(std::move(uncached_options));
  web::WebApp app(std::move(options));

  auto login_to = [&](web::WebApp& to) -> std::string {
    web::WebRequest get{"GET", "/login", {}, "", "127.0.0.1", std::nullopt};
    const std::string csrf = SetCookie(to.Handle(get), web::kLoginCsrfCookie);
    web::WebRequest post{"POST",
                         "/login",
                         {{"name", "bench-admin"}, {"password", password}, {"csrf_token", csrf}},
                         std::string(web::kLoginCsrfCookie) + "=" + csrf,
                         "127.0.0.1",
                         std::nullopt};
    return SetCookie(to.Handle(post), web::kSessionCookie);
  };
  auto login = [&] { return login_to(app); };

  const std::vector<std::pair<std::string, std::map<std::string, std::string>>> routes = {
      {"/", {{"year", "2018"}}},
      {"/direction", {{"name", bench::Direction(3)}, {"month", "2018-06"}}},
      {"/devices", {{"year", "2018"}}},
      {"/quality", {{"year", "2018"}}},
      {"/servers", {}},
      {"/api/v1/indicators", {{"year", "2018"}}},
      {"/api/v1/status", {}},
  };
  auto since_ms = [](std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  {
    const std::string session = login_to(uncached);
    std::printf("one request per route, nothing kept (cache_seconds = 0):\n");
    for (const auto& [route, params] : routes) {
      web::WebRequest req{"GET",       route,
                          params,      std::string(web::kSessionCookie) + "=" + session,
                          "127.0.0.1", std::nullopt};
      const auto start = std::chrono::steady_clock::now();
      const int status = uncached.Handle(req).status;
      std::printf("  %-22s %8.1f ms (%d)\n", route.c_str(), since_ms(start), status);
    }
  }
  {
    const auto start = std::chrono::steady_clock::now();
    app.WarmUp();
    std::printf("WarmUp (what ramette-web computes at start): %.1f s, %lld computations\n",
                since_ms(start) / 1000, static_cast<long long>(app.figures().computations()));
  }

  std::mutex mu;
  std::map<std::string, std::vector<double>> ms_of;
  int errors = 0;
  // Every client logs in first: a login verifies an Argon2id hash (tens of ms of CPU and 64 MiB
  // each), which is not what this measures and would slow the first pages down.
  std::vector<std::string> sessions;
  for (int c = 0; c < clients; ++c) sessions.push_back(login());
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      const std::string& session = sessions[c];
      for (int r = 0; r < rounds; ++r) {
        for (size_t i = 0; i < routes.size(); ++i) {
          const auto& [route, params] = routes[(i + c) % routes.size()];
          web::WebRequest req{"GET",       route,
                              params,      std::string(web::kSessionCookie) + "=" + session,
                              "127.0.0.1", std::nullopt};
          const auto start = std::chrono::steady_clock::now();
          const web::WebResponse resp = app.Handle(req);
          const double ms =
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count();
          std::lock_guard<std::mutex> lock(mu);
          ms_of[route].push_back(ms);
          if (resp.status != 200) ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%d clients x %d rounds over %zu routes, %lld jobs, %.1f s, %d non-200 answers\n",
              clients, rounds, routes.size(), static_cast<long long>(*s.CountJobs()), wall_s,
              errors);
  std::printf("%-22s %8s %8s %8s %8s   (target p95 < 150 ms)\n", "route", "n", "p50 ms", "p95 ms",
              "max ms");
  for (auto& [route, v] : ms_of) {
    std::sort(v.begin(), v.end());
    std::printf("%-22s %8zu %8.1f %8.1f %8.1f\n", route.c_str(), v.size(), v[v.size() / 2],
                v[std::min(v.size() - 1, v.size() * 95 / 100)], v.back());
  }

  // The real daemon's resident memory once idle.
  const pid_t pid = fork();
  if (pid == 0) {
    execl(web_binary.c_str(), web_binary.c_str(), "--db", path.c_str(), "--listen", "127.0.0.1:0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  sleep(3);
  const long rss = bench::RssKb(pid);
  sleep(27);  // its warm-up (computing the default pages) is over by then
  const long rss_warm = bench::RssKb(pid);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::printf(
      "ramette-web idle RSS after 3 s: %.1f MB; after 30 s, its warm-up done: %.1f MB"
      " (target < 30 MB)\n",
      rss / 1024.0, rss_warm / 1024.0);
  return errors == 0 ? 0 : 1;
}
