// Sleeper: how the forwarder waits (between retries, and for new records), as a small interface
// so that tests replace real time with a fake one.
#ifndef RAMETTE_AGENT_OUTBOX_SLEEPER_H_
#define RAMETTE_AGENT_OUTBOX_SLEEPER_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace ramette::agent {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Blocks for `duration`, or less once `stop` is requested or, when `wakeable`, once Wake() is
  // called. A Wake() that comes while no wakeable sleep is in progress ends the next one at once.
  virtual void Sleep(std::chrono::milliseconds duration, bool wakeable,
                     const std::stop_token& stop) = 0;
  // Ends the current (or next) wakeable Sleep. Thread-safe.
  virtual void Wake() = 0;
};

// Real time (steady clock). Thread-safe.
class SystemSleeper final : public Sleeper {
 public:
  void Sleep(std::chrono::milliseconds duration, bool wakeable,
             const std::stop_token& stop) override;
  void Wake() override;

 private:
  std::mutex mu_;
  std::condition_variable_any cv_;
  bool woken_ = false;  // guarded by mu_
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_OUTBOX_SLEEPER_H_
