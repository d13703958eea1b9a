// QuarantineJson over nlohmann::ordered_json (fields in insertion order).
#include "aggregator/store/quarantine_json.h"

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/utf8.h"

namespace ramette::aggregator::store {

namespace {

std::string HexBytes(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

// A text field: as is when valid UTF-8; otherwise with U+FFFD for the bad bytes (at dump time)
// plus "<key>_hex", the exact bytes in hexadecimal.
void AddText(nlohmann::ordered_json& j, const char* key, const std::string& value) {
  j[key] = value;
  if (!IsValidUtf8(value)) j[std::string(key) + "_hex"] = HexBytes(value);
}

}  // namespace

std::string QuarantineJson(const JobRecord& r) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  AddText(j, "queue", r.queue);
  j["cups_job_id"] = r.cups_job_id;
  AddText(j, "job_uuid", r.job_uuid);
  AddText(j, "user", r.user);
  AddText(j, "client_host", r.client_host);
  j["created_at"] = r.created_at;
  j["completed_at"] = r.completed_at;
  j["state"] = static_cast<int>(r.state);
  j["copies"] = r.copies;
  j["sides"] = static_cast<int>(r.sides);
  AddText(j, "media", r.media);
  j["color_mode"] = static_cast<int>(r.color_mode);
  j["number_up"] = r.number_up;
  j["impressions_completed"] = r.impressions_completed;
  j["cups_media_sheets_completed"] = r.cups_media_sheets_completed;
  j["source"] = static_cast<int>(r.source);
  // Added after the first form: written only when set, so that the records quarantined before
  // keep their text (and quarantine-once its key).
  if (r.media_from_queue) j["media_from_queue"] = true;
  if (r.job_impressions > 0) j["job_impressions"] = r.job_impressions;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace ramette::aggregator::store
