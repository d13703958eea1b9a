// The daemons speak the sd_notify protocol: started with NOTIFY_SOCKET and WATCHDOG_USEC as
// systemd sets them, each sends READY=1 with a STATUS= line once started, WATCHDOG=1 from its
// main loop at least every half interval, and STOPPING=1 on SIGTERM. The agent is tested with
// neither cupsd nor an aggregator reachable: its loop must still prove liveness.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using ::testing::HasSubstr;

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ramette-notify-XXXXXX";
    dir_ = mkdtemp(tmpl);
    socket_path_ = dir_ + "/notify.sock";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path_.c_str());
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(fd_);
    std::filesystem::remove_all(dir_);
  }

  void Spawn(const std::vector<std::string>& argv) {
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      setenv("NOTIFY_SOCKET", socket_path_.c_str(), 1);
      setenv("WATCHDOG_USEC", "2000000", 1);  // 2 s: a WATCHDOG=1 at least every second
      unsetenv("WATCHDOG_PID");
      std::string log = dir_ + "/daemon.log";
      freopen(log.c_str(), "a", stderr);
      freopen("/dev/null", "w", stdout);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }

  // The datagrams received within `timeout`, stopping early once `until` was seen `count` times.
  std::vector<std::string> Receive(std::chrono::seconds timeout, const std::string& until,
                                   int count) {
    std::vector<std::string> got;
    int seen = 0;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && seen < count) {
      pollfd p = {fd_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      got.emplace_back(buf, static_cast<size_t>(n));
      if (got.back().find(until) != std::string::npos) ++seen;
    }
    return got;
  }

  void ExpectLifecycle(const std::string& ready_status) {
    auto first = Receive(std::chrono::seconds(20), "READY=1", 1);
    ASSERT_FALSE(first.empty()) << "no READY=1";
    EXPECT_THAT(first.back(), HasSubstr("READY=1\nSTATUS=" + ready_status));
    auto beats = Receive(std::chrono::seconds(10), "WATCHDOG=1", 3);
    int watchdogs = 0;
    for (const auto& m : beats) watchdogs += m == "WATCHDOG=1";
    EXPECT_GE(watchdogs, 3) << "fewer than 3 WATCHDOG=1 in 10 s with WatchdogSec=2";
    kill(pid_, SIGTERM);
    auto last = Receive(std::chrono::seconds(20), "STOPPING=1", 1);
    bool stopping = false;
    for (const auto& m : last) stopping = stopping || m == "STOPPING=1";
    EXPECT_TRUE(stopping);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

  std::string dir_, socket_path_;
  int fd_ = -1;
  pid_t pid_ = -1;
};

TEST_F(NotifyTest, Aggregator) {
  std::ofstream(dir_ + "/aggregator.toml") << "[metrics]\nlisten = \"127.0.0.1:0\"\n";
  Spawn({RAMETTE_AGGREGATOR, "--config", dir_ + "/aggregator.toml", "--db", dir_ + "/r.db",
         "--listen", "127.0.0.1:0"});
  ExpectLifecycle("listening on 127.0.0.1:");
}

TEST_F(NotifyTest, AgentWithNothingReachable) {
  Spawn({RAMETTE_AGENT, "--config", "/dev/null", "--server-id", "prn-notify", "--cups-server",
         "127.0.0.1:1", "--aggregator", "127.0.0.1:1", "--state-dir", dir_ + "/state"});
  ExpectLifecycle("capturing from 127.0.0.1:1");
}

}  // namespace
