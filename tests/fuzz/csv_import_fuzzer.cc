// libFuzzer target: arbitrary bytes as each of the four CSV imports (papers, devices, users,
// workstations). Nothing may crash; an error must name the file; an accepted file must give
// rows that obey the importer's contract.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "aggregator/imports/csv_import.h"

namespace agg = ramette::aggregator;

namespace {

template <typename T>
void CheckError(const ramette::Result<T>& r, std::string_view file) {
  if (!r.ok() && r.status().message().rfind(std::string(file), 0) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto papers = agg::imports::ParsePapersCsv(text, "papers.csv");
  CheckError(papers, "papers.csv");
  std::set<std::string> paper_ids = {"std80", "recy80"};
  if (papers.ok()) {
    for (const auto& p : *papers) {
      if (p.paper_id.empty() || !(p.grammage_gsm >= 1 && p.grammage_gsm <= 1000)) std::abort();
      paper_ids.insert(p.paper_id);
    }
  }
  auto devices = agg::imports::ParseDevicesCsv(text, "devices.csv", paper_ids);
  CheckError(devices, "devices.csv");
  if (devices.ok()) {
    for (const auto& d : *devices) {
      if (d.server.empty() || d.queue.empty() || !d.classified) std::abort();
    }
  }
  auto users = agg::imports::ParseUsersCsv(text, "users.csv");
  CheckError(users, "users.csv");
  auto workstations = agg::imports::ParseWorkstationsCsv(text, "workstations.csv");
  CheckError(workstations, "workstations.csv");
  if (workstations.ok()) {
    for (const auto& w : *workstations) {
      if (w.count < 0 || w.direction.empty()) std::abort();
    }
  }
  return 0;
}
