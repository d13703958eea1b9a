// `ramette directory sync` against a real OpenLDAP slapd started by the test (PrivateSlapd):
// 2,500 AD-like users in OUs per direction, a server size limit of 1,000 (paging required),
// StartTLS with certificates made by the test, ldapi://, wrong passwords, an unreachable server,
// users moving and disappearing between syncs (history kept, last year's indicators unchanged),
// DOMAIN\user jobs attributed through the normalised name, bad entries skipped by DN, the
// close-share guard and --dry-run. Label `ldap`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aggregator/cli/commands.h"
#include "aggregator/indicators/indicator_format.h"
#include "aggregator/indicators/indicators.h"
#include "aggregator/ingest/ingest_processor.h"
#include "aggregator/store/sqlite_store.h"
#include "tests/ldap/private_slapd.h"

namespace ramette::testing {
namespace {

using aggregator::store::SqliteStore;
using aggregator::store::StoredUserRow;
using aggregator::store::UserRowSource;

constexpr const char* kDirections[] = {"DSI", "DAF", "DRH", "COM", "TECH"};
constexpr int kUsers = 2500;
constexpr char kStaff[] = "ou=Staff,dc=example,dc=org";

std::string Sam(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U%05d", i);
  return buf;
}
std::string UserDn(int i) { return "cn=" + Sam(i) + ",ou=" + kDirections[i % 5] + "," + kStaff; }

// The organisation: an OU per direction under ou=Staff, a group per direction (memberOf) and
// Everyone, 2,500 users, 30 computers, and four bad entries.
std::string OrganisationLdif() {
  std::string l;
  for (const char* d : kDirections) {
    l += "dn: ou=" + std::string(d) + "," + kStaff + "\nobjectClass: organizationalUnit\nou: " + d +
         "\n\n";
  }
  for (int i = 0; i < kUsers; ++i) {
    const std::string d = kDirections[i % 5];
    l += "dn: " + UserDn(i) + "\nobjectClass: user\ncn: " + Sam(i) +
         "\nsn: User\nsAMAccountName: " + Sam(i) + "\ndepartment: " + d +
         "\nmemberOf: cn=Everyone,ou=Groups,dc=example,dc=org\n" +
         (i % 7 == 6 ? std::string() : "memberOf: cn=" + d + "-All,ou=Groups,dc=example,dc=org\n") +
         "\n";
  }
  for (int i = 0; i < 30; ++i) {
    l += "dn: cn=PC" + std::to_string(i) +
         ",ou=Computers,dc=example,dc=org\nobjectClass: "
         "computer\ncn: PC" +
         std::to_string(i) + "\ndepartment: " + kDirections[i % 3] + "\n\n";
  }
  const std::string bad = std::string(",") + kStaff;
  l += "dn: cn=NoSam" + bad + "\nobjectClass: user\ncn: NoSam\nsn: x\ndepartment: DSI\n\n";
  l += "dn: cn=TwoSam" + bad +
       "\nobjectClass: user\ncn: TwoSam\nsn: x\nsAMAccountName: TWO1\nsAMAccountName: TWO2\n"
       "department: DSI\n\n";
  // department "D\x01X", base64.
  l += "dn: cn=Ctl" + bad +
       "\nobjectClass: user\ncn: Ctl\nsn: x\nsAMAccountName: CTL\ndepartment:: RAFY\n\n";
  l += "dn: cn=Long" + bad +
       "\nobjectClass: user\ncn: Long\nsn: x\nsAMAccountName: LONG\n"
       "department: " +
       std::string(1100, 'L') + "\n\n";
  return l;
}

class DirectorySyncLdapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PrivateSlapd::Available()) GTEST_SKIP() << "slapd is not installed (scripts/deps)";
    auto slapd = PrivateSlapd::Start({OrganisationLdif(), 1000, RAMETTE_TEST_CERTS_SCRIPT});
    ASSERT_TRUE(slapd.ok()) << slapd.status().message();
    slapd_ = std::move(slapd).value();
    dir_ = slapd_->dir() + "/work";
    std::filesystem::create_directories(dir_);
    db_ = dir_ + "/ramette.db";
    auto store = SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto tz = TimeZone::Load("Europe/Paris");
    ASSERT_TRUE(tz.ok());
    ASSERT_TRUE((*store)->EnsureTimeZone(*tz).ok());
    // [users] case = "lower", strip_domain = true, as the aggregator records it at start.
    ASSERT_TRUE((*store)->SetUserNameRule({true, true}).ok());
    WritePassword(PrivateSlapd::kServicePassword);
  }

  void WritePassword(const std::string& password) {
    std::ofstream(dir_ + "/ldap.password") << password << "\n";
  }

  // A config for the private server; `extra` is added to [directory].
  std::string Config(const std::string& directory_lines, const std::string& extra = "") {
    const std::string path = dir_ + "/ramette.toml";
    std::ofstream(path) << "[organisation]\ntime_zone = \"Europe/Paris\"\n"
                        << "[users]\ncase = \"lower\"\nstrip_domain = true\n"
                        << "[directory]\n"
                        << directory_lines << "bind_dn = \"" << PrivateSlapd::kServiceDn << "\"\n"
                        << "bind_password_file = \"" << dir_ << "/ldap.password\"\n"
                        << "filter = \"(objectClass=user)\"\n"
                        << "user_attribute = \"sAMAccountName\"\n"
                        << extra;
    return path;
  }
  std::string StartTlsConfig(const std::string& extra = "", const std::string& base = kStaff) {
    return Config("uri = \"" + slapd_->LdapUri() + "\"\nstart_tls = true\nca_file = \"" +
                      slapd_->CaFile() + "\"\nbase_dn = \"" + base + "\"\n",
                  extra);
  }

  struct Run {
    int code;
    std::string out;
    std::string err;
  };
  Run Sync(const std::string& config, const std::string& date, bool dry_run = false,
           bool force = false) {
    std::ostringstream out, err;
    const int code = aggregator::cli::RunDirectorySyncCommand(db_, config, dry_run, force, date,
                                                              1767225600, out, err);
    return {code, out.str(), err.str()};
  }

  std::vector<StoredUserRow> Rows() {
    auto store = SqliteStore::Open(db_);
    EXPECT_TRUE(store.ok());
    auto rows = (*store)->LoadUserRows();
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<StoredUserRow>{};
  }
  std::vector<StoredUserRow> RowsOf(const std::string& user) {
    std::vector<StoredUserRow> out;
    for (const auto& r : Rows()) {
      if (r.row.user == user) out.push_back(r);
    }
    return out;
  }
  std::string StatusJson() {
    std::ostringstream out, err;
    aggregator::cli::RunStatus(db_, "15m", "json", 1767225600, out, err);
    return out.str();
  }

  std::unique_ptr<PrivateSlapd> slapd_;
  std::string dir_;
  std::string db_;
};

