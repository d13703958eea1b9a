// The BI views (schema v7, README "BI views") against the C++ rules they restate in SQL: on the
// multi-year organisation (multi_year_org.h), the views' sums per year, month and direction
// equal what AttributeUsage and `ramette indicators --format json` compute. Also pins the
// documented column lists (columns are only ever added) and that the views cannot be written.
// Built twice: bi_views_test on SQLite, bi_views_postgres_test (RAMETTE_BI_POSTGRES, label
// postgres) on a private PostgreSQL server, where the README's read-only role is tested too.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "aggregator/cli/commands.h"
#include "aggregator/indicators/usage_attribution.h"
#include "aggregator/store/open_store.h"
#include "tests/multi_year_org.h"
#ifdef RAMETTE_BI_POSTGRES
#include <libpq-fe.h>

#include "tests/postgres/private_postgres.h"
#endif

namespace ramette::aggregator {
namespace {

using Rows = std::vector<std::vector<std::string>>;  // NULL reads as "\N"

// A database of one engine, and raw SQL on it (as a BI tool would run it).
class SqlEngine {
 public:
  virtual ~SqlEngine() = default;
  virtual std::string Db() const = 0;  // what `--db` takes
  virtual Result<Rows> Query(const std::string& sql) = 0;
};

class SqliteEngine : public SqlEngine {
 public:
  explicit SqliteEngine(std::string path) : path_(std::move(path)) {}
  std::string Db() const override { return path_; }
  Result<Rows> Query(const std::string& sql) override {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return Status::IoError("cannot open " + path_);
    }
    Rows rows;
    char* msg = nullptr;
    const int rc = sqlite3_exec(
        db, sql.c_str(),
        [](void* out, int n, char** values, char**) {
          auto* r = static_cast<Rows*>(out);
          r->emplace_back();
          for (int i = 0; i < n; ++i) r->back().push_back(values[i] ? values[i] : "\\N");
          return 0;
        },
        &rows, &msg);
    const std::string error = msg != nullptr ? msg : "";
    sqlite3_free(msg);
    sqlite3_close(db);
    if (rc != SQLITE_OK) return Status::InvalidArgument(error);
    return rows;
  }

 private:
  std::string path_;
};

// The column names of `view`, in order.
std::vector<std::string> ColumnsOf(SqlEngine& engine, const std::string& view) {
  // Both engines answer a query with no rows with its columns through these catalogues.
  auto rows = engine.Query(
#ifdef RAMETTE_BI_POSTGRES
      "SELECT column_name FROM information_schema.columns WHERE table_name = '" + view +
      "' ORDER BY ordinal_position"
#else
      "SELECT name FROM pragma_table_info('" + view + "') ORDER BY cid"
#endif
  );
  EXPECT_TRUE(rows.ok()) << rows.status().message();
  std::vector<std::string> names;
  if (rows.ok()) {
    for (const auto& r : *rows) names.push_back(r[0]);
  }
  return names;
}

#ifdef RAMETTE_BI_POSTGRES
Result<Rows> PgQuery(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string error = PQerrorMessage(conn);
    PQfinish(conn);
    return Status::Unavailable(error);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  const ExecStatusType st = PQresultStatus(res);
  Rows rows;
  Status status = Status::Ok();
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
    for (int i = 0; i < PQntuples(res); ++i) {
      rows.emplace_back();
      for (int c = 0; c < PQnfields(res); ++c) {
        rows.back().push_back(PQgetisnull(res, i, c) ? "\\N" : PQgetvalue(res, i, c));
      }
    }
  } else {
    status = Status::InvalidArgument(PQresultErrorMessage(res));
  }
  PQclear(res);
  PQfinish(conn);
  if (!status.ok()) return status;
  return rows;
}

testing::PrivatePostgres* Server() {
  static std::unique_ptr<testing::PrivatePostgres> server = [] {
    auto started = testing::PrivatePostgres::Start();
    if (!started.ok()) {
      ADD_FAILURE() << "cannot start PostgreSQL: " << started.status().message();
      return std::unique_ptr<testing::PrivatePostgres>();
    }
    return std::move(started).value();
  }();
  return server.get();
}

class PostgresEngine : public SqlEngine {
 public:
  explicit PostgresEngine(std::string name, std::string uri)
      : name_(std::move(name)), uri_(std::move(uri)) {}
  std::string Db() const override { return uri_; }
  const std::string& name() const { return name_; }
  Result<Rows> Query(const std::string& sql) override { return PgQuery(uri_, sql); }

