// A private OpenLDAP server for tests and benchmarks: Debian's slapd with a slapd.conf written
// into a fresh temporary directory (mdb backend, an AD-like test schema: sAMAccountName,
// department, memberOf, userAccountControl, the `user` and `computer` classes), loaded offline
// with slapadd, listening on a free 127.0.0.1 port (StartTLS with certificates made by
// tests/tls/make_test_certs.sh), on another for ldaps:// and on ldapi:// in that directory. Like
// Active Directory it returns at most `size_limit` entries to a search that does not page, and
// pages of any number of entries. Stopped and removed with the object.
#ifndef RAMETTE_TESTS_LDAP_PRIVATE_SLAPD_H_
#define RAMETTE_TESTS_LDAP_PRIVATE_SLAPD_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace ramette::testing {

struct PrivateSlapdOptions {
  // The LDIF loaded before the server starts (slapadd), after the base entries (the suffix
  // dc=example,dc=org, ou=Staff, ou=Groups, ou=Computers and ou=Services under it, and the
  // service account kServiceDn).
  std::string ldif;
  int size_limit = 1000;
  // Where make_test_certs.sh is; empty: no TLS.
  std::string certs_script;
  // The most entries a paged search gets in all (slapd's size.prtotal); -1: unlimited. A lower
  // figure makes a paged search fail part-way.
  int paged_total = -1;
};

class PrivateSlapd {
 public:
  static constexpr char kSlapd[] = "/usr/sbin/slapd";
  static constexpr char kBaseDn[] = "dc=example,dc=org";
  static constexpr char kAdminDn[] = "cn=admin,dc=example,dc=org";
  static constexpr char kAdminPassword[] = "s3cret-Adm1n";
  // The service account a sync binds as: an ordinary entry, so the server's limits apply to it
  // (they never apply to the rootdn, kAdminDn).
  static constexpr char kServiceDn[] = "cn=ramette,ou=Services,dc=example,dc=org";
  static constexpr char kServicePassword[] = "Serv1ce-Passw0rd";

  // Whether slapd and the ldap-utils are installed (scripts/deps installs them).
  static bool Available();
  // Writes the configuration, loads the LDIF, starts slapd and waits until it answers.
  // IoError with the failing step's output.
  static Result<std::unique_ptr<PrivateSlapd>> Start(const PrivateSlapdOptions& options);
  ~PrivateSlapd();
  PrivateSlapd(const PrivateSlapd&) = delete;
  PrivateSlapd& operator=(const PrivateSlapd&) = delete;

  const std::string& dir() const { return dir_; }
  int port() const { return port_; }
  // ldap://127.0.0.1:PORT
  std::string LdapUri() const;
  // ldaps://127.0.0.1:PORT2 (TLS from the first byte; with certs_script only).
  std::string LdapsUri() const;
  // ldapi:// with the socket in dir(), percent-encoded.
  std::string LdapiUri() const;
  // The CA of the server's certificate (dir()/certs/ca.pem), and another CA (other-ca.pem).
  std::string CaFile() const;
  std::string OtherCaFile() const;

  // Applies an LDIF of changes (ldapmodify over ldapi as the admin; `changetype` lines as in
  // ldapmodify(1)). IoError with ldapmodify's output.
  Status Modify(const std::string& ldif);

  // Stops slapd now (the destructor then only removes the directory).
  void Stop();

 private:
  PrivateSlapd() = default;
  std::string dir_;
  int port_ = 0;
  int ldaps_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_LDAP_PRIVATE_SLAPD_H_
