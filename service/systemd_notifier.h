// SystemdNotifier: the sd_notify protocol for Type=notify services (READY=1, STATUS=,
// WATCHDOG=1, STOPPING=1) over libsystemd. Outside systemd every call does nothing.
#ifndef RAMETTE_SERVICE_SYSTEMD_NOTIFIER_H_
#define RAMETTE_SERVICE_SYSTEMD_NOTIFIER_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace ramette::service {

// Thread-safe (each call is one datagram to $NOTIFY_SOCKET). Failures are ignored: a service
// manager that cannot be told is not a reason to stop.
class SystemdNotifier {
 public:
  // Reads $NOTIFY_SOCKET and $WATCHDOG_USEC (sd_watchdog_enabled) once.
  SystemdNotifier();

  // READY=1 with a STATUS= line: start-up is over.
  void Ready(const std::string& status);
  // STATUS=: one line shown by `systemctl status`.
  void Status(const std::string& status);
  // WATCHDOG=1, only when the unit has WatchdogSec (sd_watchdog_enabled) and at most once per
  // second. Call it from the loop that proves the service is alive.
  void Watchdog();
  // STOPPING=1: shutdown began.
  void Stopping();

  // Whether systemd expects WATCHDOG=1, and how often it must get one at least (zero when not).
  bool watchdog_enabled() const { return watchdog_usec_ > 0; }
  std::chrono::microseconds watchdog_interval() const {
    return std::chrono::microseconds(watchdog_usec_);
  }
  // Whether a service manager listens ($NOTIFY_SOCKET was set).
  bool active() const { return active_; }

 private:
  bool active_ = false;
  uint64_t watchdog_usec_ = 0;
  int64_t last_watchdog_ms_ = 0;
};

// The longest a loop should sleep between two Watchdog() calls: half the watchdog interval,
// but never more than `cap` (and `cap` itself when there is no watchdog).
std::chrono::milliseconds WatchdogSleepCap(const SystemdNotifier& notifier,
                                           std::chrono::milliseconds cap);

}  // namespace ramette::service

#endif  // RAMETTE_SERVICE_SYSTEMD_NOTIFIER_H_
