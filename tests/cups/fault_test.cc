// Faults with real processes (label `fault`): a private cupsd, `ramette-aggregator` and
// `ramette-agent`, killed, restarted, cut off, starved of disk and fed a damaged outbox. Each
// test counts the stored jobs at the end against what cupsd printed: none lost, none twice.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/cups/agent_chain.h"

namespace ramette {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Slurp;

class FaultTest : public testing::AgentChainTest {
 protected:
  void TearDown() override {
    AgentChainTest::TearDown();
    if (mounted_) umount2(state_dir_.c_str(), MNT_DETACH);
  }

  // Runs the agent once until it exits by itself (or 20 s pass); returns its exit status.
  int RunAgentUntilItExits() {
    StartAgent();
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (waitpid(agent_, &status, WNOHANG) == agent_) {
        agent_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    return -1;  // still running
  }

  bool mounted_ = false;
};

TEST_F(FaultTest, Kill9TheAgent100TimesDuringAStream) {
  // From right after a start (still loading its cursor) to well into its polling.
  StartAggregator();
  StartAgent();
  KillDuringAStream(
      agent_, [this](int) { StartAgent(); }, 100, milliseconds(20), milliseconds(480),
      milliseconds(60), 7);
  ExpectExactlyOnce(CupsdFinishedJobIds(), seconds(180));
}

TEST_F(FaultTest, Kill9TheAggregator20TimesDuringIngest) {
  StartAggregator();
  StartAgent();
  KillDuringAStream(
      aggregator_pid(), [this](int) { StartAggregator(); }, 20, milliseconds(200),
      milliseconds(1300), milliseconds(30), 11);
  ExpectExactlyOnce(CupsdFinishedJobIds(), seconds(240));
}

TEST_F(FaultTest, AggregatorUnreachableForALongStretchThenBack) {
  StartAgent();
  std::atomic<bool> done{false};
  std::thread printer([&] { PrintStream(done, milliseconds(500)); });
  std::this_thread::sleep_for(seconds(75));  // the agent backs off to its 2-minute cap
  done = true;
  printer.join();
  const std::vector<int> printed = CupsdFinishedJobIds();
  ASSERT_GE(printed.size(), 100u);
  StartAggregator();
  ExpectExactlyOnce(printed, seconds(240));
}

TEST_F(FaultTest, CupsdRestartedDuringAStream) {
  StartAggregator();
  StartAgent();
  std::atomic<bool> done{false};
  std::thread printer([&] { PrintStream(done, milliseconds(100), 60); });
  for (int restart = 0; restart < 4; ++restart) {
    std::this_thread::sleep_for(seconds(3));
    ASSERT_TRUE(cupsd_->Restart().ok());
  }
  done = true;
  printer.join();
  ExpectExactlyOnce(CupsdFinishedJobIds(), seconds(180));
}

TEST_F(FaultTest, OutboxVolumeFullPausesCaptureAndResumesWhenSpaceReturns) {
  std::filesystem::create_directories(state_dir_);
  if (mount("tmpfs", state_dir_.c_str(), "tmpfs", 0, "size=96k,mode=0700") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (" << std::strerror(errno)
                 << "): the full-volume fault needs root and mount rights";
  }
  mounted_ = true;
  StartAgent();  // no aggregator: every record stays in the outbox
  std::atomic<bool> done{false};
  std::thread printer([&] { PrintStream(done, milliseconds(20)); });
  bool full = false;
  for (int i = 0; i < 240 && !full; ++i) {
    std::this_thread::sleep_for(milliseconds(500));
    full = Slurp(agent_log()).find("cannot commit captured records to the outbox") !=
           std::string::npos;
  }
  std::this_thread::sleep_for(seconds(3));  // more jobs finish while capture is paused
  done = true;
  printer.join();
  ASSERT_TRUE(full) << Slurp(agent_log());
  EXPECT_NE(Slurp(agent_log()).find("full"), std::string::npos);
  // Nothing corrupted: the outbox is still a sound database.
  const std::string outbox = state_dir_ + "/outbox.db";
  auto check = testing::RunCommand("sqlite3 -readonly '" + outbox + "' 'PRAGMA integrity_check'");
  ASSERT_TRUE(check.ok()) << check.status().message();
  EXPECT_EQ(*check, "ok\n");
  // Space returns; the aggregator comes: every job printed, paused ones included, arrives once.
  ASSERT_EQ(mount("tmpfs", state_dir_.c_str(), "tmpfs", MS_REMOUNT, "size=64m,mode=0700"), 0)
      << std::strerror(errno);
  StartAggregator();
  ExpectExactlyOnce(CupsdFinishedJobIds(), seconds(180));
}

TEST_F(FaultTest, DamagedOutboxAtStartIsRefusedAndLeftUntouched) {
  // An outbox holding records the aggregator has not acknowledged yet.
  StartAgent();
  const std::string doc = cupsd_->WriteDocument(1);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(cupsd_->Print("q1", doc).ok());
  std::this_thread::sleep_for(seconds(6));
  testing::StopProcess(agent_, SIGTERM);
  const std::string outbox = state_dir_ + "/outbox.db";
  const std::string good = Slurp(outbox);
  ASSERT_GT(good.size(), 8192u);

  struct Damage {
    const char* what;
    std::string bytes;
  };
  std::string garbled = good;
  for (size_t i = 4096; i < 4096 + 512 && i < garbled.size(); ++i) garbled[i] = '\x5a';
  const std::vector<Damage> damages = {
      {"truncated", good.substr(0, good.size() / 2 + 100)},
      {"garbled page", garbled},
      {"not a database", std::string(good.size(), 'x')},
  };
  for (const Damage& d : damages) {
    std::ofstream(outbox, std::ios::binary | std::ios::trunc) << d.bytes;
    const size_t log_before = Slurp(agent_log()).size();
    EXPECT_EQ(RunAgentUntilItExits(), 78) << d.what;  // EX_CONFIG: systemd does not loop
    const std::string said = Slurp(agent_log()).substr(log_before);
    EXPECT_NE(said.find(outbox), std::string::npos) << d.what << ": " << said;
    EXPECT_EQ(Slurp(outbox), d.bytes) << d.what << ": the damaged outbox was modified";
  }
  // The intact outbox put back: its records reach the aggregator, once.
  std::ofstream(outbox, std::ios::binary | std::ios::trunc) << good;
  StartAggregator();
  StartAgent();
  ExpectExactlyOnce(CupsdFinishedJobIds(), seconds(120));
}

}  // namespace
}  // namespace ramette
