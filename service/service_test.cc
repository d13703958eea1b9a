// SystemdNotifier outside and inside a (fake) service manager, the watchdog sleep cap, and the
// journal detection from $JOURNAL_STREAM.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <string>

#include "service/logging.h"
#include "service/systemd_notifier.h"

namespace ramette::service {
namespace {

using std::chrono::milliseconds;

TEST(SystemdNotifierTest, InactiveWithoutNotifySocket) {
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  SystemdNotifier n;
  EXPECT_FALSE(n.active());
  EXPECT_FALSE(n.watchdog_enabled());
  n.Ready("x");  // no-ops
  n.Watchdog();
  EXPECT_EQ(WatchdogSleepCap(n, milliseconds(10000)), milliseconds(10000));
}

TEST(SystemdNotifierTest, WatchdogIntervalCapsTheSleep) {
  setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
  setenv("WATCHDOG_USEC", "4000000", 1);
  unsetenv("WATCHDOG_PID");
  SystemdNotifier n;
  EXPECT_TRUE(n.active());
  EXPECT_TRUE(n.watchdog_enabled());
  EXPECT_EQ(n.watchdog_interval(), std::chrono::seconds(4));
  EXPECT_EQ(WatchdogSleepCap(n, milliseconds(10000)), milliseconds(2000));
  EXPECT_EQ(WatchdogSleepCap(n, milliseconds(500)), milliseconds(500));
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
}

TEST(LoggingTest, JournalOnlyWhenStderrIsTheJournalStream) {
  unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(StderrIsJournal());
  struct stat st;
  ASSERT_EQ(fstat(2, &st), 0);
  setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(),
         1);
  EXPECT_TRUE(StderrIsJournal());
  setenv("JOURNAL_STREAM", "1:2", 1);  // inherited from a parent whose stderr was the journal
  EXPECT_FALSE(StderrIsJournal());
  unsetenv("JOURNAL_STREAM");
}

}  // namespace
}  // namespace ramette::service
