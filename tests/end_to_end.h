// The end-to-end fixture over the real executables (end_to_end_test.cc, and against PostgreSQL
// end_to_end_postgres_test.cc): `ramette-aggregator`s serving gRPC on loopback, all on one
// database of the chosen engine (tests/test_database.h), and the `ramette` CLI. Paths come from
// RAMETTE_CLI and RAMETTE_AGGREGATOR (compile definitions).
#ifndef RAMETTE_TESTS_END_TO_END_H_
#define RAMETTE_TESTS_END_TO_END_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <barrier>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ramette/v1/ingest.grpc.pb.h"
#include "tests/test_database.h"

namespace ramette::testing {

struct CmdResult {
  int code;
  std::string out;
  std::string err;
};

inline std::string SlurpFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class EndToEndTest : public ::testing::Test {
 protected:
  explicit EndToEndTest(Engine engine = Engine::kSqlite) : engine_(engine) {}

  void SetUp() override {
    char tmpl[] = "/tmp/ramette-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto databases = TestDatabases::Start(engine_, dir_);
    if (databases.status().code() == Status::Code::kFailedPrecondition) {
      GTEST_SKIP() << databases.status().message();
    }
    ASSERT_TRUE(databases.ok()) << databases.status().message();
    databases_ = std::move(*databases);
  }
  void TearDown() override {
    StopAggregators();
    databases_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A new empty database of the fixture's engine: what --db takes.
  std::string NewDatabase(const std::string& name) {
    auto db = databases_->Create(name);
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? *db : dir_ + "/unusable";
  }
  // "--db 'LOCATION'" (a PostgreSQL URI holds '?').
  static std::string Db(const std::string& db) { return "--db '" + db + "'"; }

  CmdResult Ramette(const std::string& args) {
    std::string cmd =
        std::string(RAMETTE_CLI) + " " + args + " >" + dir_ + "/out 2>" + dir_ + "/err";
    int rc = std::system(cmd.c_str());
    return CmdResult{WEXITSTATUS(rc), SlurpFile(dir_ + "/out"), SlurpFile(dir_ + "/err")};
  }

  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << content;
  }

  // Starts one more ramette-aggregator on `db`, on 127.0.0.1 with a free port; returns the port.
  int StartAggregator(const std::string& db) {
    std::string log = dir_ + "/agg" + std::to_string(++starts_) + ".log";
    pid_t pid = fork();
    if (pid == 0) {
      freopen(log.c_str(), "w", stderr);
      freopen("/dev/null", "w", stdout);
      execl(RAMETTE_AGGREGATOR, RAMETTE_AGGREGATOR, "--db", db.c_str(), "--listen", "127.0.0.1:0",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    pids_.push_back(pid);
    for (int i = 0; i < 200; ++i) {
      std::string text = SlurpFile(log);
      size_t at = text.find("listening on 127.0.0.1:");
      if (at != std::string::npos) return std::atoi(text.c_str() + at + 23);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "aggregator did not start: " << SlurpFile(log);
    return 0;
  }
  // Starts `n` aggregators on the same database; returns their ports.
  std::vector<int> StartAggregators(const std::string& db, int n) {
    std::vector<int> ports;
    for (int i = 0; i < n; ++i) ports.push_back(StartAggregator(db));
    return ports;
  }
  // Stops every aggregator started.
  void StopAggregators() {
    for (pid_t pid : pids_) {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
    pids_.clear();
  }

  // Four jobs of server prn-a over 2017-2019 on queues daf-1 and drh-mfp.
  static ramette::v1::SubmitJobsRequest HandComputedJobs() {
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
    return req;
  }

  // Sends `req` through every aggregator of `ports` at the same moment (each client connected
  // first). Every job must be accepted by exactly one of them and be a duplicate for the others.
  void SendJobsThroughAll(const std::vector<int>& ports,
                          const ramette::v1::SubmitJobsRequest& req = HandComputedJobs()) {
    std::vector<ramette::v1::SubmitJobsResponse> responses(ports.size());
    std::vector<grpc::Status> statuses(ports.size());
    std::barrier ready(static_cast<std::ptrdiff_t>(ports.size()));
    std::vector<std::thread> senders;
    for (size_t i = 0; i < ports.size(); ++i) {
      senders.emplace_back([&, i] {
        auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(ports[i]),
                                           grpc::InsecureChannelCredentials());
        auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(10);
        channel->WaitForConnected(deadline);
        auto stub = ramette::v1::Ingest::NewStub(channel);
        grpc::ClientContext ctx;
        ctx.set_deadline(deadline);
        ready.arrive_and_wait();
        statuses[i] = stub->SubmitJobs(&ctx, req, &responses[i]);
      });
    }
    for (std::thread& t : senders) t.join();
    std::map<int, int> accepted;  // job index -> how many aggregators accepted it
    for (size_t i = 0; i < ports.size(); ++i) {
      ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
      ASSERT_EQ(responses[i].results_size(), req.jobs_size());
      for (int k = 0; k < req.jobs_size(); ++k) {
        const auto status = responses[i].results(k).status();
        EXPECT_TRUE(status == ramette::v1::RECORD_STATUS_ACCEPTED ||
                    status == ramette::v1::RECORD_STATUS_DUPLICATE)
            << "job " << k << " through aggregator " << i << ": " << status;
        if (status == ramette::v1::RECORD_STATUS_ACCEPTED) ++accepted[k];
      }
    }
    for (int k = 0; k < req.jobs_size(); ++k) {
      EXPECT_EQ(accepted[k], 1) << "job " << k << " accepted by " << accepted[k] << " of "
                                << ports.size() << " aggregators";
    }
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
      CmdResult r = Ramette(Db(db) + " import " + kind + " " + dir_ + "/" + file);
      ASSERT_EQ(r.code, 0) << r.err;
    }
  }

  nlohmann::json Indicators(const std::string& db) {
    CmdResult r = Ramette(Db(db) + " indicators --year 2018 --format json");
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  // Jobs sent through `aggregators` aggregators at once into one database, imports after them;
  // the same into a second database with the imports first: both give the hand-computed
  // indicators, each job counted once.
  void ExpectHandComputedIndicatorsWhateverTheImportOrder(int aggregators) {
    // Database 1: jobs first, imports after. Database 2: imports first.
    const std::string db1 = NewDatabase("jobs_first"), db2 = NewDatabase("imports_first");
    SendJobsThroughAll(StartAggregators(db1, aggregators));
    StopAggregators();
    ImportAll(db1);
    ImportAll(db2);
    SendJobsThroughAll(StartAggregators(db2, aggregators));
    StopAggregators();

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

    CmdResult table = Ramette(Db(db1) + " indicators --year 2018");
    EXPECT_EQ(table.code, 0);
    EXPECT_NE(table.out.find("DAF"), std::string::npos);
    CmdResult csv = Ramette(Db(db1) + " indicators --year 2018 --format csv --direction DRH");
    EXPECT_EQ(csv.code, 0) << csv.err;
    EXPECT_NE(csv.out.find("DRH"), std::string::npos);
    EXPECT_EQ(csv.out.find("DAF"), std::string::npos);
    CmdResult unknown = Ramette(Db(db1) + " indicators --year 2018 --direction NOPE");
    EXPECT_NE(unknown.code, 0);
    EXPECT_NE(unknown.err.find("NOPE"), std::string::npos);
  }

  const Engine engine_;
  std::unique_ptr<TestDatabases> databases_;
  std::string dir_;
  std::vector<pid_t> pids_;
  int starts_ = 0;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_END_TO_END_H_
