// ramette-agent: the capture daemon (CUPS -> durable outbox -> aggregator), the `backfill` and
// `check` commands. Wiring only; configuration errors exit with 78 (EX_CONFIG).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/backfill_command.h"
#include "agent/capture/capture.h"
#include "agent/capture/cups_client.h"
#include "agent/check_command.h"
#include "agent/config/agent_config.h"
#include "agent/outbox/forwarder.h"
#include "agent/outbox/sleeper.h"
#include "agent/outbox/sqlite_outbox.h"
#include "agent/uplink/grpc_uplink.h"
#include "common/version.h"
#include "service/logging.h"
#include "service/systemd_notifier.h"

namespace {

constexpr int kExitConfig = 78;
// What a restart may cure (an I/O error, a full disk): systemd's Restart=on-failure retries.
constexpr int kExitTempFail = 75;
using ramette::kVersion;

void Log(ramette::agent::LogLevel level, const std::string& message) {
  switch (level) {
    case ramette::agent::LogLevel::kInfo:
      spdlog::info("{}", message);
      break;
    case ramette::agent::LogLevel::kWarn:
      spdlog::warn("{}", message);
      break;
    case ramette::agent::LogLevel::kError:
      spdlog::error("{}", message);
      break;
  }
}

int RunDaemon(const ramette::agent::AgentConfig& config,
              const ramette::agent::UplinkCredentials& credentials) {
  using namespace ramette;
  using namespace ramette::agent;
  std::error_code ec;
  std::filesystem::create_directories(config.state_dir, ec);
  if (ec) {
    spdlog::critical("cannot create the state directory {}: {}", config.state_dir, ec.message());
    return kExitConfig;
  }
  chmod(config.state_dir.c_str(), 0700);

  SqliteOutboxOptions outbox_options;
  outbox_options.limits.max_records = config.outbox_max_records;
  outbox_options.limits.max_bytes = config.outbox_max_mb * 1024 * 1024;
  const std::string outbox_path = config.state_dir + "/" + SqliteOutbox::kFileName;
  auto outbox = SqliteOutbox::Open(outbox_path, outbox_options);
  if (!outbox.ok()) {
    // A corrupt outbox may hold jobs that exist nowhere else: never overwrite it. An I/O error
    // (a full or read-only disk, a lock) may pass: exit so that systemd restarts the agent.
    spdlog::critical("outbox {}: {}", outbox_path, outbox.status().message());
    const ramette::Status::Code code = outbox.status().code();
    return code == ramette::Status::Code::kIoError || code == ramette::Status::Code::kUnavailable
               ? kExitTempFail
               : kExitConfig;
  }

  // Stop signals are handled here, not by default handlers in random threads.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  GrpcUplink uplink({config.aggregator, config.deadline_seconds * 1000, kVersion, credentials});
  SystemSleeper sleeper;
  ForwarderOptions forwarder_options;
  forwarder_options.server_id = config.server_id;
  forwarder_options.log = Log;
  Forwarder forwarder(outbox->get(), &uplink, &sleeper, forwarder_options);
  std::jthread forwarding([&forwarder](std::stop_token stop) { forwarder.Run(stop); });
  // Heartbeat: every minute, busy or idle, the outbox backlog goes to the aggregator, so that
  // `ramette status` sees a healthy idle server and how far behind a busy one is.
  std::jthread heartbeat([&](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    bool reported_failure = false;
    while (!stop.stop_requested()) {
      auto stats = (*outbox)->Stats();
      if (stats.ok()) {
        AgentStatus status;
        status.outbox_records = stats->depth;
        status.oldest_record_unix = stats->oldest_enqueued_at_ms / 1000;
        Status sent = uplink.ReportStatus(config.server_id, status);
        if (!sent.ok() && !reported_failure) {
          spdlog::warn("status report to the aggregator failed (retried every minute): {}",
                       sent.message());
        }
        reported_failure = !sent.ok();
      }
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, stop, std::chrono::seconds(60), [] { return false; });
    }
  });

  CupsClientOptions cups_options;
  if (!config.cups_server.empty()) cups_options.server = config.cups_server;
  CupsClient cups(cups_options);
  CaptureOptions capture_options;
  capture_options.include_titles = config.send_titles;
  capture_options.max_poll = std::chrono::seconds(config.max_poll_seconds);
  capture_options.min_poll = std::min(capture_options.min_poll, capture_options.max_poll);
  capture_options.log = Log;
  capture_options.on_committed = [&forwarder](int64_t) { forwarder.Wake(); };
  Capture capture(&cups, outbox->get(), capture_options);