 private:
  std::string name_;
  std::string uri_;
};
#endif

double Number(const std::string& text) { return text == "\\N" ? 0.0 : std::stod(text); }
int64_t Integer(const std::string& text) { return text == "\\N" ? 0 : std::stoll(text); }

// Equal up to the rounding of sums of doubles taken in another order.
void ExpectKg(double view, double cpp, const std::string& what) {
  EXPECT_NEAR(view, cpp, 1e-9 * std::max(1.0, std::fabs(cpp))) << what;
}

class BiViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ramette-bi-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
#ifdef RAMETTE_BI_POSTGRES
    if (!testing::PrivatePostgres::Available()) GTEST_SKIP() << "postgresql-15 not installed";
    ASSERT_NE(Server(), nullptr);
    const std::string name = "bi" + std::to_string(counter_);
    auto uri = Server()->CreateDatabase(name);
    ASSERT_TRUE(uri.ok()) << uri.status().message();
    engine_ = std::make_unique<PostgresEngine>(name, *uri);
#else
    engine_ = std::make_unique<SqliteEngine>((dir_ / "ramette.db").string());
#endif
    Status loaded =
        testing::LoadMultiYearOrg(testing::MakeMultiYearOrg(), engine_->Db(), dir_.string());
    ASSERT_TRUE(loaded.ok()) << loaded.message();
  }
  void TearDown() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  Rows MustQuery(const std::string& sql) {
    auto rows = engine_->Query(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().message();
    return rows.ok() ? *rows : Rows{};
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<SqlEngine> engine_;
};

// One (year, month, direction) of the views or of AttributeUsage.
struct Figures {
  int64_t jobs = 0, sheets = 0, impressions = 0, two_sided_sheets = 0, color_sheets = 0;
  int64_t unknown_media_jobs = 0, without_user_direction = 0, on_unclassified_devices = 0;
  double mass_kg = 0, recycled_mass_kg = 0, mass_kg_excluding_print_shop = 0;
};
using Key = std::tuple<int, int, std::string>;  // year, month, direction

TEST_F(BiViewsTest, MonthlySumsPerDirectionEqualTheIndicatorLibrary) {
  std::map<Key, Figures> from_views;
  for (const auto& r :
       MustQuery("SELECT year, month, direction, jobs, sheets, impressions, two_sided_sheets,"
                 " color_sheets, unknown_media_jobs, mass_kg, recycled_mass_kg,"
                 " mass_kg_excluding_print_shop FROM bi_monthly_usage")) {
    Figures& f = from_views[{std::stoi(r[0]), std::stoi(r[1]), r[2]}];
    f.jobs = Integer(r[3]);
    f.sheets = Integer(r[4]);
    f.impressions = Integer(r[5]);
    f.two_sided_sheets = Integer(r[6]);
    f.color_sheets = Integer(r[7]);
    f.unknown_media_jobs = Integer(r[8]);
    f.mass_kg = Number(r[9]);
    f.recycled_mass_kg = Number(r[10]);
    f.mass_kg_excluding_print_shop = Number(r[11]);
  }
  for (const auto& r : MustQuery("SELECT year, month, direction,"
                                 " SUM(CASE WHEN direction_source = 'user' THEN 0 ELSE 1 END),"
                                 " SUM(CASE WHEN device_classified THEN 0 ELSE 1 END), SUM(mass_g)"
                                 " FROM bi_jobs GROUP BY year, month, direction")) {
    Figures& f = from_views[{std::stoi(r[0]), std::stoi(r[1]), r[2]}];
    f.without_user_direction = Integer(r[3]);
    f.on_unclassified_devices = Integer(r[4]);
    ExpectKg(Number(r[5]) / 1000, f.mass_kg, "bi_jobs.mass_g against bi_monthly_usage.mass_kg");
  }

  auto store = store::OpenStore(engine_->Db(), store::OpenMode::kExisting);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto inventory = (*store)->usage().LoadInventory();
  ASSERT_TRUE(inventory.ok());
  auto names = (*store)->usage().LoadUserNames();
  ASSERT_TRUE(names.ok());
  std::map<Key, Figures> from_cpp;
  for (int year = testing::kMultiYearFirst; year <= testing::kMultiYearLast + 1; ++year) {
    std::vector<indicators::MonthRange> months;
    for (int m = 1; m <= 12; ++m) months.push_back({MonthIndex(year, m), MonthIndex(year, m)});
    auto usage = indicators::AttributeUsage((*store)->usage(), *inventory, *names, months);
    ASSERT_TRUE(usage.ok()) << usage.status().message();
    for (int m = 0; m < 12; ++m) {
      const indicators::PeriodUsage& p = usage->periods[m];
      for (size_t d = 0; d < usage->directions.size(); ++d) {
        const indicators::ScopeUsage& s = p.directions[d];
        if (s.all_devices.sums.jobs == 0) continue;
        Figures& f = from_cpp[{year, m + 1, usage->directions[d]}];
        f.jobs = s.all_devices.sums.jobs;
        f.sheets = s.all_devices.sums.sheets;
        f.impressions = s.all_devices.sums.impressions;
        f.two_sided_sheets = s.all_devices.sums.two_sided_sheets;
        f.color_sheets = s.all_devices.sums.color_sheets;
        f.unknown_media_jobs = s.all_devices.sums.unknown_media_jobs;
        f.without_user_direction = s.jobs_without_user_direction;
        f.on_unclassified_devices = s.jobs_on_unclassified_devices;
        f.mass_kg = s.all_devices.mass_kg;
        f.recycled_mass_kg = s.all_devices.recycled_mass_kg;
        f.mass_kg_excluding_print_shop = s.excluding_print_shop.mass_kg;
      }
    }
  }

  // The fixture exercises what it claims to; backfilled copies and replays are one job each.
  size_t distinct_jobs = 0;
  for (const auto& [server, jobs] : testing::MakeMultiYearOrg().jobs) distinct_jobs += jobs.size();
  EXPECT_EQ(MustQuery("SELECT COUNT(*) FROM bi_jobs")[0][0], std::to_string(distinct_jobs));
  EXPECT_NE(MustQuery("SELECT COUNT(*) FROM bi_jobs WHERE source = 'page_log'")[0][0], "0");
  ASSERT_EQ(from_views.size(), from_cpp.size());
  std::set<std::string> directions;
  int64_t unassigned_jobs = 0, unknown_media = 0;
  for (const auto& [key, f] : from_cpp) {
    directions.insert(std::get<2>(key));
    if (std::get<2>(key) == "unassigned") unassigned_jobs += f.jobs;
    unknown_media += f.unknown_media_jobs;
  }
  EXPECT_EQ(directions, (std::set<std::string>{"DAF", "DCOM", "DRH", "DSI", "achats", "unassigned",
                                               "Égalité"}));
  EXPECT_GT(unassigned_jobs, 0);
  EXPECT_GT(unknown_media, 0);
  EXPECT_TRUE(from_cpp.contains({2020, 1, "DSI"}));  // bob, 31 Dec 2019 23:30 UTC

  for (const auto& [key, cpp] : from_cpp) {
    const auto& [year, month, direction] = key;
    SCOPED_TRACE(std::to_string(year) + "-" + std::to_string(month) + " " + direction);
    auto it = from_views.find(key);
    ASSERT_NE(it, from_views.end());
    const Figures& v = it->second;
    EXPECT_EQ(v.jobs, cpp.jobs);
    EXPECT_EQ(v.sheets, cpp.sheets);
    EXPECT_EQ(v.impressions, cpp.impressions);
    EXPECT_EQ(v.two_sided_sheets, cpp.two_sided_sheets);
    EXPECT_EQ(v.color_sheets, cpp.color_sheets);
    EXPECT_EQ(v.unknown_media_jobs, cpp.unknown_media_jobs);
    EXPECT_EQ(v.without_user_direction, cpp.without_user_direction);
    EXPECT_EQ(v.on_unclassified_devices, cpp.on_unclassified_devices);
    ExpectKg(v.mass_kg, cpp.mass_kg, "mass_kg");
    ExpectKg(v.recycled_mass_kg, cpp.recycled_mass_kg, "recycled_mass_kg");
    ExpectKg(v.mass_kg_excluding_print_shop, cpp.mass_kg_excluding_print_shop,
             "mass_kg_excluding_print_shop");
  }
}

TEST_F(BiViewsTest, YearlySumsEqualIndicatorsJson) {
  for (int year = testing::kMultiYearFirst; year <= testing::kMultiYearLast; ++year) {
    SCOPED_TRACE(year);
    std::ostringstream out, err;
    ASSERT_EQ(cli::RunIndicators(engine_->Db(), year, std::nullopt, "json", out, err), 0)
        << err.str();
    const nlohmann::json j = nlohmann::json::parse(out.str());
    std::map<std::string, nlohmann::json> scopes{{"", j["organisation"]}};
    for (const auto& d : j["directions"]) scopes[d["direction"].get<std::string>()] = d;
    const std::string y = std::to_string(year);
    Rows rows = MustQuery(
        "SELECT direction, SUM(sheets), SUM(mass_kg), SUM(recycled_mass_kg),"
        " SUM(mass_kg_excluding_print_shop) FROM bi_monthly_usage WHERE year = " +
        y +
        " GROUP BY direction UNION ALL SELECT '', SUM(sheets), SUM(mass_kg),"
        " SUM(recycled_mass_kg), SUM(mass_kg_excluding_print_shop) FROM bi_monthly_usage"
        " WHERE year = " +
        y);
    ASSERT_EQ(rows.size(), scopes.size());
    for (const auto& r : rows) {
      SCOPED_TRACE(r[0]);
      ASSERT_TRUE(scopes.contains(r[0]));
      const nlohmann::json& s = scopes[r[0]];
      EXPECT_EQ(Integer(r[1]), s["sheets_all_devices"].get<int64_t>());
      ExpectKg(Number(r[2]), s["paper_kg_all_devices"].get<double>(), "paper_kg_all_devices");
      ExpectKg(Number(r[3]), s["recycled_kg"].get<double>(), "recycled_kg");
      ExpectKg(Number(r[4]), s["paper_kg"].get<double>(), "paper_kg");
    }
  }
}

TEST_F(BiViewsTest, ColumnsAreTheDocumentedOnesAndNameNoPerson) {
  // README "BI views": columns are only ever added at the end, never renamed or removed.
  EXPECT_EQ(ColumnsOf(*engine_, "bi_jobs"), (std::vector<std::string>{"job_id",
                                                                      "local_date",
                                                                      "year",
                                                                      "month",
                                                                      "completed_at",
                                                                      "completed_unix",
                                                                      "server",
                                                                      "queue",
                                                                      "device_id",
                                                                      "source",
                                                                      "state",
                                                                      "sheets",
                                                                      "impressions",
                                                                      "copies",
                                                                      "sides",
                                                                      "two_sided",
                                                                      "color",
                                                                      "media",
                                                                      "media_known",
                                                                      "sheet_area_m2",
                                                                      "device_classified",
                                                                      "device_class",
                                                                      "device_direction",
                                                                      "paper_id",
                                                                      "grammage_gsm",
                                                                      "recycled",
                                                                      "default_stock",
                                                                      "mass_g",
                                                                      "direction",
                                                                      "direction_source",
                                                                      "run",
                                                                      "media_from_queue"}));
  EXPECT_EQ(
      ColumnsOf(*engine_, "bi_monthly_usage"),
      (std::vector<std::string>{"year", "month", "direction", "jobs", "sheets", "impressions",
                                "two_sided_sheets", "color_sheets", "unknown_media_jobs", "mass_kg",
                                "recycled_mass_kg", "mass_kg_excluding_print_shop"}));
  EXPECT_EQ(ColumnsOf(*engine_, "bi_devices"),
            (std::vector<std::string>{"device_id", "server", "queue", "classified", "device_class",
                                      "direction", "paper_id", "grammage_gsm", "recycled",
                                      "in_service", "out_of_service", "make_model",
                                      "color_supported", "duplex_supported"}));
  EXPECT_EQ(ColumnsOf(*engine_, "bi_workstations"),
            (std::vector<std::string>{"direction", "valid_from", "valid_to", "workstations"}));
  // What a row looks like: the local date, the stock of the period in service that day.
  Rows rows = MustQuery(
      "SELECT local_date, year, month, device_class, paper_id, CAST(grammage_gsm AS INTEGER),"
      " default_stock,"
      " direction, direction_source FROM bi_jobs WHERE queue = 'dsi-bureau'"
      " AND completed_unix IN (" +
      std::to_string(int64_t{DaysFromCivil(2018, 9, 9)} * 86400 + 43200) + ", " +
      std::to_string(int64_t{DaysFromCivil(2018, 9, 10)} * 86400 + 43200) +
      ") ORDER BY completed_unix");
  ASSERT_EQ(rows.size(), 2u);
#ifdef RAMETTE_BI_POSTGRES
  const std::string yes = "t", no = "f";
#else
  const std::string yes = "1", no = "0";
#endif
  EXPECT_EQ(rows[0], (std::vector<std::string>{"2018-09-09", "2018", "9", "desktop_printer",
                                               "heavy90", "90", no, "DSI", "device"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2018-09-10", "2018", "9", "mfp", "recy75", "75", no,
                                               "DRH", "device"}));
  rows = MustQuery(
      "SELECT DISTINCT paper_id, CAST(grammage_gsm AS INTEGER), recycled, default_stock"
      " FROM bi_jobs"
      " WHERE queue IN ('dsi-copieur', 'salle-reunion')");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"\\N", "80", no, yes}));
}