TEST_F(DirectorySyncLdapTest, ServerRefusesUnpagedSearchesBeyondItsSizeLimit) {
  // As the sync's account (the rootdn has no limits).
  std::string cmd = "ldapsearch -x -H '" + slapd_->LdapUri() + "' -D '" + PrivateSlapd::kServiceDn +
                    "' -w '" + PrivateSlapd::kServicePassword + "' -b '" + kStaff +
                    "' '(objectClass=user)' dn > /dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 4);  // sizeLimitExceeded: only paging reads the 2,500 users
  // Like Active Directory's MaxPageSize, a larger page is cut to the limit: the sync goes on
  // paging and reads every user.
  Run big_pages = Sync(StartTlsConfig("page_size = 1500\n"), "2026-01-05");
  ASSERT_EQ(big_pages.code, 0) << big_pages.err;
  EXPECT_EQ(Rows().size(), static_cast<size_t>(kUsers));
}

TEST_F(DirectorySyncLdapTest, FirstSyncOverStartTlsPagesAndSkipsBadEntriesByDn) {
  const std::string config = StartTlsConfig();
  Run r = Sync(config, "2026-01-05");
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<StoredUserRow> rows = Rows();
  ASSERT_EQ(rows.size(), static_cast<size_t>(kUsers));
  for (const auto& row : rows) {
    EXPECT_EQ(row.source, UserRowSource::kDirectory);
    EXPECT_FALSE(row.row.valid_from);  // the first sync opens with an open start
    EXPECT_FALSE(row.row.valid_to);
  }
  auto u42 = RowsOf("u00042");  // U00042, normalised
  ASSERT_EQ(u42.size(), 1u);
  EXPECT_EQ(u42[0].row.direction, "DRH");
  for (const char* dn : {"cn=NoSam,", "cn=TwoSam,", "cn=Ctl,", "cn=Long,"}) {
    EXPECT_NE(r.out.find(std::string("skipped  ") + dn), std::string::npos) << dn << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("no sAMAccountName value"), std::string::npos);
  EXPECT_NE(r.out.find("2 sAMAccountName values"), std::string::npos);
  EXPECT_NE(r.out.find("control character"), std::string::npos);
  EXPECT_NE(r.out.find("longer than 1 KiB"), std::string::npos);
  auto status = nlohmann::json::parse(StatusJson());
  EXPECT_EQ(status["directory_sync"]["users_seen"], kUsers + 2);  // CTL and LONG were seen
  EXPECT_EQ(status["directory_sync"]["added"], kUsers);
  EXPECT_EQ(status["directory_sync"]["skipped"], 4);

  // Again, nothing changed: no users row is written.
  Run again = Sync(config, "2026-01-06");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("no change"), std::string::npos) << again.out;
  EXPECT_EQ(Rows(), rows);
}

