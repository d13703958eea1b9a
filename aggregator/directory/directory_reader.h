// The directory as the sync reads it: the entries of one subtree search, each with its DN and
// the values of the attributes asked for. ldap_directory.h is the OpenLDAP (libldap) one;
// tests use fakes.
#ifndef RAMETTE_AGGREGATOR_DIRECTORY_DIRECTORY_READER_H_
#define RAMETTE_AGGREGATOR_DIRECTORY_DIRECTORY_READER_H_

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace ramette::aggregator::directory {

struct DirectoryEntry {
  std::string dn;
  // Attribute name, lowered (ASCII) -> its values as the server sent them.
  std::map<std::string, std::vector<std::string>> attributes;
};

struct DirectorySearch {
  std::string base_dn;
  std::string filter;
  std::vector<std::string> attributes;  // names as configured
};

// Not thread-safe.
class DirectoryReader {
 public:
  virtual ~DirectoryReader() = default;
  // Every entry of the subtree search, all pages. Any failure (unreachable, refused, a page
  // that fails, a size or time limit) is an error and no entry is returned: the sync never
  // works from a partial read. Errors: Unavailable (unreachable, timeout), InvalidArgument (the
  // server refused the bind or the search: base, filter), IoError (anything else).
  virtual Result<std::vector<DirectoryEntry>> Search(const DirectorySearch& search) = 0;
};

}  // namespace ramette::aggregator::directory

#endif  // RAMETTE_AGGREGATOR_DIRECTORY_DIRECTORY_READER_H_
