// The aggregator's configuration: embedded defaults, a TOML file, then command-line overrides.
#ifndef RAMETTE_AGGREGATOR_CONFIG_AGGREGATOR_CONFIG_H_
#define RAMETTE_AGGREGATOR_CONFIG_AGGREGATOR_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "aggregator/directory/directory_settings.h"
#include "aggregator/model/user_names.h"
#include "aggregator/reports/report_settings.h"
#include "common/status.h"

namespace ramette::aggregator::config {

// [web]: the ramette-web dashboard (DESIGN.md "[web]").
struct WebSettings {
  std::string listen = "127.0.0.1:8080";  // [web] listen
  std::string cert_file;                  // [web] cert_file: PEM certificate (chain); "" = HTTP
  std::string key_file;                   // [web] key_file: its private key
  // [web] trusted_user_header (e.g. "X-Remote-User"): single sign-on behind a reverse proxy,
  // honoured only from the addresses in trusted_proxies (IPv4/IPv6 literals). Off when either
  // is empty.
  std::string trusted_user_header;
  std::vector<std::string> trusted_proxies;
  int session_idle_minutes = 30;  // [web] session_idle_minutes: 1..1440
  int session_max_hours = 12;     // [web] session_max_hours: 1..168
  // [web] cache_seconds: 0..3600, how old the figures a page shows may be (0: none kept).
  int cache_seconds = 60;
  std::string lang = "fr";  // [web] lang: "fr" or "en", the pages' language
};

struct AggregatorConfig {
  std::string listen = "127.0.0.1:50551";  // [server] listen
  std::string database = "ramette.db";     // [storage] database
  std::string time_zone = "Europe/Paris";  // [organisation] time_zone
  bool store_titles = false;               // [privacy] store_titles
  std::string log_level = "info";          // [log] level: trace, debug, info, warn, error
  // Used by `ramette report` and `ramette export` (ramette --config FILE): [organisation] name,
  // [environment] factors and [targets]; [smtp] for --send. Numbers must be >= 0, except
  // targets.paper_change_max_pct; baseline_year is 0 (none) or 1..9999.
  reports::ReportSettings report;
  reports::SmtpSettings smtp;
  std::string metrics_listen = "127.0.0.1:9464";  // [metrics] listen; "" = no metrics endpoint
  // The ingest API's TLS: PEM files. No cert_file: plaintext (loopback only).
  std::string tls_cert_file;       // [tls] cert_file: the aggregator's certificate (chain)
  std::string tls_key_file;        // [tls] key_file: its private key
  std::string tls_client_ca_file;  // [tls] client_ca_file: mutual TLS, agents' certificates' CA
  // [auth] require_tokens: every call must carry a valid agent token (or, with client_ca_file,
  // a client certificate). A token presented is always checked, even when not required.
  bool require_tokens = false;
  // [users] case ("lower" or "preserve", the default) and strip_domain (false by default): how
  // user names are normalised before they are stored or compared (model/user_names.h).
  model::UserNameRule users = {};
  // [directory] (DESIGN.md) with [directory.directions] and [directory.workstations]: the
  // directory sync. directory.configured is false without the table.
  directory::DirectorySettings directory;
  // [indicators] paper_source: which source I1 and I2 take in `ramette indicators` (DESIGN.md
  // "What the law measures"), "printing" (the default) or "purchases".
  std::string paper_source = "printing";
  WebSettings web;
};

// Parses TOML text over the defaults. Unknown tables or keys and wrong types are errors naming
// `source_name`, the key and the line, so that a typo never silently falls back to a default.
Result<AggregatorConfig> ParseAggregatorConfig(std::string_view toml_text,
                                               std::string_view source_name);
// Reads and parses a file; IoError naming the path when it cannot be read.
Result<AggregatorConfig> LoadAggregatorConfig(const std::string& path);

// True for "127.0.0.1:P", any 127.x.y.z, "localhost:P" and "[::1]:P".
bool IsLoopbackListenAddress(const std::string& listen);
// InvalidArgument naming `key` unless `listen` is HOST:PORT with a port from 0 to 65535 and a
// host name, an IPv4 address or a bracketed IPv6 address.
Status CheckListenAddress(std::string_view key, const std::string& listen);
// The whole rule, for a configuration: the listen addresses' form (CheckListenAddress);
// InvalidArgument for an incomplete [tls] (a key without
// a certificate, a client CA without a certificate...); FailedPrecondition for a non-loopback
// listen address without TLS, or without agent credentials (require_tokens or client_ca_file).
Status CheckListenAllowed(const AggregatorConfig& config);
// The rule of [web] for ramette-web: the listen address' form; InvalidArgument for cert_file
// without key_file (or the reverse), or a trusted_user_header without trusted_proxies;
// FailedPrecondition for a non-loopback listen address without TLS.
Status CheckWebListenAllowed(const WebSettings& web);

}  // namespace ramette::aggregator::config

#endif  // RAMETTE_AGGREGATOR_CONFIG_AGGREGATOR_CONFIG_H_