TEST_F(BiViewsTest, ViewsCannotBeWritten) {
  for (const char* view : {"bi_jobs", "bi_monthly_usage", "bi_devices", "bi_workstations"}) {
    SCOPED_TRACE(view);
    EXPECT_FALSE(engine_->Query(std::string("DELETE FROM ") + view).ok());
  }
  EXPECT_FALSE(engine_->Query("UPDATE bi_workstations SET workstations = 0").ok());
  EXPECT_FALSE(engine_->Query("INSERT INTO bi_workstations(direction) VALUES('X')").ok());
  EXPECT_EQ(MustQuery("SELECT COUNT(*) FROM workstations")[0][0], "8");
}

#ifdef RAMETTE_BI_POSTGRES
// The README's example, run as written (with the database name and a password filled in).
TEST_F(BiViewsTest, ReadmeReadOnlyRoleReadsTheViewsOnly) {
  std::ifstream readme(RAMETTE_SOURCE_DIR "/README.md");
  std::stringstream text;
  text << readme.rdbuf();
  const std::string all = text.str();
  const std::string begin_marker = "```sql\n-- ramette_bi: read-only role";
  const size_t begin = all.find(begin_marker);
  ASSERT_NE(begin, std::string::npos) << "README example not found";
  const size_t body = all.find('\n', begin) + 1;
  const size_t end = all.find("```", body);
  ASSERT_NE(end, std::string::npos);
  std::string sql = all.substr(body, end - body);
  auto replace = [&sql](const std::string& from, const std::string& to) {
    for (size_t at; (at = sql.find(from)) != std::string::npos;) sql.replace(at, from.size(), to);
  };
  const auto& pg = static_cast<PostgresEngine&>(*engine_);
  replace("DATABASE ramette", "DATABASE " + pg.name());
  replace("'change me'", "'bi-secret'");
  auto setup = engine_->Query(sql);
  ASSERT_TRUE(setup.ok()) << setup.status().message();

  const std::string bi = Server()->UriOf(pg.name(), "ramette_bi") + "&password=bi-secret";
  for (const char* view : {"bi_jobs", "bi_monthly_usage", "bi_devices", "bi_workstations"}) {
    SCOPED_TRACE(view);
    auto rows = PgQuery(bi, std::string("SELECT COUNT(*) FROM ") + view);
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    EXPECT_GT(Integer((*rows)[0][0]), 0);
  }
  EXPECT_EQ(PgQuery(bi, "SELECT SUM(jobs) FROM bi_monthly_usage").value()[0][0],
            MustQuery("SELECT COUNT(*) FROM jobs")[0][0]);
  // Refused by privileges, also when the role opens a read-write transaction itself.
  for (const std::string& prefix : {std::string(), std::string("BEGIN READ WRITE; ")}) {
    for (const char* refused :
         {"SELECT COUNT(*) FROM jobs", "SELECT name FROM users", "SELECT * FROM user_directions",
          "INSERT INTO workstations VALUES('X', 1, 1)", "DELETE FROM papers",
          "UPDATE bi_workstations SET workstations = 0", "CREATE TABLE mine(x integer)",
          "CREATE VIEW mine AS SELECT 1"}) {
      const std::string sql = prefix + refused;
      SCOPED_TRACE(sql);
      auto r = PgQuery(bi, sql);
      ASSERT_FALSE(r.ok());
      const std::string& m = r.status().message();
      EXPECT_TRUE(m.find("permission denied") != std::string::npos ||
                  m.find("read-only transaction") != std::string::npos ||
                  m.find("cannot update view") != std::string::npos)
          << m;
    }
  }
  EXPECT_EQ(MustQuery("SELECT COUNT(*) FROM workstations")[0][0], "8");
}
#endif

}  // namespace
}  // namespace ramette::aggregator