// Jobs of 2025 and 2026 by two users, sent as DOMAIN\USER.
void IngestJobs(const std::string& db) {
  auto store = SqliteStore::Open(db);
  ASSERT_TRUE(store.ok());
  auto tz = TimeZone::Load("Europe/Paris");
  aggregator::ingest::IngestOptions options;
  options.time_zone = *tz;
  options.users = {true, true};
  aggregator::ingest::IngestProcessor ingest(&(*store)->jobs(), options);
  std::vector<JobRecord> jobs;
  int32_t id = 1;
  // u00001 (DAF) and u00002 (DRH): the 10th of every month of 2025 and of January-March 2026.
  for (int month = 0; month < 15; ++month) {
    const int year = month < 12 ? 2025 : 2026;
    const int64_t at =
        static_cast<int64_t>(DaysFromCivil(year, month % 12 + 1, 10)) * 86400 + 36000;
    for (const char* user : {"EXAMPLE\\U00001", "u00002@EXAMPLE.ORG"}) {
      JobRecord j;
      j.queue = "mfp";
      j.cups_job_id = id++;
      j.user = user;
      j.completed_at = at + id;
      j.created_at = at;
      j.state = JobState::kCompleted;
      j.copies = 1;
      j.sides = Sides::kOneSided;
      j.media = "iso_a4_210x297mm";
      j.impressions_completed = 10;
      j.source = RecordSource::kLive;
      jobs.push_back(j);
    }
  }
  auto r = ingest.SubmitJobs("prn-1", "test", jobs);
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (const auto& x : *r)
    ASSERT_EQ(x.kind, aggregator::ingest::RecordResult::Kind::kAccepted) << x.reason;
}

std::string IndicatorsJson(const std::string& db, int year) {
  auto store = SqliteStore::Open(db);
  EXPECT_TRUE(store.ok());
  auto report = aggregator::indicators::ComputeIndicators((*store)->usage(), year);
  EXPECT_TRUE(report.ok()) << report.status().message();
  return report.ok() ? aggregator::indicators::FormatIndicatorsJson(*report) : "";
}

