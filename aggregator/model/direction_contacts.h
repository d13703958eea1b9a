// Where each direction's monthly report goes: the `ramette import directions` data.
#ifndef RAMETTE_AGGREGATOR_MODEL_DIRECTION_CONTACTS_H_
#define RAMETTE_AGGREGATOR_MODEL_DIRECTION_CONTACTS_H_

#include <string>
#include <vector>

namespace ramette::aggregator::model {

// A direction and its report addresses (sorted, unique; empty: the direction has none).
struct DirectionContacts {
  std::string direction;
  std::vector<std::string> emails;
};

// True for a plausible address: local@domain, printable ASCII without spaces, quotes, angle
// brackets, parentheses, commas, semicolons or backslashes, one '@', a dot inside the domain,
// at most 254 bytes. (So no address can inject a mail header.)
bool IsPlausibleEmail(const std::string& address);

}  // namespace ramette::aggregator::model

#endif  // RAMETTE_AGGREGATOR_MODEL_DIRECTION_CONTACTS_H_
