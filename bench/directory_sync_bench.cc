// The directory sync against a private slapd (tests/ldap/): N AD-like users (default 50,000) in
// OUs per direction, a server size limit of 1,000 (so the read pages), StartTLS. Times, on a
// SQLite store in a temporary directory: the first sync (every user added), a second with no
// change, and a third after 1 % of the users moved. Target: < 30 s for 50,000 users.
// Usage: directory_sync_bench [users=50000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include "aggregator/directory/directory_sync.h"
#include "aggregator/directory/ldap_directory.h"
#include "aggregator/store/sqlite_store.h"
#include "tests/ldap/private_slapd.h"

namespace {

using ramette::testing::PrivateSlapd;
namespace directory = ramette::aggregator::directory;

constexpr const char* kDirections[] = {"DSI", "DAF", "DRH", "COM", "TECH", "JUR", "LOG", "COMPTA"};
constexpr int kDirectionCount = 8;
constexpr char kStaff[] = "ou=Staff,dc=example,dc=org";

std::string Sam(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U%06d", i);
  return buf;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

}  // namespace

int main(int argc, char** argv) {
  const int users = argc > 1 ? std::atoi(argv[1]) : 50000;
  if (!PrivateSlapd::Available()) {
    std::fprintf(stderr, "slapd is not installed (scripts/deps)\n");
    return 1;
  }
  std::string ldif;
  for (int d = 0; d < kDirectionCount; ++d) {
    ldif += "dn: ou=" + std::string(kDirections[d]) + "," + kStaff +
            "\nobjectClass: organizationalUnit\nou: " + kDirections[d] + "\n\n";
  }
  for (int i = 0; i < users; ++i) {
    const std::string d = kDirections[i % kDirectionCount];
    ldif += "dn: cn=" + Sam(i) + ",ou=" + d + "," + kStaff + "\nobjectClass: user\ncn: " + Sam(i) +
            "\nsn: User\nsAMAccountName: " + Sam(i) + "\ndepartment: " + d + "\nmemberOf: cn=" + d +
            "-All,ou=Groups,dc=example,dc=org\n\n";
  }
  auto start = std::chrono::steady_clock::now();
  auto slapd = PrivateSlapd::Start({ldif, 1000, RAMETTE_TEST_CERTS_SCRIPT});
  if (!slapd.ok()) {
    std::fprintf(stderr, "%s\n", slapd.status().message().c_str());
    return 1;
  }
  std::printf("slapd with %d users ready in %.1f s (slapadd + start)\n", users, Seconds(start));
  const std::string db = (*slapd)->dir() + "/bench.db";
  auto store = ramette::aggregator::store::SqliteStore::Open(db);
  if (!store.ok()) return 1;

  directory::DirectorySettings settings;
  settings.configured = true;
  settings.uri = (*slapd)->LdapUri();
  settings.start_tls = true;
  settings.ca_file = (*slapd)->CaFile();
  settings.bind_dn = PrivateSlapd::kServiceDn;
  settings.base_dn = kStaff;
  settings.filter = "(objectClass=user)";
  settings.user_attribute = "sAMAccountName";
  settings.direction_attribute = "department";

  auto run = [&](const char* what, ramette::Day date) -> bool {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = CpuSeconds();
    auto reader = directory::LdapDirectory::Connect(settings, PrivateSlapd::kServicePassword);
    if (!reader.ok()) {
      std::fprintf(stderr, "%s\n", reader.status().message().c_str());
      return false;
    }
    auto out = directory::RunDirectorySync(**store, **reader, settings,
                                           {date, std::time(nullptr), false, true});
    if (!out.ok()) {
      std::fprintf(stderr, "%s\n", out.status().message().c_str());
      return false;
    }
    const auto& r = out->plan.changes.record;
    std::printf(
        "%-28s %6.2f s wall, %5.2f s CPU (this process): %lld seen, %lld added, %lld "
        "moved, %lld closed\n",
        what, Seconds(t0), CpuSeconds() - c0, static_cast<long long>(r.users_seen),
        static_cast<long long>(r.added), static_cast<long long>(r.moved),
        static_cast<long long>(r.closed));
    return true;
  };
  const ramette::Day day = ramette::DaysFromCivil(2026, 3, 2);
  if (!run("first sync (all added)", day)) return 1;
  if (!run("second sync (no change)", day + 1)) return 1;
  std::string moves;
  for (int i = 0; i < users; i += 100) {
    moves += "dn: cn=" + Sam(i) + ",ou=" + kDirections[i % kDirectionCount] + "," + kStaff +
             "\nchangetype: modify\nreplace: department\ndepartment: " +
             kDirections[(i + 1) % kDirectionCount] + "\n\n";
  }
  if (!(*slapd)->Modify(moves).ok()) return 1;
  if (!run("third sync (1 % moved)", day + 2)) return 1;
  return 0;
}
