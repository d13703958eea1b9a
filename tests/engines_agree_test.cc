// Same answers from both engines (issue 10): the multi-year organisation (multi_year_org.h) is
// loaded the same way into a SQLite file and a private PostgreSQL database (the same imports,
// the same jobs through CommitJobs), and every output of the public interface is compared
// byte for byte: `indicators` (json, table, csv; every year, every direction), `export
// indicators` (csv-fr, csv-en, json) and `report monthly` (every HTML and CSV file, both
// languages, all directions and one). The PostgreSQL database has a French collation, as an
// organisation's would. Label postgres.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "aggregator/cli/commands.h"
#include "tests/multi_year_org.h"
#include "tests/postgres/private_postgres.h"

namespace ramette::aggregator {
namespace {

class EnginesAgreeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::PrivatePostgres::Available()) return;
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("ramette-engines-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    auto started = testing::PrivatePostgres::Start();
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = started->release();
    // A French organisation's database: ICU French collation, whose order ("achats" < "DAF" <
    // "Égalité") is not SQLite's byte order ("DAF" < "achats" < "Égalité").
    auto created = server_->Query("ramette",
                                  "CREATE DATABASE agree LOCALE_PROVIDER icu ICU_LOCALE 'fr-FR'"
                                  " TEMPLATE template0");
    ASSERT_TRUE(created.ok()) << created.status().message();
    postgres_ = new std::string(server_->UriOf("agree"));
    sqlite_ = new std::string((*dir_ / "ramette.db").string());
    const testing::MultiYearOrg org = testing::MakeMultiYearOrg();
    for (const std::string* db : {sqlite_, postgres_}) {
      Status st = testing::LoadMultiYearOrg(org, *db, dir_->string());
      ASSERT_TRUE(st.ok()) << *db << ": " << st.message();
    }
    // The same jobs stored in UTC, the store switched to Europe/Paris afterwards.
    auto late_uri = server_->CreateDatabase("late_zone");
    ASSERT_TRUE(late_uri.ok()) << late_uri.status().message();
    late_postgres_ = new std::string(*late_uri);
    late_sqlite_ = new std::string((*dir_ / "late-zone.db").string());
    for (const std::string* db : {late_sqlite_, late_postgres_}) {
      Status st = testing::LoadMultiYearOrg(org, *db, dir_->string(), "UTC");
      ASSERT_TRUE(st.ok()) << *db << ": " << st.message();
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    if (dir_ != nullptr) std::filesystem::remove_all(*dir_);
    delete dir_;
    delete sqlite_;
    delete postgres_;
    delete late_sqlite_;
    delete late_postgres_;
  }
  void SetUp() override {
    if (!testing::PrivatePostgres::Available()) GTEST_SKIP() << "postgresql-15 not installed";
    ASSERT_NE(postgres_, nullptr);
  }

  // Runs `command` on both databases; expects exit 0 on each and returns both outputs.
  template <typename Command>
  std::pair<std::string, std::string> OnBoth(Command command) {
    std::string outs[2];
    const std::string* dbs[] = {sqlite_, postgres_};
    for (int i = 0; i < 2; ++i) {
      std::ostringstream out, err;
      EXPECT_EQ(command(*dbs[i], out, err), 0) << *dbs[i] << ": " << err.str();
      outs[i] = out.str();
    }
    EXPECT_FALSE(outs[0].empty());
    return {outs[0], outs[1]};
  }

  static inline testing::PrivatePostgres* server_ = nullptr;
  static inline std::filesystem::path* dir_ = nullptr;
  static inline std::string* sqlite_ = nullptr;
  static inline std::string* postgres_ = nullptr;
  static inline std::string* late_sqlite_ = nullptr;  // time zone set after the jobs
  static inline std::string* late_postgres_ = nullptr;
};

const char* const kDirections[] = {"DAF", "DCOM", "DRH", "DSI", "achats", "unassigned", "Égalité"};

TEST_F(EnginesAgreeTest, IndicatorsAreByteIdentical) {
  for (int year = testing::kMultiYearFirst; year <= testing::kMultiYearLast + 1; ++year) {
    for (const char* format : {"json", "table", "csv"}) {
      SCOPED_TRACE(std::to_string(year) + " " + format);
      auto [sqlite, postgres] = OnBoth([&](const std::string& db, auto& out, auto& err) {
        return cli::RunIndicators(db, year, std::nullopt, format, out, err);
      });
      EXPECT_EQ(sqlite, postgres);
    }
    for (const char* direction : kDirections) {
      SCOPED_TRACE(std::to_string(year) + " " + direction);
      auto [sqlite, postgres] = OnBoth([&](const std::string& db, auto& out, auto& err) {
        return cli::RunIndicators(db, year, std::string(direction), "json", out, err);
      });
      EXPECT_EQ(sqlite, postgres);
    }
  }
}

TEST_F(EnginesAgreeTest, ExportsAreByteIdentical) {
  for (int year = testing::kMultiYearFirst; year <= testing::kMultiYearLast; ++year) {
    for (const char* format : {"csv-fr", "csv-en", "json"}) {
      SCOPED_TRACE(std::to_string(year) + " " + format);
      auto [sqlite, postgres] = OnBoth([&](const std::string& db, auto& out, auto& err) {
        return cli::RunExportIndicators(db, year, format, "", out, err);
      });
      EXPECT_EQ(sqlite, postgres);
    }
  }
}

TEST_F(EnginesAgreeTest, TimeZoneSetAfterTheJobsGivesTheSameAnswersOnBothEngines) {
  for (int year = testing::kMultiYearFirst; year <= testing::kMultiYearLast + 1; ++year) {
    SCOPED_TRACE(year);
    std::string outputs[4];
    const std::string* dbs[] = {sqlite_, postgres_, late_sqlite_, late_postgres_};
    for (int i = 0; i < 4; ++i) {
      std::ostringstream out, err;
      EXPECT_EQ(cli::RunIndicators(*dbs[i], year, std::nullopt, "json", out, err), 0) << err.str();
      outputs[i] = out.str();
    }
    EXPECT_EQ(outputs[2], outputs[0]) << "SQLite";
    EXPECT_EQ(outputs[3], outputs[1]) << "PostgreSQL";
  }
}

// Every file under `dir`, by name.
std::map<std::string, std::string> FilesIn(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream f(entry.path(), std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    files[entry.path().filename().string()] = s.str();
  }
  return files;
}

TEST_F(EnginesAgreeTest, MonthlyReportsAreByteIdentical) {
  // The months where a user moves, a queue changes period mid-month, a device retires on 31
  // Dec, plus an ordinary one.
  const char* months[] = {"2016-02", "2017-06", "2017-12", "2018-03", "2018-09", "2019-12"};
  int n = 0;
  for (const char* month : months) {
    for (const char* lang : {"fr", "en"}) {
      for (const std::optional<std::string>& direction :
           {std::optional<std::string>(), std::optional<std::string>("DAF"),
            std::optional<std::string>("Égalité")}) {
        SCOPED_TRACE(std::string(month) + " " + lang + " " + direction.value_or("(all)"));
        const std::filesystem::path base = *dir_ / ("reports" + std::to_string(n++));
        const std::filesystem::path out_dirs[] = {base / "sqlite", base / "postgres"};
        const std::string* dbs[] = {sqlite_, postgres_};
        for (int i = 0; i < 2; ++i) {
          std::ostringstream out, err;
          ASSERT_EQ(cli::RunReportMonthly(*dbs[i], "", month, direction, lang, out_dirs[i].string(),
                                          /*send=*/false, out, err),
                    0)
              << err.str();
        }
        const auto sqlite = FilesIn(out_dirs[0]);
        const auto postgres = FilesIn(out_dirs[1]);
        EXPECT_GE(sqlite.size(), 2u);
        ASSERT_EQ(sqlite.size(), postgres.size());
        for (const auto& [name, content] : sqlite) {
          SCOPED_TRACE(name);
          ASSERT_TRUE(postgres.contains(name));
          EXPECT_FALSE(content.empty());
          EXPECT_EQ(content, postgres.at(name));
        }
      }
    }
  }
}

}  // namespace
}  // namespace ramette::aggregator
