// TOML parsing with toml++.
#include "agent/config/agent_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "common/server_id.h"

namespace ramette::agent {
namespace {

std::string Where(std::string_view source, const toml::node& n) {
  return std::string(source) + ":" + std::to_string(n.source().begin.line);
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(std::string_view text, std::string_view source) {
  toml::parse_result parsed = toml::parse(text, source);
  if (!parsed) {
    const auto& err = parsed.error();
    return Status::InvalidArgument(std::string(source) + ":" +
                                   std::to_string(err.source().begin.line) + ": " +
                                   std::string(err.description()));
  }
  AgentConfig c;
  // Each key: its table, its name and how to set it from a node ("" when accepted).
  using Setter = std::function<std::string(const toml::node&)>;
  auto str = [](std::string* out) -> Setter {
    return [out](const toml::node& n) -> std::string {
      auto v = n.value<std::string>();
      if (!v) return "must be a string";
      *out = *v;
      return "";
    };
  };
  auto boolean = [](bool* out) -> Setter {
    return [out](const toml::node& n) -> std::string {
      if (!n.is_boolean()) return "must be true or false";
      *out = *n.value<bool>();
      return "";
    };
  };
  auto integer = [](auto* out, int64_t lo, int64_t hi) -> Setter {
    return [out, lo, hi](const toml::node& n) -> std::string {
      if (!n.is_integer()) return "must be an integer";
      int64_t v = *n.value<int64_t>();
      if (v < lo || v > hi) {
        return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
      }
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(v);
      return "";
    };
  };
  struct Key {
    const char* table;
    const char* key;
    Setter set;
  };
  const Key keys[] = {
      {"agent", "server_id", str(&c.server_id)},
      {"agent", "state_dir", str(&c.state_dir)},
      {"cups", "server", str(&c.cups_server)},
      {"cups", "send_titles", boolean(&c.send_titles)},
      {"cups", "max_poll_seconds", integer(&c.max_poll_seconds, 1, 60)},
      {"aggregator", "address", str(&c.aggregator)},
      {"aggregator", "deadline_seconds", integer(&c.deadline_seconds, 1, 600)},
      {"aggregator", "ca_file", str(&c.ca_file)},
      {"aggregator", "token_file", str(&c.token_file)},
      {"aggregator", "cert_file", str(&c.cert_file)},
      {"aggregator", "key_file", str(&c.key_file)},
      {"aggregator", "tls_server_name", str(&c.tls_server_name)},
      {"outbox", "max_records", integer(&c.outbox_max_records, 1000, 1000000000)},
      {"outbox", "max_mb", integer(&c.outbox_max_mb, 1, 1000000)},
      {"log", "level", str(&c.log_level)},
  };
  for (auto& [tname, tnode] : parsed.table()) {
    const toml::table* t = tnode.as_table();
    if (t == nullptr) {
      return Status::InvalidArgument(Where(source, tnode) + ": unexpected top-level key '" +
                                     std::string(tname.str()) + "'");
    }
    for (auto& [kname, knode] : *t) {
      const Key* found = nullptr;
      for (const Key& k : keys) {
        if (tname.str() == k.table && kname.str() == k.key) found = &k;
      }
      std::string full = std::string(tname.str()) + "." + std::string(kname.str());
      if (found == nullptr) {
        return Status::InvalidArgument(Where(source, knode) + ": unknown key '" + full + "'");
      }
      if (std::string why = found->set(knode); !why.empty()) {
        return Status::InvalidArgument(Where(source, knode) + ": '" + full + "' " + why);
      }
    }
  }
  return c;
}

Result<AgentConfig> LoadAgentConfig(const std::string& path, bool required) {
  struct stat st;
  if (!required && stat(path.c_str(), &st) != 0) return AgentConfig{};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("configuration file " + path + " is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read configuration file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseAgentConfig(ss.str(), path);
}

std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

Result<std::string> ResolveServerId(const std::string& configured, bool* defaulted) {
  *defaulted = configured.empty();
  const std::string id = configured.empty() ? HostName() : configured;
  if (std::string why = ServerIdProblem(id); !why.empty()) {
    std::string shown;
    for (unsigned char c : id) {
      if (c < 0x20 || c == 0x7f) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", c);
        shown += hex;
      } else {
        shown += static_cast<char>(c);
      }
    }
    return Status::InvalidArgument("server id '" + shown + "'" +
                                   (*defaulted ? " (the host name)" : "") + ": " + why);
  }
  return id;
}

namespace {

// InvalidArgument unless `a` is HOST:PORT or [V6]:PORT with a port from 1 to 65535 (gRPC would
// otherwise take 99999 modulo 65536, or its default port, without a word).
Status CheckHostPort(const std::string& a) {
  auto bad = [&a](const std::string& why) {
    return Status::InvalidArgument("[aggregator] address '" + a + "': " + why +
                                   " (expected HOST:PORT, e.g. aggregator.example.org:50551 or "
                                   "[::1]:50551)");
  };
  for (const char* scheme : {"dns:", "ipv4:", "ipv6:", "unix:"}) {
    if (a.rfind(scheme, 0) == 0) return Status::Ok();  // a gRPC target URI: gRPC parses it
  }
  const size_t colon = a.rfind(':');
  if (colon == std::string::npos) return bad("no port");
  const std::string host = a.substr(0, colon), port = a.substr(colon + 1);
  if (host.empty() || host == "[]") return bad("no host");
  if (host.find_first_of(" \t\r\n/") != std::string::npos) return bad("the host is not a name");
  if (host.front() != '[' && host.find(':') != std::string::npos) {
    return bad("an IPv6 address goes in brackets");
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
      std::stoi(port) > 65535) {
    return bad("the port must be a number from 1 to 65535");
  }
  return Status::Ok();
}

}  // namespace

Status CheckAggregatorAddress(const AgentConfig& config) {
  RAMETTE_RETURN_IF_ERROR(CheckHostPort(config.aggregator));
  const std::string& name = config.tls_server_name;
  if (!name.empty() && (name.find_first_of(" \t\r\n/:") != std::string::npos ||
                        std::any_of(name.begin(), name.end(),
                                    [](char c) { return static_cast<unsigned char>(c) < 0x20; }))) {
    return Status::InvalidArgument("[aggregator] tls_server_name '" + name +
                                   "' is not a host name (the name the aggregator's certificate "
                                   "carries, without a port)");
  }
  if (!config.ca_file.empty()) return Status::Ok();
  const std::string& a = config.aggregator;
  const size_t colon = a.rfind(':');
  const std::string host = colon == std::string::npos ? a : a.substr(0, colon);
  bool loopback = host == "localhost" || host == "[::1]";
  if (host.rfind("127.", 0) == 0) {
    loopback = host.find_first_not_of("0123456789.") == std::string::npos &&
               std::count(host.begin(), host.end(), '.') == 3;
  }
  if (loopback) return Status::Ok();
  return Status::FailedPrecondition(
      "refusing to send records to " + a +
      " in plaintext: set [aggregator] ca_file (the CA of the aggregator's TLS certificate) and "
      "token_file, or use a loopback address for an aggregator on this machine");
}

}  // namespace ramette::agent
