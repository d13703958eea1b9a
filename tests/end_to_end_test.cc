// End to end through the real executables: `ramette-aggregator` serving gRPC on loopback, the
// `ramette` imports (good and malformed files) and `indicators` in every format, and the
// guarantee that the figures do not depend on whether imports came before or after the jobs.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "ramette/v1/ingest.grpc.pb.h"

namespace {

namespace fs = std::filesystem;

struct CmdResult {
  int code;
  std::string out;
  std::string err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ramette-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    StopAggregator();
    fs::remove_all(dir_);
  }

  CmdResult Ramette(const std::string& args) {
    std::string cmd =
        std::string(RAMETTE_CLI) + " " + args + " >" + dir_ + "/out 2>" + dir_ + "/err";
    int rc = std::system(cmd.c_str());
    return CmdResult{WEXITSTATUS(rc), Slurp(dir_ + "/out"), Slurp(dir_ + "/err")};
  }

  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << content;
  }

  // Starts ramette-aggregator on 127.0.0.1 with a free port, returns the port.
  int StartAggregator(const std::string& db) {
    std::string log = dir_ + "/agg" + std::to_string(++starts_) + ".log";
    pid_ = fork();
    if (pid_ == 0) {
      freopen(log.c_str(), "w", stderr);
      freopen("/dev/null", "w", stdout);
      execl(RAMETTE_AGGREGATOR, RAMETTE_AGGREGATOR, "--db", db.c_str(), "--listen", "127.0.0.1:0",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      std::string text = Slurp(log);
      size_t at = text.find("listening on 127.0.0.1:");
      if (at != std::string::npos) return std::atoi(text.c_str() + at + 23);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "aggregator did not start: " << Slurp(log);
    return 0;
  }
  void StopAggregator() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

  void SendJobs(int port) {
    auto stub = ramette::v1::Ingest::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
    ramette::v1::SubmitJobsRequest req;
    req.set_server_id("prn-a");
    auto add = [&](int id, const char* queue, const char* user, int64_t t, int copies, int imp,
                   ramette::v1::Sides sides, const char* media) {
      auto* j = req.add_jobs();
      j->set_queue(queue);
      j->set_cups_job_id(id);
      j->set_user(user);
      j->set_completed_at_unix(t);
      j->set_state(ramette::v1::JOB_STATE_COMPLETED);
      j->set_copies(copies);
      j->set_impressions_completed(imp);
      j->set_sides(sides);
      j->set_media(media);
    };
    // 2017 (N-1): 1000 A4 one-sided sheets by alice on the desktop printer of DAF.
    add(1, "daf-1", "alice", 1500000000, 1, 1000, ramette::v1::SIDES_ONE_SIDED, "A4");
    // 2018 (N): alice 3 pages two-sided x 3 copies = 6 sheets; bob (unknown user) 400 A3 one-sided
    // on the DRH copier = 400 A3 sheets = 800 A4 equivalents; 2018-12-31T23:30Z is 2019 in Paris.
    add(2, "daf-1", "alice", 1530000000, 3, 9, ramette::v1::SIDES_TWO_SIDED_LONG_EDGE,
        "iso_a4_210x297mm");
    add(3, "drh-mfp", "bob", 1530000100, 1, 400, ramette::v1::SIDES_ONE_SIDED, "iso_a3_297x420mm");
    add(4, "drh-mfp", "bob", 1546299000, 1, 50, ramette::v1::SIDES_ONE_SIDED, "A4");
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ramette::v1::SubmitJobsResponse resp;
    grpc::Status st = stub->SubmitJobs(&ctx, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(resp.results_size(), 4);
    for (const auto& r : resp.results()) EXPECT_EQ(r.status(), ramette::v1::RECORD_STATUS_ACCEPTED);
  }

  void ImportAll(const std::string& db) {
    Write("papers.csv", "paper_id;recycled;grammage_gsm\nstd80;no;80\nrec80;yes;80\n");
    Write("devices.csv",
          "server,queue,class,direction,paper_id,in_service,out_of_service\n"
          "prn-a,daf-1,desktop_printer,DAF,std80,2015-01-01,\n"
          "prn-a,drh-mfp,mfp,DRH,rec80,2016-06-01,\n"
          "prn-a,old-1,desktop_printer,DAF,std80,2010-01-01,2018-12-31\n");
    Write("users.csv", "user,direction\nalice,DAF\n");
    Write("ws.csv",
          "direction,date,count\nDAF,2018-01-01,10\nDRH,2018-06-30,4\nDRH,2019-01-01,99\n");
    for (auto [kind, file] : {std::pair{"papers", "papers.csv"},
                              {"devices", "devices.csv"},
                              {"users", "users.csv"},
                              {"workstations", "ws.csv"}}) {
      CmdResult r = Ramette("--db " + db + " import " + kind + " " + dir_ + "/" + file);
      ASSERT_EQ(r.code, 0) << r.err;
    }
  }

  nlohmann::json Indicators(const std::string& db) {
    CmdResult r = Ramette("--db " + db + " indicators --year 2018 --format json");
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  std::string dir_;
  pid_t pid_ = -1;
  int starts_ = 0;
};

TEST_F(EndToEndTest, HandComputedIndicatorsWhateverTheImportOrder) {
  // Database 1: jobs first, imports after. Database 2: imports first.
  std::string db1 = dir_ + "/jobs-first.db", db2 = dir_ + "/imports-first.db";
  SendJobs(StartAggregator(db1));
  StopAggregator();
  ImportAll(db1);
  ImportAll(db2);
  SendJobs(StartAggregator(db2));
  StopAggregator();

  nlohmann::json j = Indicators(db1);
  EXPECT_EQ(j, Indicators(db2));
  const double a4 = 4.9896;  // grams per A4 sheet at 80 g/m²
  auto& org = j["organisation"];
  // N: 6 A4 + 400 A3 (= 800 A4); job 4 belongs to 2019 in Paris. No print shop.
  EXPECT_EQ(org["sheets"], 406);
  EXPECT_NEAR(org["paper_kg"].get<double>(), 806 * a4 / 1000, 1e-9);
  // N-1: 1000 A4. I1 = (806 - 1000) / 1000 = -19.4 %.
  EXPECT_NEAR(org["paper_change_pct"].get<double>(), -19.4, 1e-9);
  // I2: the A3 sheets are on recycled stock: 800 / 806.
  EXPECT_NEAR(org["recycled_share_pct"].get<double>(), 800.0 / 806 * 100, 1e-9);
  // Desktop printers on 31 Dec 2018: daf-1 (old-1 retired that day); 31 Dec 2017: daf-1, old-1.
  EXPECT_EQ(org["desktop_printers"], 1);
  EXPECT_NEAR(org["desktop_printers_change_pct"].get<double>(), -50.0, 1e-9);
  // MFPs: drh-mfp in both years: 0 %.
  EXPECT_EQ(org["mfps"], 1);
  EXPECT_NEAR(org["mfp_change_pct"].get<double>(), 0.0, 1e-9);
  // Workstations: DAF 10 + DRH 4 (the 2019 count is ignored) = 14.
  EXPECT_EQ(org["workstations"], 14);
  EXPECT_NEAR(org["kg_per_workstation"].get<double>(), 806 * a4 / 1000 / 14, 1e-9);

  ASSERT_EQ(j["directions"].size(), 2u);
  auto& daf = j["directions"][0];
  auto& drh = j["directions"][1];
  EXPECT_EQ(daf["direction"], "DAF");
  EXPECT_EQ(daf["sheets"], 6);
  EXPECT_NEAR(daf["paper_change_pct"].get<double>(), (6 - 1000) / 1000.0 * 100, 1e-9);
  EXPECT_EQ(drh["direction"], "DRH");  // bob is unknown: the device's direction
  EXPECT_EQ(drh["sheets"], 400);
  EXPECT_TRUE(drh["paper_change_pct"].is_null());  // no DRH paper in 2017
  EXPECT_NEAR(drh["kg_per_workstation"].get<double>(), 800 * a4 / 1000 / 4, 1e-9);

  CmdResult table = Ramette("--db " + db1 + " indicators --year 2018");
  EXPECT_EQ(table.code, 0);
  EXPECT_NE(table.out.find("DAF"), std::string::npos);
  CmdResult csv = Ramette("--db " + db1 + " indicators --year 2018 --format csv --direction DRH");
  EXPECT_EQ(csv.code, 0) << csv.err;
  EXPECT_NE(csv.out.find("DRH"), std::string::npos);
  EXPECT_EQ(csv.out.find("DAF"), std::string::npos);
  CmdResult unknown = Ramette("--db " + db1 + " indicators --year 2018 --direction NOPE");
  EXPECT_NE(unknown.code, 0);
  EXPECT_NE(unknown.err.find("NOPE"), std::string::npos);
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
  StopAggregator();
  nlohmann::json before = Indicators(db1);
  EXPECT_NEAR(before["organisation"]["recycled_share_pct"].get<double>(), 0.0, 1e-12);
  import(db1);
  import(db2);
  send(StartAggregator(db2));
  StopAggregator();

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
  EXPECT_NE(Slurp(dir_ + "/err").find("without TLS and agent tokens"), std::string::npos);
}

}  // namespace
