// The opaque part of the capture cursor, one item per line:
//   ramette-capture 1
//   pending 12 15 40
//   created 1718445600
//   queue 0123456789abcdef office-2
// (CUPS queue names contain no spaces or control characters; they are written as they are.)
#include "agent/capture/capture_state.h"

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <sstream>

namespace ramette::agent {
namespace {

constexpr char kHeader[] = "ramette-capture 1";

}  // namespace

CaptureCursor EncodeCaptureState(const CaptureState& state) {
  CaptureCursor c = state.cursor;
  std::string out = kHeader;
  out += "\npending";
  for (int32_t id : state.pending) out += " " + std::to_string(id);
  out += "\n";
  if (state.last_created_at > 0) out += "created " + std::to_string(state.last_created_at) + "\n";
  for (const auto& [name, fingerprint] : state.queues) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016" PRIx64, fingerprint);
    out += "queue ";
    out += hex;
    out += " " + name + "\n";
  }
  c.opaque = std::move(out);
  return c;
}

Result<CaptureState> DecodeCaptureState(const CaptureCursor& cursor) {
  CaptureState s;
  s.cursor = cursor;
  s.cursor.opaque.clear();
  if (cursor.opaque.empty()) return s;
  std::istringstream in(cursor.opaque);
  std::string line;
  auto bad = [&](const std::string& why) {
    return Status::Corruption("capture cursor in the outbox is not readable (" + why + ")");
  };
  if (!std::getline(in, line) || line != kHeader) return bad("unknown header");
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("pending", 0) == 0) {
      std::istringstream ids(line.substr(7));
      long long id;
      while (ids >> id) {
        if (id < 1 || id > INT32_MAX) return bad("job id out of range");
        s.pending.insert(static_cast<int32_t>(id));
      }
      if (!ids.eof()) return bad("bad pending job id");
    } else if (line.rfind("created ", 0) == 0) {
      std::istringstream value(line.substr(8));
      long long t;
      if (!(value >> t) || !value.eof() || t <= 0) return bad("bad creation time");
      s.last_created_at = t;
    } else if (line.rfind("queue ", 0) == 0) {
      if (line.size() < 6 + 16 + 2 || line[6 + 16] != ' ') return bad("bad queue line");
      uint64_t fingerprint = 0;
      for (size_t i = 6; i < 6 + 16; ++i) {
        const char ch = line[i];
        int v;
        if (ch >= '0' && ch <= '9') {
          v = ch - '0';
        } else if (ch >= 'a' && ch <= 'f') {
          v = ch - 'a' + 10;
        } else {
          return bad("bad queue fingerprint");
        }
        fingerprint = (fingerprint << 4) | static_cast<uint64_t>(v);
      }
      s.queues[line.substr(6 + 16 + 1)] = fingerprint;
    } else {
      return bad("unknown line");
    }
  }
  return s;
}

}  // namespace ramette::agent