  spdlog::info("ramette-agent {} started: server id '{}', cupsd {}, aggregator {} ({}{}), state {}",
               kVersion, config.server_id, cups_options.server, config.aggregator,
               credentials.root_certs_pem.empty() ? "plaintext" : "TLS",
               credentials.token.empty() ? "" : ", with a token", config.state_dir);
  // The capture loop proves liveness: WATCHDOG=1 from here only.
  service::SystemdNotifier notifier;
  notifier.Ready("capturing from " + cups_options.server + ", sending to " + config.aggregator);
  auto last_status = std::chrono::steady_clock::now() - std::chrono::hours(1);
  for (;;) {
    std::chrono::milliseconds delay =
        std::min(capture.Step(), service::WatchdogSleepCap(notifier, std::chrono::seconds(60)));
    notifier.Watchdog();
    if (notifier.active() &&
        std::chrono::steady_clock::now() - last_status > std::chrono::seconds(10)) {
      last_status = std::chrono::steady_clock::now();
      auto stats = (*outbox)->Stats();
      if (stats.ok()) {
        notifier.Status("capturing from " + cups_options.server + "; outbox " +
                        std::to_string(stats->depth) + " records waiting for " + config.aggregator);
      }
    }
    struct timespec timeout;
    timeout.tv_sec = delay.count() / 1000;
    timeout.tv_nsec = (delay.count() % 1000) * 1000000;
    int sig = sigtimedwait(&stop_signals, nullptr, &timeout);
    if (sig > 0) {
      spdlog::info("signal {} received, stopping", sig);
      notifier.Stopping();
      break;
    }
  }
  heartbeat.request_stop();
  forwarding.request_stop();
  forwarder.Wake();
  forwarding.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ramette::agent;
  // libcups and gRPC may write to a socket the peer just closed: that is an error, not a kill.
  signal(SIGPIPE, SIG_IGN);
  ramette::service::SetUpLogging("ramette-agent");

  CLI::App app{"ramette-agent: captures finished CUPS print jobs and sends them to ramette"};
  std::string config_path, server_id, cups_server, aggregator, state_dir;
  bool version = false;
  app.add_option("--config", config_path,
                 std::string("TOML configuration file (default: ") + kDefaultAgentConfigPath +
                     " when it exists, else embedded defaults)");
  app.add_option("--server-id", server_id, "this print server's id (default: the host name)");
  app.add_option("--cups-server", cups_server,
                 "cupsd to capture: HOST:PORT or a socket (default: /run/cups/cups.sock)");
  app.add_option("--aggregator", aggregator,
                 "the aggregator's HOST:PORT (default 127.0.0.1:50551)");
  app.add_option("--state-dir", state_dir, "outbox and cursors (default ./ramette-agent-state)");
  app.add_flag("--version", version, "print the version and exit");

  auto* backfill = app.add_subcommand(
      "backfill",
      "load CUPS page_log files (plain or gzip; the default PageLogFormat of CUPS >= 1.4.7, "
      "CUPS 1.1-1.4.6's layouts, a site's own PageLogFormat; lines behind a syslog or "
      "`journalctl -o short-iso` prefix, other programs' lines skipped)");
  std::vector<std::string> page_logs;
  backfill->add_option("--page-log", page_logs, "page_log files or journal exports, in any order")
      ->required()
      ->expected(1, -1);
  backfill->add_option("--server-id", server_id, "the print server the files come from")
      ->required();
  backfill->add_option("--aggregator", aggregator,
                       "the aggregator's HOST:PORT (required unless --dry-run)");
  std::string ca_file, token_file;
  backfill->add_option("--ca-file", ca_file,
                       "TLS: the aggregator's certificate's CA (overrides [aggregator] ca_file)");
  backfill->add_option(
      "--token-file", token_file,
      "file holding this server's agent token (overrides [aggregator] token_file)");
  std::string page_log_format, backfill_cupsd_conf;
  auto* format_option = backfill->add_option(
      "--page-log-format", page_log_format,
      "the PageLogFormat the files were written in (%p %u %j %T %P %C %{attr}, literal text, "
      "%%); default: CUPS's default format");
  backfill
      ->add_option("--cupsd-conf", backfill_cupsd_conf,
                   "take the PageLogFormat from this cupsd.conf (the default format when it has "
                   "no PageLogFormat line)")
      ->excludes(format_option);
  bool dry_run = false;
  backfill->add_flag("--dry-run", dry_run,
                     "parse everything and print the jobs, impressions and sheets per year and "
                     "queue that would be sent; connect to nothing");
  std::string backfill_time_zone = "Europe/Paris";
  backfill
      ->add_option("--time-zone", backfill_time_zone,
                   "with --dry-run: the organisation's time zone, which years are counted in")
      ->capture_default_str();