int64_t SheetsOf(const std::string& json, const std::string& direction) {
  auto j = nlohmann::json::parse(json);
  for (const auto& d : j["directions"]) {
    if (d["direction"] == direction) return d["sheets"].get<int64_t>();
  }
  return 0;
}

TEST_F(DirectorySyncLdapTest, MovesAndDeparturesKeepHistoryAndLastYear) {
  IngestJobs(db_);
  const std::string config = StartTlsConfig();
  Run first = Sync(config, "2026-01-05");
  ASSERT_EQ(first.code, 0) << first.err;
  const std::string last_year = IndicatorsJson(db_, 2025);
  // DOMAIN\user and user@realm jobs are attributed through the normalised name.
  EXPECT_EQ(SheetsOf(last_year, "DAF"), 120);  // u00001: 12 jobs of 10 sheets
  EXPECT_EQ(SheetsOf(last_year, "DRH"), 120);  // u00002

  // u00001 moves from DAF to DSI; u00002 leaves.
  ASSERT_TRUE(slapd_
                  ->Modify("dn: " + UserDn(1) +
                           "\nchangetype: modify\nreplace: department\n"
                           "department: DSI\n\ndn: " +
                           UserDn(2) + "\nchangetype: delete\n")
                  .ok());
  Run dry = Sync(config, "2026-02-01", /*dry_run=*/true);
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(dry.out.find("moved    u00001: DAF -> DSI"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("closed   u00002 (was DRH)"), std::string::npos);
  EXPECT_NE(dry.out.find("dry run, nothing written"), std::string::npos);
  EXPECT_EQ(RowsOf("u00001").size(), 1u);

  Run second = Sync(config, "2026-02-01");
  ASSERT_EQ(second.code, 0) << second.err;
  auto u1 = RowsOf("u00001");
  ASSERT_EQ(u1.size(), 2u);
  EXPECT_EQ(u1[0].row.direction, "DAF");
  EXPECT_FALSE(u1[0].row.valid_from);
  EXPECT_EQ(u1[0].row.valid_to, DaysFromCivil(2026, 2, 1));
  EXPECT_EQ(u1[1].row.direction, "DSI");
  EXPECT_EQ(u1[1].row.valid_from, DaysFromCivil(2026, 2, 1));
  EXPECT_FALSE(u1[1].row.valid_to);
  auto u2 = RowsOf("u00002");
  ASSERT_EQ(u2.size(), 1u);
  EXPECT_EQ(u2[0].row.valid_to, DaysFromCivil(2026, 2, 1));

  // Last year's indicators are byte-identical; this year's follow the move.
  EXPECT_EQ(IndicatorsJson(db_, 2025), last_year);
  const std::string this_year = IndicatorsJson(db_, 2026);
  EXPECT_EQ(SheetsOf(this_year, "DAF"), 10);  // January
  EXPECT_EQ(SheetsOf(this_year, "DSI"), 20);  // February and March
  EXPECT_EQ(SheetsOf(this_year, "DRH"), 10);  // u00002 until they left
  auto status = nlohmann::json::parse(StatusJson());
  EXPECT_EQ(status["directory_sync"]["moved"], 1);
  EXPECT_EQ(status["directory_sync"]["closed"], 1);
  EXPECT_EQ(status["directory_sync"]["sync_date"], "2026-02-01");
}

TEST_F(DirectorySyncLdapTest, WrongPasswordChangesNothingAndNeverShowsIt) {
  WritePassword("Wr0ng-Passw0rd-xyz");
  Run r = Sync(StartTlsConfig(), "2026-01-05");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("Invalid credentials"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was written"), std::string::npos);
  EXPECT_EQ(r.err.find("Wr0ng"), std::string::npos);
  EXPECT_TRUE(Rows().empty());
  EXPECT_TRUE(nlohmann::json::parse(StatusJson())["directory_sync"].is_null());
}

TEST_F(DirectorySyncLdapTest, UnreachableServerOrUntrustedCertificateChangesNothing) {
  const int port = slapd_->port();
  slapd_->Stop();
  Run down = Sync(StartTlsConfig(), "2026-01-05");
  EXPECT_EQ(down.code, aggregator::cli::kExitSendFailed) << down.err;
  EXPECT_NE(down.err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << down.err;
  EXPECT_TRUE(Rows().empty());

  // Another server (this test's work files stay in the stopped one's directory).
  auto other = PrivateSlapd::Start({OrganisationLdif(), 1000, RAMETTE_TEST_CERTS_SCRIPT});
  ASSERT_TRUE(other.ok());
  const std::string untrusted =
      Config("uri = \"" + (*other)->LdapUri() + "\"\nstart_tls = true\nca_file = \"" +
             (*other)->OtherCaFile() + "\"\nbase_dn = \"" + kStaff + "\"\n");
  Run tls = Sync(untrusted, "2026-01-05");
  EXPECT_NE(tls.code, 0);
  EXPECT_NE(tls.err.find("StartTLS"), std::string::npos) << tls.err;
  EXPECT_TRUE(Rows().empty());
}

TEST_F(DirectorySyncLdapTest, AnErrorPartWayThroughThePagesWritesNothing) {
  // This server stops a paged search after 1,500 entries: the 4th page of 500 fails.
  PrivateSlapdOptions options{OrganisationLdif(), 1000, RAMETTE_TEST_CERTS_SCRIPT};
  options.paged_total = 1500;
  auto capped = PrivateSlapd::Start(options);
  ASSERT_TRUE(capped.ok()) << capped.status().message();
  const std::string config =
      Config("uri = \"" + (*capped)->LdapUri() + "\"\nstart_tls = true\nca_file = \"" +
             (*capped)->CaFile() + "\"\nbase_dn = \"" + kStaff + "\"\n");
  Run r = Sync(config, "2026-01-05");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("(page 4) failed: Size limit exceeded"), std::string::npos) << r.err;
  EXPECT_TRUE(Rows().empty());
  EXPECT_TRUE(nlohmann::json::parse(StatusJson())["directory_sync"].is_null());
}

TEST_F(DirectorySyncLdapTest, LdapsChecksTheCertificate) {
  const std::string untrusted =
      Config("uri = \"" + slapd_->LdapsUri() + "\"\nca_file = \"" + slapd_->OtherCaFile() +
             "\"\nbase_dn = \"" + kStaff + "\"\n");
  Run refused = Sync(untrusted, "2026-01-05");
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.err.find("not trusted by ca_file"), std::string::npos) << refused.err;
  EXPECT_TRUE(Rows().empty());
  const std::string trusted = Config("uri = \"" + slapd_->LdapsUri() + "\"\nca_file = \"" +
                                     slapd_->CaFile() + "\"\nbase_dn = \"" + kStaff + "\"\n");
  Run r = Sync(trusted, "2026-01-05");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Rows().size(), static_cast<size_t>(kUsers));
}

