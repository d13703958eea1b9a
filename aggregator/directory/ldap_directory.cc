// The OpenLDAP client: connection, TLS, bind, paged subtree searches.
#include "aggregator/directory/ldap_directory.h"

#include <ldap.h>

#include <fstream>
#include <utility>

#include "common/utf8.h"

namespace ramette::aggregator::directory {

namespace {

std::string Lowered(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool IsUnreachable(int rc) {
  return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT ||
         rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

// The library's diagnostic for the last operation (the server's text, or the TLS layer's),
// made safe for a log line; "" when none.
std::string Diagnostic(LDAP* ld) {
  char* msg = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) != LDAP_OPT_SUCCESS ||
      msg == nullptr) {
    return "";
  }
  std::string s = msg;
  ldap_memfree(msg);
  if (s.empty() || s == "(unknown error code)") return "";
  return " (" + ForLog(s) + ")";
}

Status LdapError(LDAP* ld, int rc, const std::string& what, const std::string& server_text = "") {
  std::string msg = what + " failed: " + ldap_err2string(rc) +
                    (server_text.empty() ? Diagnostic(ld) : server_text);
  if (IsUnreachable(rc)) return Status::Unavailable(msg + " (retry later)");
  if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH ||
      rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_FILTER_ERROR || rc == LDAP_INVALID_DN_SYNTAX ||
      rc == LDAP_PARAM_ERROR || rc == LDAP_UNWILLING_TO_PERFORM || rc == LDAP_INSUFFICIENT_ACCESS ||
      rc == LDAP_CONFIDENTIALITY_REQUIRED || rc == LDAP_STRONG_AUTH_REQUIRED) {
    return Status::InvalidArgument(msg);
  }
  return Status::IoError(msg);
}

}  // namespace

Result<std::string> ReadBindPassword(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read the bind password file " + path);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return Status::InvalidArgument("the bind password file " + path + " is empty");
  return line;
}

LdapDirectory::LdapDirectory(LDAP* ld, DirectorySettings settings)
    : ld_(ld), settings_(std::move(settings)) {}

LdapDirectory::~LdapDirectory() { ldap_unbind_ext_s(ld_, nullptr, nullptr); }

Result<std::unique_ptr<LdapDirectory>> LdapDirectory::Connect(const DirectorySettings& settings,
                                                              const std::string& password) {
  const std::string where = "LDAP " + ForLog(settings.uri);
  const std::string scheme = Lowered(settings.uri.substr(0, settings.uri.find(':')));
  if (scheme != "ldap" && scheme != "ldaps" && scheme != "ldapi") {
    return Status::InvalidArgument(where +
                                   ": the URI must start with ldap://, ldaps:// or ldapi://");
  }
  if (settings.start_tls && scheme != "ldap") {
    return Status::InvalidArgument(where + ": start_tls applies to ldap:// only");
  }
  LDAP* raw = nullptr;
  int rc = ldap_initialize(&raw, settings.uri.c_str());
  if (rc != LDAP_SUCCESS || raw == nullptr) {
    return Status::InvalidArgument(where + ": " + ldap_err2string(rc));
  }
  std::unique_ptr<LdapDirectory> dir(new LdapDirectory(raw, settings));
  LDAP* ld = raw;
  const int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, settings.follow_referrals ? LDAP_OPT_ON : LDAP_OPT_OFF);
  timeval timeout{settings.timeout_seconds, 0};
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &timeout);
  if (!settings.ca_file.empty()) {
    const int demand = LDAP_OPT_X_TLS_DEMAND;
    if (ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, settings.ca_file.c_str()) !=
            LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS) {
      return Status::InvalidArgument(where + ": cannot use the CA file " + settings.ca_file);
    }
    const int is_server = 0;
    rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server);
    if (rc != LDAP_OPT_SUCCESS) {
      return Status::InvalidArgument(where + ": cannot load the CA file " + settings.ca_file +
                                     Diagnostic(ld));
    }
  }
  if (settings.start_tls) {
    rc = ldap_start_tls_s(ld, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
      Status st = LdapError(ld, rc, where + ": StartTLS");
      return Status::Unavailable(st.message());
    }
  }
  berval cred;
  cred.bv_val = const_cast<char*>(password.data());
  cred.bv_len = password.size();
  rc = ldap_sasl_bind_s(ld, settings.bind_dn.empty() ? nullptr : settings.bind_dn.c_str(),
                        LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) {
    std::string what = where + ": bind as '" + ForLog(settings.bind_dn) + "'";
    if (rc == LDAP_SERVER_DOWN && scheme == "ldaps") {
      what += " (the server is unreachable, or its certificate is not trusted by ca_file)";
    } else if (rc == LDAP_INVALID_CREDENTIALS) {
      what += " (check bind_dn and the password in bind_password_file)";
    }
    return LdapError(ld, rc, what);
  }
  return dir;
}

