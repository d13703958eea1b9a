// The address check of the directions import.
#include "aggregator/model/direction_contacts.h"

namespace ramette::aggregator::model {

bool IsPlausibleEmail(const std::string& a) {
  if (a.empty() || a.size() > 254) return false;
  const size_t at = a.find('@');
  if (at == std::string::npos || at == 0 || a.find('@', at + 1) != std::string::npos) {
    return false;
  }
  for (unsigned char c : a) {
    if (c <= 0x20 || c >= 0x7f) return false;
    if (c == '"' || c == '<' || c == '>' || c == ',' || c == ';' || c == '(' || c == ')' ||
        c == '\\' || c == '[' || c == ']') {
      return false;
    }
  }
  const std::string domain = a.substr(at + 1);
  const size_t dot = domain.find('.');
  return dot != std::string::npos && dot > 0 && domain.back() != '.';
}

}  // namespace ramette::aggregator::model
