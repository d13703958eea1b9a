// LdapDirectory: the DirectoryReader over Debian's OpenLDAP client library (libldap): ldap://
// with StartTLS, ldaps:// or ldapi://, checked against a CA file; a simple bind; subtree
// searches with the paged-results control (RFC 2696), referrals ignored unless configured.
// Adapter: only the command line links it.
#ifndef RAMETTE_AGGREGATOR_DIRECTORY_LDAP_DIRECTORY_H_
#define RAMETTE_AGGREGATOR_DIRECTORY_LDAP_DIRECTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "aggregator/directory/directory_reader.h"
#include "aggregator/directory/directory_settings.h"
#include "common/status.h"

typedef struct ldap LDAP;

namespace ramette::aggregator::directory {

// The bind password: the first line of `path` (a trailing newline is not part of it).
// IoError naming the path (never the content) when it cannot be read.
Result<std::string> ReadBindPassword(const std::string& path);

// One bound connection. Not thread-safe.
class LdapDirectory final : public DirectoryReader {
 public:
  // Connects to settings.uri, starts TLS when settings.start_tls (required then: a server that
  // refuses it is an error), binds as settings.bind_dn with `password` (anonymous when bind_dn
  // is empty). The password appears in no message.
  // Errors: InvalidArgument (a bad URI or settings, refused credentials), Unavailable (the
  // server cannot be reached or TLS fails), IoError (anything else).
  static Result<std::unique_ptr<LdapDirectory>> Connect(const DirectorySettings& settings,
                                                        const std::string& password);
  ~LdapDirectory() override;
  LdapDirectory(const LdapDirectory&) = delete;
  LdapDirectory& operator=(const LdapDirectory&) = delete;

  // DirectoryReader: pages of settings.page_size entries until the server's cookie is empty.
  Result<std::vector<DirectoryEntry>> Search(const DirectorySearch& search) override;

 private:
  LdapDirectory(LDAP* ld, DirectorySettings settings);
  LDAP* ld_;
  DirectorySettings settings_;
};

}  // namespace ramette::aggregator::directory

#endif  // RAMETTE_AGGREGATOR_DIRECTORY_LDAP_DIRECTORY_H_
