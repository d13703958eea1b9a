// ramette-web: the dashboard daemon. Wires the configuration ([web], [organisation],
// [indicators], report settings), the store, the web app and its HTTP server, then serves until
// SIGTERM or SIGINT. Configuration errors exit with 78 (EX_CONFIG).
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "aggregator/auth/password_hash.h"
#include "aggregator/config/aggregator_config.h"
#include "aggregator/store/open_store.h"
#include "aggregator/web/sessions.h"
#include "aggregator/web/web_app.h"
#include "aggregator/web/web_server.h"
#include "common/civil_time.h"
#include "common/version.h"
#include "service/logging.h"
#include "service/systemd_notifier.h"

namespace {

constexpr int kExitConfig = 78;
constexpr int kExitTempFail = 75;
constexpr int kSweepSeconds = 60;

}  // namespace

int main(int argc, char** argv) {
  using namespace ramette;
  using namespace ramette::aggregator;
  service::SetUpLogging("ramette-web");

  CLI::App app{"ramette-web: the ramette dashboard (paper indicators, reports, print servers)"};
  std::string config_path, db_override, listen_override;
  bool version = false;
  app.add_option("--config", config_path, "TOML configuration file (default: embedded defaults)");
  app.add_option(
      "--db", db_override,
      "the store: a SQLite file path or a postgresql:// URI (overrides [storage] database)");
  app.add_option("--listen", listen_override, "HOST:PORT to serve on (overrides [web] listen)");
  app.add_flag("--version", version, "print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (version) {
    std::cout << "ramette-web " << kVersion << "\n";
    return 0;
  }

  config::AggregatorConfig config;
  if (!config_path.empty()) {
    auto loaded = config::LoadAggregatorConfig(config_path);
    if (!loaded.ok()) {
      spdlog::critical("configuration: {}", loaded.status().message());
      return kExitConfig;
    }
    config = *loaded;
  }
  if (!db_override.empty()) config.database = db_override;
  if (!listen_override.empty()) config.web.listen = listen_override;
  auto level = spdlog::level::from_str(config.log_level);
  if (level == spdlog::level::off && config.log_level != "off") {
    spdlog::critical("configuration: unknown log level '{}'", config.log_level);
    return kExitConfig;
  }
  spdlog::set_level(level);
  if (Status s = config::CheckWebListenAllowed(config.web); !s.ok()) {
    spdlog::critical("configuration: {}", s.message());
    return kExitConfig;
  }

  auto opened = store::OpenStore(config.database, store::OpenMode::kExisting);
  if (!opened.ok()) {
    spdlog::critical("{}", opened.status().message());
    return store::ExitCodeForOpenError(opened.status());
  }
  std::unique_ptr<store::Store> store = std::move(opened).value();
  // Days and months are the organisation's, as stored with the data (as `ramette status`).
  const std::string stored_zone = store->StoredTimeZone();
  auto tz = TimeZone::Load(stored_zone.empty() ? config.time_zone : stored_zone);
  if (!tz.ok()) {
    spdlog::critical("configuration: {}", tz.status().message());
    return kExitConfig;
  }
  // Checked when the name is unknown, so that it costs as much as a wrong password.
  auto dummy = auth::HashPassword(web::RandomToken());
  if (!dummy.ok()) {
    spdlog::critical("cannot prepare password checks: {}", dummy.status().message());
    return 1;
  }

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  web::WebAppOptions options;
  options.store = store.get();
  options.accounts = &store->accounts();
  options.verify_password = [](std::string_view hash, std::string_view password) {
    return auth::VerifyPassword(hash, password);
  };
  options.dummy_hash = *dummy;
  options.clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
  options.tz = &*tz;
  options.report = config.report;
  options.paper_source = config.paper_source == "purchases" ? indicators::PaperSource::kPurchases
                                                            : indicators::PaperSource::kPrinting;
  options.lang = config.web.lang == "en" ? reports::ReportLanguage::kEnglish
                                         : reports::ReportLanguage::kFrench;
  options.secure_cookies =
      !config.web.cert_file.empty() || !config::IsLoopbackListenAddress(config.web.listen);
  options.trusted_proxies = config.web.trusted_user_header.empty() ? std::vector<std::string>{}
                                                                   : config.web.trusted_proxies;
  options.session_idle_seconds = int64_t{60} * config.web.session_idle_minutes;
  options.session_max_seconds = int64_t{3600} * config.web.session_max_hours;
  options.figures_fresh_seconds = config.web.cache_seconds;
  web::WebApp web_app(std::move(options));

  web::WebServerOptions server_options{config.web.listen, config.web.cert_file, config.web.key_file,
                                       config.web.trusted_user_header};
  auto server = web::WebServer::Start(server_options, &web_app);
  if (!server.ok()) {
    spdlog::critical("{}", server.status().message());
    return server.status().code() == Status::Code::kUnavailable ? kExitTempFail : kExitConfig;
  }
  const std::string host = config.web.listen.substr(0, config.web.listen.rfind(':'));
  const std::string where = "listening on " + host + ":" + std::to_string((*server)->port());
  spdlog::info("ramette-web {} {} ({}), database {}, time zone {}{}", kVersion, where,
               config.web.cert_file.empty() ? "HTTP" : "HTTPS", store->Description(), tz->name(),
               config.web.trusted_user_header.empty()
                   ? ""
                   : ", single sign-on through " + config.web.trusted_user_header);

  service::SystemdNotifier notifier;
  notifier.Ready(where);
  // The default pages' figures, computed while the first visitors log in.
  std::thread warm_up([&web_app] {
    const auto start = std::chrono::steady_clock::now();
    web_app.WarmUp();
    // The computations' working memory goes back to the system: only their results stay.
    malloc_trim(0);
    spdlog::info("figures of the default pages ready in {:.1f} s",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  });
  int sig = 0;
  for (;;) {
    const auto wait = service::WatchdogSleepCap(notifier, std::chrono::seconds(kSweepSeconds));
    struct timespec timeout = {static_cast<time_t>(wait.count() / 1000),
                               static_cast<long>(wait.count() % 1000) * 1000000};
    sig = sigtimedwait(&stop_signals, nullptr, &timeout);
    if (sig > 0) break;
    const size_t live = web_app.sessions().Sweep(std::time(nullptr));
    notifier.Watchdog();
    notifier.Status(where + "; " + std::to_string(live) + " session(s)");
  }
  spdlog::info("signal {} received, stopping", sig);
  notifier.Stopping();
  server->reset();
  warm_up.join();
  return 0;
}
