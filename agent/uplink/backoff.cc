// Backoff: the ceiling doubles per failure up to the cap; the delay is drawn below it, down to
// (1 − jitter) of it.
#include "agent/uplink/backoff.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <utility>

namespace ramette::agent {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap,
                 std::function<double()> uniform01, double jitter)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      cap_(std::max(cap, initial_)),
      uniform01_(std::move(uniform01)),
      jitter_(std::clamp(jitter, 0.0, 1.0)) {
  if (!uniform01_) {
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    uniform01_ = [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
  }
}

std::chrono::milliseconds Backoff::Ceiling() const {
  auto ceiling = initial_;
  for (int i = 0; i < failures_ && ceiling < cap_; ++i) ceiling *= 2;
  return std::min(ceiling, cap_);
}

std::chrono::milliseconds Backoff::NextDelay() {
  const double bound = static_cast<double>(Ceiling().count());
  ++failures_;
  const double u = std::clamp(uniform01_(), 0.0, 1.0);
  return std::chrono::milliseconds(std::llround(bound * (1.0 - jitter_ + jitter_ * u)));
}

}  // namespace ramette::agent