  auto* check = app.add_subcommand(
      "check", "is everything in place? one line per finding; exit 0 only when all is well");
  check->fallthrough();  // --aggregator, --state-dir... may follow `check`
  std::string cupsd_conf = "/etc/cups/cupsd.conf";
  std::string cups_user;
  check->add_option("--cupsd-conf", cupsd_conf, "cupsd's configuration file")
      ->capture_default_str();
  check->add_option("--cups-user", cups_user,
                    "ask cupsd as this user (e.g. ramette, the service's user; default: yours)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (version) {
    std::cout << "ramette-agent " << kVersion << "\n";
    return 0;
  }

  auto loaded = config_path.empty() ? LoadAgentConfig(kDefaultAgentConfigPath, false)
                                    : LoadAgentConfig(config_path, true);
  if (!loaded.ok()) {
    spdlog::critical("configuration: {}", loaded.status().message());
    return kExitConfig;
  }
  AgentConfig config = *loaded;
  if (!server_id.empty()) config.server_id = server_id;
  if (!cups_server.empty()) config.cups_server = cups_server;
  if (!aggregator.empty()) config.aggregator = aggregator;
  if (!state_dir.empty()) config.state_dir = state_dir;
  if (!ca_file.empty()) config.ca_file = ca_file;
  if (!token_file.empty()) config.token_file = token_file;
  bool id_defaulted = false;
  ramette::Result<std::string> id = ResolveServerId(config.server_id, &id_defaulted);
  if (!id.ok()) {
    spdlog::critical("configuration: {}", id.status().message());
    return kExitConfig;
  }
  config.server_id = *id;
  if (id_defaulted) {
    spdlog::info("server id '{}': the host name ([agent] server_id and --server-id not set)",
                 config.server_id);
  }
  auto level = spdlog::level::from_str(config.log_level);
  if (level == spdlog::level::off && config.log_level != "off") {
    spdlog::critical("configuration: unknown log level '{}'", config.log_level);
    return kExitConfig;
  }
  spdlog::set_level(level);
  if (ramette::Status s = CheckAggregatorAddress(config); !s.ok()) {
    spdlog::critical("configuration: {}", s.message());
    return kExitConfig;
  }
  auto credentials =
      LoadUplinkCredentials(config.ca_file, config.token_file, config.cert_file, config.key_file);
  if (!credentials.ok()) {
    spdlog::critical("configuration: {}", credentials.status().message());
    return kExitConfig;
  }
  if (!config.tls_server_name.empty() && config.ca_file.empty()) {
    spdlog::critical("configuration: [aggregator] tls_server_name needs ca_file (TLS)");
    return kExitConfig;
  }
  credentials->server_name = config.tls_server_name;

  if (check->parsed()) {
    spdlog::set_level(spdlog::level::err);  // the findings say it all
    CheckCommand cmd;
    cmd.cups_server = config.cups_server;
    cmd.cups_user = cups_user;
    cmd.cupsd_conf = cupsd_conf;
    cmd.aggregator = config.aggregator;
    cmd.deadline_seconds = config.deadline_seconds;
    cmd.server_id = config.server_id;
    cmd.state_dir = config.state_dir;
    cmd.agent_version = kVersion;
    cmd.credentials = *credentials;
    return RunCheckCommand(cmd, std::cout);
  }
  if (backfill->parsed()) {
    if (aggregator.empty() && !dry_run) {
      std::cerr << "backfill: --aggregator is required (or --dry-run)\n";
      return 2;
    }
    BackfillCommand cmd;
    cmd.page_logs = page_logs;
    cmd.server_id = config.server_id;
    cmd.aggregator = config.aggregator;
    cmd.send_titles = config.send_titles;
    cmd.deadline_seconds = config.deadline_seconds;
    cmd.agent_version = kVersion;
    cmd.credentials = *credentials;
    cmd.page_log_format = page_log_format;
    cmd.cupsd_conf = backfill_cupsd_conf;
    cmd.dry_run = dry_run;
    cmd.time_zone = backfill_time_zone;
    return RunBackfillCommand(cmd);
  }
  return RunDaemon(config, *credentials);
}
