// sd_notify and sd_watchdog_enabled from libsystemd.
#include "service/systemd_notifier.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

namespace ramette::service {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// STATUS= is one line: a newline would end the assignment.
std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  active_ = socket != nullptr && socket[0] != '\0';
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_usec_ = usec;
}

void SystemdNotifier::Ready(const std::string& status) {
  if (!active_) return;
  sd_notify(0, ("READY=1\nSTATUS=" + OneLine(status)).c_str());
}

void SystemdNotifier::Status(const std::string& status) {
  if (!active_) return;
  sd_notify(0, ("STATUS=" + OneLine(status)).c_str());
}

void SystemdNotifier::Watchdog() {
  if (!active_ || watchdog_usec_ == 0) return;
  const int64_t now = SteadyMs();
  if (now - last_watchdog_ms_ < 1000) return;
  last_watchdog_ms_ = now;
  sd_notify(0, "WATCHDOG=1");
}

void SystemdNotifier::Stopping() {
  if (!active_) return;
  sd_notify(0, "STOPPING=1");
}

std::chrono::milliseconds WatchdogSleepCap(const SystemdNotifier& notifier,
                                           std::chrono::milliseconds cap) {
  if (!notifier.watchdog_enabled()) return cap;
  auto half =
      std::chrono::duration_cast<std::chrono::milliseconds>(notifier.watchdog_interval()) / 2;
  return std::max(std::chrono::milliseconds(1), std::min(cap, half));
}

}  // namespace ramette::service