Result<std::vector<DirectoryEntry>> LdapDirectory::Search(const DirectorySearch& search) {
  const std::string what = "LDAP " + ForLog(settings_.uri) + ": search of '" +
                           ForLog(search.base_dn) + "' with " + ForLog(search.filter);
  std::vector<char*> attrs;
  for (const std::string& a : search.attributes) attrs.push_back(const_cast<char*>(a.c_str()));
  attrs.push_back(nullptr);
  std::vector<DirectoryEntry> entries;
  berval* cookie = nullptr;
  timeval timeout{settings_.timeout_seconds, 0};
  for (int page = 1;; ++page) {
    LDAPControl* page_control = nullptr;
    int rc =
        ldap_create_page_control(ld_, settings_.page_size, cookie, /*iscritical=*/1, &page_control);
    ber_bvfree(cookie);
    cookie = nullptr;
    if (rc != LDAP_SUCCESS) return LdapError(ld_, rc, what + ": paging control");
    LDAPControl* controls[] = {page_control, nullptr};
    LDAPMessage* res = nullptr;
    rc = ldap_search_ext_s(ld_, search.base_dn.c_str(), LDAP_SCOPE_SUBTREE, search.filter.c_str(),
                           attrs.data(), 0, controls, nullptr, &timeout, LDAP_NO_LIMIT, &res);
    ldap_control_free(page_control);
    std::unique_ptr<LDAPMessage, int (*)(LDAPMessage*)> owned(res, ldap_msgfree);
    if (rc != LDAP_SUCCESS && res == nullptr) {
      return LdapError(ld_, rc, what + " (page " + std::to_string(page) + ")");
    }
    for (LDAPMessage* e = ldap_first_entry(ld_, res); e != nullptr; e = ldap_next_entry(ld_, e)) {
      DirectoryEntry& entry = entries.emplace_back();
      if (char* dn = ldap_get_dn(ld_, e)) {
        entry.dn = dn;
        ldap_memfree(dn);
      }
      BerElement* ber = nullptr;
      for (char* a = ldap_first_attribute(ld_, e, &ber); a != nullptr;
           a = ldap_next_attribute(ld_, e, ber)) {
        std::vector<std::string>& values = entry.attributes[Lowered(a)];
        if (berval** vals = ldap_get_values_len(ld_, e, a)) {
          for (berval** v = vals; *v != nullptr; ++v)
            values.emplace_back((*v)->bv_val, (*v)->bv_len);
          ldap_value_free_len(vals);
        }
        ldap_memfree(a);
      }
      if (ber != nullptr) ber_free(ber, 0);
    }
    int err = LDAP_SUCCESS;
    char* errmsg = nullptr;
    LDAPControl** server_controls = nullptr;
    rc = ldap_parse_result(ld_, res, &err, nullptr, &errmsg, nullptr, &server_controls, 0);
    std::string server_text =
        errmsg != nullptr && *errmsg != '\0' ? " (" + ForLog(errmsg) + ")" : "";
    if (errmsg != nullptr) ldap_memfree(errmsg);
    if (rc != LDAP_SUCCESS) {
      ldap_controls_free(server_controls);
      return LdapError(ld_, rc, what + " (page " + std::to_string(page) + ")");
    }
    if (err != LDAP_SUCCESS) {
      ldap_controls_free(server_controls);
      return LdapError(ld_, err, what + " (page " + std::to_string(page) + ")", server_text);
    }
    LDAPControl* response = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, server_controls, nullptr);
    if (response == nullptr) {
      ldap_controls_free(server_controls);
      if (page == 1) break;  // a server that does not page sent everything at once
      return Status::IoError(what + ": page " + std::to_string(page) +
                             " came without the paged-results control");
    }
    ber_int_t estimate = 0;
    berval next{0, nullptr};
    rc = ldap_parse_pageresponse_control(ld_, response, &estimate, &next);
    ldap_controls_free(server_controls);
    if (rc != LDAP_SUCCESS) return LdapError(ld_, rc, what + ": paged-results response");
    if (next.bv_len == 0) {
      ber_memfree(next.bv_val);
      break;
    }
    cookie = ber_bvdup(&next);
    ber_memfree(next.bv_val);
  }
  return entries;
}

}  // namespace ramette::aggregator::directory