TEST_F(DirectorySyncLdapTest, LdapiWithTheOuOfTheDn) {
  const std::string config =
      Config("uri = \"" + slapd_->LdapiUri() + "\"\nbase_dn = \"" + kStaff + "\"\n",
             "direction_attribute = \"dn:OU\"\n");
  Run r = Sync(config, "2026-01-05");
  ASSERT_EQ(r.code, 0) << r.err;
  auto u3 = RowsOf("u00003");
  ASSERT_EQ(u3.size(), 1u);
  EXPECT_EQ(u3[0].row.direction, "COM");
  // The bad entries sit in ou=Staff itself: their nearest OU is "Staff".
  EXPECT_EQ(RowsOf("ctl").at(0).row.direction, "Staff");
}

TEST_F(DirectorySyncLdapTest, MemberOfThroughTheMappingInConfigOrder) {
  // Everyone is listed last: a user in a direction's group gets that direction; a user only in
  // Everyone gets "Tous"; no group at all would be reported as unmapped.
  std::string mapping = "direction_attribute = \"memberOf\"\n[directory.directions]\n";
  for (const char* d : kDirections) {
    mapping += "\"cn=" + std::string(d) + "-All,ou=Groups,dc=example,dc=org\" = \"" + d + "\"\n";
  }
  mapping += "\"CN=EVERYONE,OU=GROUPS,DC=EXAMPLE,DC=ORG\" = \"Tous\"\n";
  Run r = Sync(StartTlsConfig(mapping), "2026-01-05");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(RowsOf("u00001").at(0).row.direction, "DAF");
  EXPECT_EQ(RowsOf("u00006").at(0).row.direction, "Tous");  // i % 7 == 6: Everyone only
  // NoSam and TwoSam are still skipped; the bad department values do not matter here.
  EXPECT_NE(r.out.find("skipped  cn=NoSam,"), std::string::npos);

  std::string partial =
      "direction_attribute = \"memberOf\"\n[directory.directions]\n"
      "\"cn=DSI-All,ou=Groups,dc=example,dc=org\" = \"DSI\"\n";
  Run only = Sync(StartTlsConfig(partial), "2026-01-06", /*dry_run=*/true);
  ASSERT_EQ(only.code, 0) << only.err;
  EXPECT_NE(only.out.find("unmapped u00001 (cn=U00001,ou=DAF,"), std::string::npos) << only.out;
}

