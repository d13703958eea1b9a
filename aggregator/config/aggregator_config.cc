// TOML parsing with toml++ and the loopback rule.
#include "aggregator/config/aggregator_config.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

namespace ramette::aggregator::config {
namespace {

std::string Where(std::string_view source, const toml::node& n) {
  return std::string(source) + ":" + std::to_string(n.source().begin.line);
}

// [directory] and its sub-tables [directory.directions] (value -> direction, kept in the
// file's order: the first listed value an entry has wins) and [directory.workstations].
Status ParseDirectory(std::string_view source, const toml::table& t,
                      directory::DirectorySettings* d) {
  d->configured = true;
  auto str = [&](const toml::node& n, std::string_view key, std::string* out) -> Status {
    auto v = n.value<std::string>();
    if (!v || !n.is_string()) {
      return Status::InvalidArgument(Where(source, n) + ": 'directory." + std::string(key) +
                                     "' must be a string");
    }
    *out = *v;
    return Status::Ok();
  };
  for (auto& [key, node] : t) {
    const std::string_view k = key.str();
    if (k == "directions") {
      const toml::table* m = node.as_table();
      if (m == nullptr) {
        return Status::InvalidArgument(Where(source, node) +
                                       ": 'directory.directions' must be a table");
      }
      std::vector<std::pair<int, std::pair<std::string, std::string>>> rows;
      for (auto& [value, direction] : *m) {
        auto v = direction.value<std::string>();
        if (!v || !direction.is_string() || v->empty()) {
          return Status::InvalidArgument(Where(source, direction) +
                                         ": a [directory.directions] value must be a non-empty "
                                         "direction name");
        }
        rows.push_back({static_cast<int>(value.source().begin.line) * 10000 +
                            static_cast<int>(value.source().begin.column),
                        {std::string(value.str()), *v}});
      }
      std::stable_sort(rows.begin(), rows.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (auto& r : rows) d->directions.push_back(std::move(r.second));
    } else if (k == "workstations") {
      const toml::table* w = node.as_table();
      if (w == nullptr) {
        return Status::InvalidArgument(Where(source, node) +
                                       ": 'directory.workstations' must be a table");
      }
      d->workstations = true;
      for (auto& [wk, wn] : *w) {
        if (wk.str() == "base_dn") {
          RAMETTE_RETURN_IF_ERROR(str(wn, "workstations.base_dn", &d->workstations_base_dn));
        } else if (wk.str() == "filter") {
          RAMETTE_RETURN_IF_ERROR(str(wn, "workstations.filter", &d->workstations_filter));
        } else {
          return Status::InvalidArgument(Where(source, wn) +
                                         ": unknown key 'directory.workstations." +
                                         std::string(wk.str()) + "'");
        }
      }
      if (d->workstations_base_dn.empty()) {
        return Status::InvalidArgument(Where(source, node) +
                                       ": [directory.workstations] needs base_dn");
      }
    } else if (k == "start_tls" || k == "follow_referrals") {
      auto v = node.value<bool>();
      if (!v || !node.is_boolean()) {
        return Status::InvalidArgument(Where(source, node) + ": 'directory." + std::string(k) +
                                       "' must be true or false");
      }
      (k == "start_tls" ? d->start_tls : d->follow_referrals) = *v;
    } else if (k == "max_close_share") {
      auto v = node.value<double>();
      if (!v || !(node.is_floating_point() || node.is_integer()) || *v < 0 || *v > 1) {
        return Status::InvalidArgument(Where(source, node) +
                                       ": 'directory.max_close_share' must be a number from 0 "
                                       "to 1 (0.2: 20 %)");
      }
      d->max_close_share = *v;
    } else if (k == "page_size" || k == "timeout_seconds") {
      auto v = node.value<int64_t>();
      if (!v || !node.is_integer() || *v < 1 || *v > 100000) {
        return Status::InvalidArgument(Where(source, node) + ": 'directory." + std::string(k) +
                                       "' must be a whole number from 1 to 100000");
      }
      (k == "page_size" ? d->page_size : d->timeout_seconds) = static_cast<int>(*v);
    } else {
      std::string* out = k == "uri"                   ? &d->uri
                         : k == "ca_file"             ? &d->ca_file
                         : k == "bind_dn"             ? &d->bind_dn
                         : k == "bind_password_file"  ? &d->bind_password_file
                         : k == "base_dn"             ? &d->base_dn
                         : k == "filter"              ? &d->filter
                         : k == "user_attribute"      ? &d->user_attribute
                         : k == "direction_attribute" ? &d->direction_attribute
                                                      : nullptr;
      if (out == nullptr) {
        return Status::InvalidArgument(Where(source, node) + ": unknown key 'directory." +
                                       std::string(k) + "'");
      }
      RAMETTE_RETURN_IF_ERROR(str(node, k, out));
    }
  }
  if (d->uri.empty()) {
    return Status::InvalidArgument(std::string(source) + ": [directory] needs uri");
  }
  if (d->base_dn.empty()) {
    return Status::InvalidArgument(std::string(source) + ": [directory] needs base_dn");
  }
  if (d->user_attribute.empty() || d->direction_attribute.empty()) {
    return Status::InvalidArgument(std::string(source) +
                                   ": [directory] user_attribute and direction_attribute must not "
                                   "be empty");
  }
  if (!d->bind_dn.empty() && d->bind_password_file.empty()) {
    return Status::InvalidArgument(std::string(source) +
                                   ": [directory] bind_dn needs bind_password_file");
  }
  return Status::Ok();
}

// [web]: strings, two bounded integers and the trusted_proxies array.
Status ParseWeb(std::string_view source, const toml::table& t, WebSettings* w) {
  for (auto& [key, node] : t) {
    const std::string_view k = key.str();
    if (k == "trusted_proxies") {
      const toml::array* a = node.as_array();
      if (a == nullptr) {
        return Status::InvalidArgument(Where(source, node) +
                                       ": 'web.trusted_proxies' must be an array of addresses");
      }
      for (const toml::node& item : *a) {
        auto v = item.value<std::string>();
        if (!v || !item.is_string() || v->empty()) {
          return Status::InvalidArgument(Where(source, item) +
                                         ": 'web.trusted_proxies' holds addresses as strings");
        }
        w->trusted_proxies.push_back(*v);
      }
    } else if (k == "cache_seconds") {
      auto v = node.value<int64_t>();
      if (!v || !node.is_integer() || *v < 0 || *v > 3600) {
        return Status::InvalidArgument(
            Where(source, node) + ": 'web.cache_seconds' must be a whole number from 0 to 3600");
      }
      w->cache_seconds = static_cast<int>(*v);
    } else if (k == "session_idle_minutes" || k == "session_max_hours") {
      const int64_t max = k == "session_idle_minutes" ? 1440 : 168;
      auto v = node.value<int64_t>();
      if (!v || !node.is_integer() || *v < 1 || *v > max) {
        return Status::InvalidArgument(Where(source, node) + ": 'web." + std::string(k) +
                                       "' must be a whole number from 1 to " + std::to_string(max));
      }
      (k == "session_idle_minutes" ? w->session_idle_minutes : w->session_max_hours) =
          static_cast<int>(*v);
    } else {
      std::string* out = k == "listen"                ? &w->listen
                         : k == "cert_file"           ? &w->cert_file
                         : k == "key_file"            ? &w->key_file
                         : k == "trusted_user_header" ? &w->trusted_user_header
                         : k == "lang"                ? &w->lang
                                                      : nullptr;
      if (out == nullptr) {
        return Status::InvalidArgument(Where(source, node) + ": unknown key 'web." +
                                       std::string(k) + "'");
      }
      auto v = node.value<std::string>();
      if (!v || !node.is_string()) {
        return Status::InvalidArgument(Where(source, node) + ": 'web." + std::string(k) +
                                       "' must be a string");
      }
      *out = *v;
    }
  }
  if (w->lang != "fr" && w->lang != "en") {
    return Status::InvalidArgument(std::string(source) + ": 'web.lang' must be \"fr\" or \"en\"");
  }
  return Status::Ok();
}

}  // namespace

Result<AggregatorConfig> ParseAggregatorConfig(std::string_view text, std::string_view source) {
  toml::parse_result parsed = toml::parse(text, source);
  if (!parsed) {
    const auto& err = parsed.error();
    return Status::InvalidArgument(std::string(source) + ":" +
                                   std::to_string(err.source().begin.line) + ": " +
                                   std::string(err.description()));
  }
  toml::table& root = parsed.table();
  AggregatorConfig c;
  std::string users_case = "preserve";
  struct Key {
    const char* table;
    const char* key;
    std::string* str;
    bool* flag;
    double* number = nullptr;
    int* integer = nullptr;
    bool may_be_negative = false;
    int64_t* count = nullptr;  // a whole number >= 0
  };
  const Key keys[] = {
      {"server", "listen", &c.listen, nullptr},
      {"storage", "database", &c.database, nullptr},
      {"organisation", "time_zone", &c.time_zone, nullptr},
      {"privacy", "store_titles", nullptr, &c.store_titles},
      {"log", "level", &c.log_level, nullptr},
      {"organisation", "name", &c.report.organisation_name, nullptr},
      {"environment", "co2e_kg_per_kg", nullptr, nullptr, &c.report.environment.co2e_kg_per_kg},
      {"environment", "co2e_kg_per_kg_recycled", nullptr, nullptr,
       &c.report.environment.co2e_kg_per_kg_recycled},
      {"environment", "a4_sheets_per_tree", nullptr, nullptr,
       &c.report.environment.a4_sheets_per_tree},
      {"environment", "kwh_per_kg", nullptr, nullptr, &c.report.environment.kwh_per_kg},
      {"environment", "kwh_per_kg_recycled", nullptr, nullptr,
       &c.report.environment.kwh_per_kg_recycled},
      {"targets", "recycled_share_min_pct", nullptr, nullptr,
       &c.report.targets.recycled_share_min_pct},
      {"targets", "recycled_spend_share_min_pct", nullptr, nullptr,
       &c.report.targets.recycled_spend_share_min_pct},
      {"targets", "paper_change_max_pct", nullptr, nullptr, &c.report.targets.paper_change_max_pct,
       nullptr, true},
      {"targets", "baseline_year", nullptr, nullptr, nullptr, &c.report.targets.baseline_year},
      {"smtp", "url", &c.smtp.url, nullptr},
      {"smtp", "from", &c.smtp.from, nullptr},
      {"smtp", "user", &c.smtp.user, nullptr},
      {"smtp", "password", &c.smtp.password, nullptr},
      {"smtp", "require_tls", nullptr, &c.smtp.require_tls},
      {"smtp", "ca_file", &c.smtp.ca_file, nullptr},
      {"metrics", "listen", &c.metrics_listen, nullptr},
      {"tls", "cert_file", &c.tls_cert_file, nullptr},
      {"tls", "key_file", &c.tls_key_file, nullptr},
      {"tls", "client_ca_file", &c.tls_client_ca_file, nullptr},
      {"auth", "require_tokens", nullptr, &c.require_tokens},
      {"users", "case", &users_case, nullptr},
      {"users", "strip_domain", nullptr, &c.users.strip_domain},
      {"indicators", "paper_source", &c.paper_source, nullptr},
      {"indicators", "large_job_sheets", nullptr, nullptr, nullptr, nullptr, false,
       &c.report.large_job_sheets},
  };
  for (auto& [tname, tnode] : root) {
    const toml::table* t = tnode.as_table();
    if (t == nullptr) {
      return Status::InvalidArgument(Where(source, tnode) + ": unexpected top-level key '" +
                                     std::string(tname.str()) + "'");
    }
    if (tname.str() == "directory") {
      RAMETTE_RETURN_IF_ERROR(ParseDirectory(source, *t, &c.directory));
      continue;
    }
    if (tname.str() == "web") {
      RAMETTE_RETURN_IF_ERROR(ParseWeb(source, *t, &c.web));
      continue;
    }
    for (auto& [kname, knode] : *t) {
      const Key* found = nullptr;
      for (const Key& k : keys) {
        if (tname.str() == k.table && kname.str() == k.key) found = &k;
      }
      if (found == nullptr) {
        return Status::InvalidArgument(Where(source, knode) + ": unknown key '" +
                                       std::string(tname.str()) + "." + std::string(kname.str()) +
                                       "'");
      }
      const std::string name = std::string(tname.str()) + "." + std::string(kname.str());
      if (found->number != nullptr) {
        auto v = knode.value<double>();
        if (!v || !(knode.is_floating_point() || knode.is_integer()) ||
            (!found->may_be_negative && *v < 0)) {
          return Status::InvalidArgument(Where(source, knode) + ": '" + name + "' must be a " +
                                         (found->may_be_negative ? "" : "non-negative ") +
                                         "number");
        }
        *found->number = *v;
      } else if (found->count != nullptr) {
        auto v = knode.value<int64_t>();
        if (!v || !knode.is_integer() || *v < 0) {
          return Status::InvalidArgument(Where(source, knode) + ": '" + name +
                                         "' must be a whole number");
        }
        *found->count = *v;
      } else if (found->integer != nullptr) {
        auto v = knode.value<int64_t>();
        if (!v || !knode.is_integer() || *v < 0 || *v > 9999) {
          return Status::InvalidArgument(Where(source, knode) + ": '" + name +
                                         "' must be a year (0 for none)");
        }
        *found->integer = static_cast<int>(*v);
      } else if (found->str != nullptr) {
        auto v = knode.value<std::string>();
        if (!v) {
          return Status::InvalidArgument(Where(source, knode) + ": '" + std::string(tname.str()) +
                                         "." + std::string(kname.str()) + "' must be a string");
        }
        *found->str = *v;
      } else {
        auto v = knode.value<bool>();
        if (!v || !knode.is_boolean()) {
          return Status::InvalidArgument(Where(source, knode) + ": '" + std::string(tname.str()) +
                                         "." + std::string(kname.str()) +
                                         "' must be true or false");
        }
        *found->flag = *v;
      }
    }
  }
  if (c.paper_source != "printing" && c.paper_source != "purchases") {
    return Status::InvalidArgument(Where(source, *root["indicators"]["paper_source"].node()) +
                                   ": 'indicators.paper_source' must be \"printing\" or "
                                   "\"purchases\", not '" +
                                   c.paper_source + "'");
  }
  if (c.report.large_job_sheets < 100) {
    return Status::InvalidArgument(Where(source, *root["indicators"]["large_job_sheets"].node()) +
                                   ": 'indicators.large_job_sheets' must be at least 100, not " +
                                   std::to_string(c.report.large_job_sheets));
  }
  if (users_case == "lower") {
    c.users.lower_case = true;
  } else if (users_case != "preserve") {
    return Status::InvalidArgument(Where(source, *root["users"]["case"].node()) +
                                   ": 'users.case' must be \"lower\" or \"preserve\", not '" +
                                   users_case + "'");
  }
  return c;
}

Result<AggregatorConfig> LoadAggregatorConfig(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("configuration file " + path + " is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read configuration file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseAggregatorConfig(ss.str(), path);
}

bool IsLoopbackListenAddress(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = listen.substr(0, colon);
  if (host == "localhost" || host == "[::1]") return true;
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char ch : host) {
    if (ch == '.') {
      ++dots;
    } else if (ch < '0' || ch > '9') {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace ramette::aggregator::config

namespace ramette::aggregator::config {

Status CheckListenAddress(std::string_view key, const std::string& listen) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(std::string(key) + " '" + listen + "': " + why +
                                   " (expected HOST:PORT, e.g. 127.0.0.1:50551 or [::1]:50551)");
  };
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return bad("no port");
  const std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  if (host.empty()) return bad("no host");
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3 ||
        host.find_first_not_of("0123456789abcdefABCDEF:.", 1) != host.size() - 1) {
      return bad("not an IPv6 address in brackets");
    }
    return Status::Ok();
  }
  if (host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
      std::string::npos) {
    return bad("not a host name or an IPv4 address (an IPv6 address goes in brackets)");
  }
  return Status::Ok();
}

Status CheckListenAllowed(const AggregatorConfig& c) {
  RAMETTE_RETURN_IF_ERROR(CheckListenAddress("[server] listen", c.listen));
  if (!c.metrics_listen.empty()) {
    RAMETTE_RETURN_IF_ERROR(CheckListenAddress("[metrics] listen", c.metrics_listen));
  }
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return Status::InvalidArgument("[tls] cert_file and key_file go together: set both or neither");
  }
  if (!c.tls_client_ca_file.empty() && c.tls_cert_file.empty()) {
    return Status::InvalidArgument(
        "[tls] client_ca_file (mutual TLS) needs the aggregator's own cert_file and key_file");
  }
  if (IsLoopbackListenAddress(c.listen)) return Status::Ok();
  const bool tls = !c.tls_cert_file.empty();
  const bool credentials = c.require_tokens || !c.tls_client_ca_file.empty();
  if (tls && credentials) return Status::Ok();
  return Status::FailedPrecondition(
      "refusing to listen on " + c.listen + " without " +
      (tls           ? std::string("agent credentials")
       : credentials ? std::string("TLS")
                     : std::string("TLS and agent tokens")) +
      ": anyone on the network could send or read print records. Listen on a loopback address "
      "(127.0.0.1:PORT), or set [tls] cert_file and key_file and [auth] require_tokens = true "
      "(or [tls] client_ca_file for agents' certificates).");
}

Status CheckWebListenAllowed(const WebSettings& web) {
  RAMETTE_RETURN_IF_ERROR(CheckListenAddress("[web] listen", web.listen));
  if (web.cert_file.empty() != web.key_file.empty()) {
    return Status::InvalidArgument("[web] cert_file and key_file go together: set both or neither");
  }
  if (!web.trusted_user_header.empty() && web.trusted_proxies.empty()) {
    return Status::InvalidArgument(
        "[web] trusted_user_header needs trusted_proxies: the addresses of the reverse proxies "
        "allowed to set it");
  }
  if (IsLoopbackListenAddress(web.listen) || !web.cert_file.empty()) return Status::Ok();
  return Status::FailedPrecondition(
      "refusing to serve the dashboard on " + web.listen +
      " without TLS: passwords and session cookies would cross the network in clear. Listen on a "
      "loopback address (127.0.0.1:PORT, e.g. behind a reverse proxy), or set [web] cert_file "
      "and key_file.");
}

}  // namespace ramette::aggregator::config
