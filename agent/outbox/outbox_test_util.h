// Test helpers for the outbox tests: a fresh temporary folder removed afterwards, sample records.
#ifndef RAMETTE_AGENT_OUTBOX_OUTBOX_TEST_UTIL_H_
#define RAMETTE_AGENT_OUTBOX_OUTBOX_TEST_UTIL_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "agent/outbox/outbox.h"

namespace ramette::agent::testing {

// A new folder under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                       "/ramette-outbox-test-XXXXXX";
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline JobRecord MakeJob(int32_t id, std::string queue = "office-2f") {
  JobRecord j;
  j.queue = std::move(queue);
  j.cups_job_id = id;
  j.job_uuid = "urn:uuid:00000000-0000-4000-8000-" + std::to_string(100000000000 + id);
  j.user = "alice";
  j.client_host = "pc-042.example.org";
  j.created_at = 1700000000 + id;
  j.completed_at = 1700000030 + id;
  j.state = JobState::kCompleted;
  j.copies = 2;
  j.sides = Sides::kTwoSidedLongEdge;
  j.media = "iso_a4_210x297mm";
  j.color_mode = ColorMode::kMonochrome;
  j.number_up = 1;
  j.impressions_completed = 6;
  j.cups_media_sheets_completed = 4;
  j.job_impressions = 3;
  j.source = RecordSource::kLive;
  return j;
}

inline QueueRecord MakeQueue(std::string name) {
  QueueRecord q;
  q.name = std::move(name);
  q.uuid = "urn:uuid:11111111-2222-4333-8444-555555555555";
  q.make_model = "HP LaserJet M507 Postscript";
  q.device_uri = "ipp://printer-7.example.org/ipp/print";
  q.location = "2nd floor";
  q.description = "Office printer";
  q.color_supported = false;
  q.duplex_supported = true;
  q.printer_type = 0x801c;
  return q;
}

inline int32_t JobId(const OutboxItem& item) { return std::get<JobRecord>(item).cups_job_id; }

}  // namespace ramette::agent::testing

#endif  // RAMETTE_AGENT_OUTBOX_OUTBOX_TEST_UTIL_H_
