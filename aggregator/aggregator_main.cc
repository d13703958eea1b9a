// ramette-aggregator: wires configuration, the store (SQLite or PostgreSQL), the ingest processor
// and the gRPC server, then serves until SIGTERM or SIGINT. Configuration errors exit with 78
// (EX_CONFIG).
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "aggregator/config/aggregator_config.h"
#include "aggregator/ingest/grpc_ingest_service.h"
#include "aggregator/ingest/ingest_processor.h"
#include "aggregator/metrics/http_metrics_server.h"
#include "aggregator/metrics/ingest_metrics.h"
#include "aggregator/store/open_store.h"
#include "common/civil_time.h"
#include "common/version.h"
#include "service/logging.h"
#include "service/systemd_notifier.h"

namespace {

constexpr int kExitConfig = 78;
constexpr int kExitTempFail = 75;  // EX_TEMPFAIL: a restart may cure it
constexpr int kFoldIntervalSeconds = 10;

}  // namespace

int main(int argc, char** argv) {
  using namespace ramette;
  using namespace ramette::aggregator;
  service::SetUpLogging("ramette-aggregator");

  CLI::App app{"ramette-aggregator: receives print jobs from ramette agents and stores them"};
  std::string config_path, db_override, listen_override;
  bool version = false;
  app.add_option("--config", config_path, "TOML configuration file (default: embedded defaults)");
  app.add_option(
      "--db", db_override,
      "the store: a SQLite file path or a postgresql:// URI (overrides [storage] database)");
  app.add_option("--listen", listen_override, "HOST:PORT to serve on (overrides [server] listen)");
  app.add_flag("--version", version, "print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (version) {
    std::cout << "ramette-aggregator " << kVersion << "\n";
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
  if (!listen_override.empty()) config.listen = listen_override;
  auto level = spdlog::level::from_str(config.log_level);
  if (level == spdlog::level::off && config.log_level != "off") {
    spdlog::critical("configuration: unknown log level '{}'", config.log_level);
    return kExitConfig;
  }
  spdlog::set_level(level);

  if (Status s = config::CheckListenAllowed(config); !s.ok()) {
    spdlog::critical("configuration: {}", s.message());
    return kExitConfig;
  }
  auto tz = TimeZone::Load(config.time_zone);
  if (!tz.ok()) {
    spdlog::critical("configuration: {}", tz.status().message());
    return kExitConfig;
  }

  auto opened = store::OpenStore(config.database, store::OpenMode::kCreate);
  if (!opened.ok()) {
    spdlog::critical("{}", opened.status().message());
    // A database from a newer ramette, a refused login or not a database at all will not fix
    // itself (78); a locked or unreachable one may (75), so let systemd retry those.
    return store::ExitCodeForOpenError(opened.status());
  }
  std::unique_ptr<store::Store> store = std::move(opened).value();
  const std::string database = store->Description();  // without any password
  if (Status s = store->EnsureTimeZone(*tz); !s.ok()) {
    spdlog::critical("database {}: {}", database, s.message());
    return 1;
  }
  // [users], recorded for the command line (imports) and the readers (attribution).
  if (Status s = store->SetUserNameRule(config.users); !s.ok()) {
    spdlog::critical("database {}: {}", database, s.message());
    return 1;
  }

  // Block the stop signals in every thread (gRPC's included) and wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  metrics::IngestMetrics metrics;
  ingest::IngestProcessor processor(
      &store->jobs(),
      ingest::IngestOptions{*tz, config.store_titles, nullptr, &metrics, config.users});
  // Tokens presented are always checked; with require_tokens or mutual TLS, calls without a
  // credential are refused. With both, a client certificate is requested (an agent may use
  // either), with mutual TLS alone it is required.
  ingest::IngestTls tls{config.tls_cert_file, config.tls_key_file, config.tls_client_ca_file,
                        /*require_client_cert=*/!config.require_tokens};
  ingest::IngestAuth auth{
      &store->tokens(),
      /*require_credentials=*/config.require_tokens || !config.tls_client_ca_file.empty()};
  auto server = ingest::StartIngestServer(config.listen, &processor, tls, auth);
  if (!server.ok()) {
    spdlog::critical("{}", server.status().message());
    // An address in use may be free at the next try (systemd restarts on 75); a bad TLS file
    // is configuration.
    return server.status().code() == Status::Code::kUnavailable ? kExitTempFail : kExitConfig;
  }
  std::string host = config.listen.substr(0, config.listen.rfind(':'));
  spdlog::info(
      "ramette-aggregator {} listening on {}:{} ({}{}), database {}, time zone {}", kVersion, host,
      server->port,
      config.tls_cert_file.empty() ? "plaintext"
                                   : (config.tls_client_ca_file.empty() ? "TLS" : "mutual TLS"),
      auth.require_credentials ? ", agent credentials required" : "", database, tz->name());

  // Wait for a stop signal; meanwhile fold newly stored jobs into the rollups every few
  // seconds, so that `ramette indicators` finds them up to date.
  // Prometheus metrics on their own port (loopback by default). Not being able to serve them is
  // logged, not fatal: ingest matters more.
  std::unique_ptr<metrics::HttpMetricsServer> metrics_server;
  std::string metrics_where = "metrics off";
  if (!config.metrics_listen.empty()) {
    store::StatusStore* st = &store->status();
    auto started = metrics::HttpMetricsServer::Start(config.metrics_listen, [&metrics, st] {
      auto servers = st->ServerStatuses(store::StatusPeriods{}, /*count_jobs=*/false);
      return metrics.Render(servers.ok() ? metrics::GaugesOf(*servers)
                                         : std::vector<metrics::ServerGauges>{});
    });
    if (started.ok()) {
      metrics_server = std::move(*started);
      metrics_where = "metrics on " +
                      config.metrics_listen.substr(0, config.metrics_listen.rfind(':')) + ":" +
                      std::to_string(metrics_server->port()) + "/metrics";
      spdlog::info("Prometheus {}", metrics_where);
      if (!config::IsLoopbackListenAddress(config.metrics_listen)) {
        spdlog::warn("metrics listen on a non-loopback address ({}): they name every print server",
                     config.metrics_listen);
      }
    } else {
      spdlog::error("no metrics: {}", started.status().message());
      metrics_where = "metrics failed";
    }
  }

  // This loop proves liveness: WATCHDOG=1 from here only.
  service::SystemdNotifier notifier;
  const std::string where =
      "listening on " + host + ":" + std::to_string(server->port) + ", " + metrics_where;
  notifier.Ready(where);
  int sig = 0;
  for (;;) {
    const auto wait =
        service::WatchdogSleepCap(notifier, std::chrono::seconds(kFoldIntervalSeconds));
    struct timespec timeout = {static_cast<time_t>(wait.count() / 1000),
                               static_cast<long>(wait.count() % 1000) * 1000000};
    sig = sigtimedwait(&stop_signals, nullptr, &timeout);
    if (sig > 0) break;
    if (Status s = store->FoldRollups(); !s.ok()) {
      spdlog::warn("folding new jobs into the rollups failed (will retry): {}", s.message());
    }
    notifier.Watchdog();
    notifier.Status(where + "; " + metrics.Summary());
  }
  spdlog::info("signal {} received, stopping", sig);
  notifier.Stopping();
  server->server->Shutdown();
  if (Status s = store->FoldRollups(); !s.ok()) {
    spdlog::warn("folding new jobs into the rollups failed: {}", s.message());
  }
  return 0;
}
