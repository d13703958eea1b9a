// End to end through the real executables: `ramette-aggregator` serving gRPC on loopback, the
// `ramette` imports (good and malformed files) and `indicators` in every format, and the
// guarantee that the figures do not depend on whether imports came before or after the jobs.
// On SQLite; end_to_end_postgres_test.cc runs the first case with two aggregators on PostgreSQL.
#include "tests/end_to_end.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace {

using ramette::testing::CmdResult;
using ramette::testing::EndToEndTest;
using ramette::testing::SlurpFile;

TEST_F(EndToEndTest, HandComputedIndicatorsWhateverTheImportOrder) {
  ExpectHandComputedIndicatorsWhateverTheImportOrder(/*aggregators=*/1);
}

// Effective dates through the real store: carol changes direction on 15 March 2018 and the
// queue's stock changes to recycled paper on 18 March, both mid-month (so the daily rollups are
// read), and the devices file is re-imported after the jobs with the new period.
TEST_F(EndToEndTest, MidMonthChangesImportedBeforeOrAfterTheJobs) {
  auto send = [&](int port) {
    auto stub = ramette::v1::Ingest::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
    ramette::v1::SubmitJobsRequest req;
    req.set_server_id("prn-a");
    int id = 0;
    for (auto [t, imp] : {std::pair<int64_t, int>{1520676000, 100},  // 2018-03-10T10:00Z
                          {1521540000, 50},                          // 2018-03-20T10:00Z
                          {1521194400, 8}}) {                        // 2018-03-16T10:00Z
      auto* j = req.add_jobs();
      j->set_queue("q");
      j->set_cups_job_id(++id);
      j->set_user("carol");
      j->set_completed_at_unix(t);
      j->set_state(ramette::v1::JOB_STATE_COMPLETED);
      j->set_copies(1);
      j->set_impressions_completed(imp);
      j->set_sides(ramette::v1::SIDES_ONE_SIDED);
      j->set_media("A4");
    }
    grpc::ClientContext ctx;
    ramette::v1::SubmitJobsResponse resp;
    ASSERT_TRUE(stub->SubmitJobs(&ctx, req, &resp).ok());
  };
  auto import = [&](const std::string& db) {
    Write("papers.csv", "paper_id,recycled,grammage_gsm\nstd80,no,80\nrec80,yes,80\n");
    Write("devices.csv",
          "server,queue,class,direction,paper_id,in_service,out_of_service\n"
          "prn-a,q,desktop_printer,DAF,std80,2015-01-01,2018-03-18\n"
          "prn-a,q,desktop_printer,DAF,rec80,2018-03-18,\n");
    Write("users.csv",
          "user,direction,valid_from,valid_to\ncarol,DAF,,2018-03-15\ncarol,DRH,2018-03-15,\n");
    for (auto kind : {"papers", "devices", "users"}) {
      CmdResult r = Ramette("--db " + db + " import " + kind + " " + dir_ + "/" + kind + ".csv");
      ASSERT_EQ(r.code, 0) << r.err;
    }
  };
  std::string db1 = dir_ + "/jobs-first.db", db2 = dir_ + "/imports-first.db";
  // db1: the old single-period devices file, the jobs, then the new files.
  Write("papers.csv", "paper_id,recycled,grammage_gsm\nstd80,no,80\n");
  Write("devices.csv",
        "server,queue,class,direction,paper_id,in_service,out_of_service\n"
        "prn-a,q,desktop_printer,DAF,std80,2015-01-01,\n");
  ASSERT_EQ(Ramette("--db " + db1 + " import papers " + dir_ + "/papers.csv").code, 0);
  ASSERT_EQ(Ramette("--db " + db1 + " import devices " + dir_ + "/devices.csv").code, 0);
  send(StartAggregator(db1));
  StopAggregators();
  nlohmann::json before = Indicators(db1);
  EXPECT_NEAR(before["organisation"]["recycled_share_pct"].get<double>(), 0.0, 1e-12);
  import(db1);
  import(db2);
  send(StartAggregator(db2));
  StopAggregators();

  nlohmann::json j = Indicators(db1);
  EXPECT_EQ(j, Indicators(db2));
  // Sheets: 10 March 100 (DAF, std), 16 March 8 (DRH, std), 20 March 50 (DRH, recycled).
  EXPECT_EQ(j["organisation"]["sheets"], 158);
  EXPECT_NEAR(j["organisation"]["recycled_share_pct"].get<double>(), 50.0 / 158 * 100, 1e-9);
  ASSERT_EQ(j["directions"].size(), 2u);
  EXPECT_EQ(j["directions"][0]["direction"], "DAF");
  EXPECT_EQ(j["directions"][0]["sheets"], 100);
  EXPECT_EQ(j["directions"][1]["direction"], "DRH");
  EXPECT_EQ(j["directions"][1]["sheets"], 58);
  EXPECT_NEAR(j["directions"][1]["recycled_share_pct"].get<double>(), 50.0 / 58 * 100, 1e-9);
  // One queue, replaced behind the same name: one desktop printer on 31 Dec 2018.
  EXPECT_EQ(j["organisation"]["desktop_printers"], 1);
}

