// The server id rule.
#include "common/server_id.h"

#include "common/utf8.h"

namespace ramette {

std::string ServerIdProblem(std::string_view id) {
  if (id.empty()) return "empty server id";
  if (id.size() > 255) return "server id longer than 255 bytes";
  if (!IsValidUtf8(id)) return "invalid UTF-8 in server id";
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) return "control character in server id";
  }
  return "";
}

}  // namespace ramette
