// ramette_sample_org DIR YYYY-MM: writes DIR/ramette.db (25 months of jobs ending with that
// month, stored through the ingest path in Europe/Paris) and the inventory files
// DIR/{papers,devices,users,workstations}.csv to import with `ramette import`. Used by
// scripts/report-example to draw docs/report-example.png.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/sample_org.h"

int main(int argc, char** argv) {
  int year = 0, month = 0;
  if (argc != 3 || std::sscanf(argv[2], "%d-%d", &year, &month) != 2 || month < 1 || month > 12) {
    std::cerr << "usage: ramette_sample_org DIR YYYY-MM\n";
    return 2;
  }
  const std::string dir = argv[1];
  ramette::testing::SampleOrg org = ramette::testing::MakeSampleOrg(year, month);
  const std::pair<const char*, const std::string*> files[] = {
      {"papers.csv", &org.papers_csv},
      {"devices.csv", &org.devices_csv},
      {"users.csv", &org.users_csv},
      {"workstations.csv", &org.workstations_csv}};
  for (const auto& [name, content] : files) {
    std::ofstream(dir + "/" + name, std::ios::binary) << *content;
  }
  ramette::Status st = ramette::testing::StoreSampleJobs(dir + "/ramette.db", org.jobs);
  if (!st.ok()) {
    std::cerr << "ramette_sample_org: " << st.message() << "\n";
    return 1;
  }
  std::cout << org.jobs.size() << " jobs stored in " << dir << "/ramette.db\n";
  return 0;
}