TEST_F(EndToEndTest, MalformedFileImportsNothing) {
  std::string db = dir_ + "/r.db";
  Write("papers.csv", "paper_id,recycled,grammage_gsm\nstd80,no,80\n");
  ASSERT_EQ(Ramette("--db " + db + " import papers " + dir_ + "/papers.csv").code, 0);
  Write("devices.csv",
        "server,queue,class,direction,paper_id,in_service,out_of_service\n"
        "prn-a,q1,desktop_printer,DAF,std80,2015-01-01,\n"
        "prn-a,q2,laser,DAF,std80,2015-01-01,\n");
  CmdResult r = Ramette("--db " + db + " import devices " + dir_ + "/devices.csv");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("devices.csv:3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("laser"), std::string::npos) << r.err;
  // Nothing from the file: q1 is not in service in the indicators.
  CmdResult ind = Ramette("--db " + db + " indicators --year 2018 --format json");
  ASSERT_EQ(ind.code, 0) << ind.err;
  EXPECT_EQ(nlohmann::json::parse(ind.out)["organisation"]["desktop_printers"], 0);
  // Re-importing a good file twice does not duplicate.
  Write("devices.csv",
        "server,queue,class,direction,paper_id,in_service,out_of_service\n"
        "prn-a,q1,desktop_printer,DAF,std80,2015-01-01,\n");
  ASSERT_EQ(Ramette("--db " + db + " import devices " + dir_ + "/devices.csv").code, 0);
  ASSERT_EQ(Ramette("--db " + db + " import devices " + dir_ + "/devices.csv").code, 0);
  ind = Ramette("--db " + db + " indicators --year 2018 --format json");
  EXPECT_EQ(nlohmann::json::parse(ind.out)["organisation"]["desktop_printers"], 1);
}

TEST_F(EndToEndTest, CommandLineErrors) {
  CmdResult r = Ramette("--db " + dir_ + "/none.db indicators --year 2018");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("none.db"), std::string::npos);
  r = Ramette("indicators");
  EXPECT_NE(r.code, 0);
  r = Ramette("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("indicators"), std::string::npos);
  r = Ramette("--db x.db import papers " + dir_ + "/missing.csv");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("missing.csv"), std::string::npos);

  std::string cmd = std::string(RAMETTE_AGGREGATOR) + " --db " + dir_ +
                    "/a.db --listen 0.0.0.0:50551 2>" + dir_ + "/err";
  int rc = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 78);
  EXPECT_NE(SlurpFile(dir_ + "/err").find("without TLS and agent tokens"), std::string::npos);
}

}  // namespace

namespace {

// A second aggregator on the port of a running one, with another database, fails to listen (no
// SO_REUSEPORT sharing of the agents between two databases) and exits 75, which systemd retries.
TEST_F(EndToEndTest, ASecondAggregatorOnAPortInUseExits75) {
  const int port = StartAggregator(NewDatabase("first"));
  ASSERT_GT(port, 0);
  const std::string second = NewDatabase("second");
  const CmdResult r = [&] {
    const std::string cmd = std::string(RAMETTE_AGGREGATOR) + " --db '" + second +
                            "' --listen 127.0.0.1:" + std::to_string(port) + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int rc = pclose(p);
    return CmdResult{WEXITSTATUS(rc), out, ""};
  }();
  EXPECT_EQ(r.code, 75) << r.out;
  EXPECT_NE(r.out.find("address in use"), std::string::npos) << r.out;
}

}  // namespace
