// RedactedUri: masks the passwords of PostgreSQL connection strings.
#include "aggregator/store/store_location.h"

#include <cctype>
#include <string_view>

namespace ramette::aggregator::store {

namespace {

constexpr std::string_view kMask = "***";

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// Masks the values of `password=` parameters in a URI's query string (from `query_start`, the
// character after '?').
std::string RedactQuery(std::string_view query) {
  std::string out;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view param = query.substr(pos, amp - pos);
    if (StartsWithNoCase(param, "password=")) {
      out.append("password=").append(kMask);
    } else {
      out.append(param);
    }
    if (amp < query.size()) out.push_back('&');
    pos = amp + 1;
  }
  return out;
}

std::string RedactUriForm(const std::string& uri, size_t scheme_end) {
  // scheme_end: the index just after "://".
  const size_t authority_end = uri.find_first_of("/?#", scheme_end);
  const size_t auth_stop = authority_end == std::string::npos ? uri.size() : authority_end;
  std::string out = uri.substr(0, scheme_end);
  std::string_view authority(uri.data() + scheme_end, auth_stop - scheme_end);
  // The user info ends at the last '@' of the authority (a password may hold '@' encoded).
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    const size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
      out.append(userinfo.substr(0, colon)).push_back(':');
      out.append(kMask);
    } else {
      out.append(userinfo);
    }
    out.append(authority.substr(at));
  } else {
    out.append(authority);
  }
  if (auth_stop == uri.size()) return out;
  const size_t q = uri.find('?', auth_stop);
  if (q == std::string::npos) return out + uri.substr(auth_stop);
  out.append(uri, auth_stop, q + 1 - auth_stop);
  const size_t hash = uri.find('#', q);
  const size_t query_end = hash == std::string::npos ? uri.size() : hash;
  out.append(RedactQuery(std::string_view(uri).substr(q + 1, query_end - q - 1)));
  if (hash != std::string::npos) out.append(uri, hash, std::string::npos);
  return out;
}

// libpq's key = value form: "host=/tmp dbname=x password='a b'".
std::string RedactKeyValueForm(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    // Copy whitespace.
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) out.push_back(s[i++]);
    const size_t key_start = i;
    while (i < s.size() && s[i] != '=' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const std::string_view key(s.data() + key_start, i - key_start);
    out.append(key);
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) out.push_back(s[i++]);
    if (i >= s.size() || s[i] != '=') continue;
    out.push_back(s[i++]);
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) out.push_back(s[i++]);
    const size_t value_start = i;
    if (i < s.size() && s[i] == '\'') {
      ++i;
      while (i < s.size() && s[i] != '\'') i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
      if (i < s.size()) ++i;  // the closing quote
    } else {
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) {
        i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
      }
    }
    if (key == "password") {
      out.append(kMask);
    } else {
      out.append(s, value_start, i - value_start);
    }
  }
  return out;
}

}  // namespace

bool IsPostgresUri(const std::string& location) {
  return StartsWithNoCase(location, "postgresql://") || StartsWithNoCase(location, "postgres://");
}

std::string RedactedUri(const std::string& location) {
  if (IsPostgresUri(location)) return RedactUriForm(location, location.find("://") + 3);
  if (location.find('=') != std::string::npos && location.find("password") != std::string::npos) {
    return RedactKeyValueForm(location);
  }
  return location;
}

}  // namespace ramette::aggregator::store