TEST_F(DirectorySyncLdapTest, GuardStopsAWrongBaseDnUnlessForced) {
  ASSERT_EQ(Sync(StartTlsConfig(), "2026-01-05").code, 0);
  const std::vector<StoredUserRow> before = Rows();
  // A base DN holding no users would close all of them.
  const std::string wrong = StartTlsConfig("", "ou=Computers,dc=example,dc=org");
  Run stopped = Sync(wrong, "2026-01-06");
  EXPECT_EQ(stopped.code, aggregator::cli::kExitDataError);
  EXPECT_NE(stopped.err.find("would close 2500 of the 2500 users"), std::string::npos)
      << stopped.err;
  EXPECT_EQ(Rows(), before);
  EXPECT_EQ(nlohmann::json::parse(StatusJson())["directory_sync"]["sync_date"], "2026-01-05");
  Run forced = Sync(wrong, "2026-01-06", false, /*force=*/true);
  ASSERT_EQ(forced.code, 0) << forced.err;
  for (const auto& row : Rows()) EXPECT_EQ(row.row.valid_to, DaysFromCivil(2026, 1, 6));
}

TEST_F(DirectorySyncLdapTest, CsvRowsAreOverridesAndWorkstationsAreCounted) {
  {
    auto store = SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(
        (*store)
            ->ReplaceUserDirections({{"u00001", "Direction générale", std::nullopt, std::nullopt}})
            .ok());
  }
  const std::string config =
      StartTlsConfig("[directory.workstations]\nbase_dn = \"ou=Computers,dc=example,dc=org\"\n");
  Run r = Sync(config, "2026-01-05");
  ASSERT_EQ(r.code, 0) << r.err;
  auto u1 = RowsOf("u00001");
  ASSERT_EQ(u1.size(), 1u);
  EXPECT_EQ(u1[0].source, UserRowSource::kCsv);
  EXPECT_EQ(u1[0].row.direction, "Direction générale");
  EXPECT_NE(r.out.find("csv      u00001"), std::string::npos);
  auto store = SqliteStore::Open(db_);
  auto inv = (*store)->LoadInventory();
  ASSERT_TRUE(inv.ok());
  ASSERT_EQ(inv->workstations.size(), 3u);  // DSI, DAF, DRH: 10 computers each
  for (const auto& w : inv->workstations) {
    EXPECT_EQ(w.count, 10);
    EXPECT_EQ(w.date, DaysFromCivil(2026, 1, 5));
  }
}

}  // namespace
}  // namespace ramette::testing
