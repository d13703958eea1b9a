// The directory sync's settings: the aggregator config's [directory] table (DESIGN.md), read by
// config/ and used by the sync (directory_sync.h) and the LDAP reader (ldap_directory.h).
#ifndef RAMETTE_AGGREGATOR_DIRECTORY_DIRECTORY_SETTINGS_H_
#define RAMETTE_AGGREGATOR_DIRECTORY_DIRECTORY_SETTINGS_H_

#include <string>
#include <utility>
#include <vector>

namespace ramette::aggregator::directory {

// direction_attribute's value naming an OU of the entry's DN instead of an attribute.
inline constexpr char kDnOu[] = "dn:OU";

struct DirectorySettings {
  bool configured = false;         // a [directory] table was given
  std::string uri;                 // ldap://, ldaps:// or ldapi://
  bool start_tls = false;          // ldap:// only: StartTLS before the bind (required then)
  std::string ca_file;             // the CA the server's certificate is checked against
  std::string bind_dn;             // empty: anonymous
  std::string bind_password_file;  // the bind password, first line; never logged
  std::string base_dn;
  std::string filter = "(objectClass=*)";
  std::string user_attribute = "uid";  // uid, sAMAccountName, userPrincipalName...
  // An attribute (e.g. department), memberOf (with `directions`), or kDnOu.
  std::string direction_attribute = "department";
  // [directory.directions]: value -> direction name, in the order of the config file (the
  // first listed value an entry has wins). Empty: values are direction names themselves.
  std::vector<std::pair<std::string, std::string>> directions;
  // A sync closing more than this share of the users it manages stops unless forced.
  double max_close_share = 0.2;
  bool follow_referrals = false;  // chase referrals (off: they are ignored)
  int page_size = 500;            // entries per page (RFC 2696); AD serves at most 1,000
  int timeout_seconds = 30;       // network and per-operation timeout

  // [directory.workstations]: computers counted per direction at each sync (optional).
  bool workstations = false;
  std::string workstations_base_dn;
  std::string workstations_filter = "(objectClass=computer)";
};

}  // namespace ramette::aggregator::directory

#endif  // RAMETTE_AGGREGATOR_DIRECTORY_DIRECTORY_SETTINGS_H_
