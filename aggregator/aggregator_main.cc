// ramette-aggregator: wires configuration, the SQLite store, the ingest processor and the gRPC
// server, then serves until SIGTERM or SIGINT. Configuration errors exit with 78 (EX_CONFIG).
#include <spdlog/sinks/stdout_color_sinks.h>
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
#include "aggregator/store/sqlite_store.h"
#include "common/civil_time.h"

namespace {

constexpr int kExitConfig = 78;
constexpr const char* kVersion = "0.1.0";
constexpr int kFoldIntervalSeconds = 10;

}  // namespace

int main(int argc, char** argv) {
  using namespace ramette;
  using namespace ramette::aggregator;
  spdlog::set_default_logger(spdlog::stderr_color_mt("ramette-aggregator"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S%z %^%l%$ %v");

  CLI::App app{"ramette-aggregator: receives print jobs from ramette agents and stores them"};
  std::string config_path, db_override, listen_override;
  bool version = false;
  app.add_option("--config", config_path, "TOML configuration file (default: embedded defaults)");
  app.add_option("--db", db_override, "SQLite database path (overrides [storage] database)");
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

  AggregatorConfig config;
  if (!config_path.empty()) {
    auto loaded = LoadAggregatorConfig(config_path);
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

  if (Status s = CheckListenAllowed(config.listen); !s.ok()) {
    spdlog::critical("{}", s.message());
    return kExitConfig;
  }
  auto tz = TimeZone::Load(config.time_zone);
  if (!tz.ok()) {
    spdlog::critical("configuration: {}", tz.status().message());
    return kExitConfig;
  }

  auto store = SqliteStore::Open(config.database);
  if (!store.ok()) {
    spdlog::critical("cannot open database {}: {}", config.database, store.status().message());
    // A database from a newer ramette or not a database at all will not fix itself; a locked
    // or briefly unavailable one may, so let systemd retry those.
    const auto code = store.status().code();
    return code == Status::Code::kFailedPrecondition || code == Status::Code::kCorruption
               ? kExitConfig
               : 1;
  }
  if (Status s = (*store)->EnsureTimeZone(*tz); !s.ok()) {
    spdlog::critical("database {}: {}", config.database, s.message());
    return 1;
  }

  // Block the stop signals in every thread (gRPC's included) and wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  IngestProcessor processor(store->get(), IngestOptions{*tz, config.store_titles, nullptr});
  auto server = StartIngestServer(config.listen, &processor);
  if (!server.ok()) {
    spdlog::critical("{}", server.status().message());
    return kExitConfig;
  }
  std::string host = config.listen.substr(0, config.listen.rfind(':'));
  spdlog::info("ramette-aggregator {} listening on {}:{}, database {}, time zone {}", kVersion,
               host, server->port, config.database, tz->name());

  // Wait for a stop signal; meanwhile fold newly stored jobs into the rollups every few
  // seconds, so that `ramette indicators` finds them up to date.
  int sig = 0;
  for (;;) {
    struct timespec timeout = {kFoldIntervalSeconds, 0};
    sig = sigtimedwait(&stop_signals, nullptr, &timeout);
    if (sig > 0) break;
    if (Status s = (*store)->FoldRollups(); !s.ok()) {
      spdlog::warn("folding new jobs into the rollups failed (will retry): {}", s.message());
    }
  }
  spdlog::info("signal {} received, stopping", sig);
  server->server->Shutdown();
  if (Status s = (*store)->FoldRollups(); !s.ok()) {
    spdlog::warn("folding new jobs into the rollups failed: {}", s.message());
  }
  return 0;
}
