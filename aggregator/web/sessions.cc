// In-memory sessions and the random tokens they are named by.
#include "aggregator/web/sessions.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace ramette::aggregator::web {

std::string RandomToken() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::fputs("ramette-web: the kernel gives no random bytes\n", stderr);
      std::abort();
    }
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

bool TokensMatch(std::string_view expected, std::string_view given) {
  if (expected.empty() || expected.size() != given.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i] ^ given[i]);
  }
  return diff == 0;
}

SessionStore::SessionStore(int64_t idle_seconds, int64_t max_seconds,
                           std::function<std::string()> random, size_t max_sessions)
    : idle_seconds_(idle_seconds),
      max_seconds_(max_seconds),
      random_(std::move(random)),
      max_sessions_(max_sessions == 0 ? 1 : max_sessions) {}

bool SessionStore::Expired(const Session& s, int64_t now) const {
  return now - s.last_seen >= idle_seconds_ || now - s.created_at >= max_seconds_ ||
         now < s.created_at;
}

Session SessionStore::Create(const std::string& account, const Viewer& viewer, int64_t now) {
  Session s;
  s.account = account;
  s.viewer = viewer;
  s.created_at = now;
  s.last_seen = now;
  std::lock_guard<std::mutex> lock(mutex_);
  do {
    s.id = random_();
  } while (sessions_.count(s.id) != 0);
  s.csrf_token = random_();
  while (sessions_.size() >= max_sessions_) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_seen < oldest->second.last_seen) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_[s.id] = s;
  return s;
}

std::optional<Session> SessionStore::Find(std::string_view id, int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (Expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

void SessionStore::Remove(std::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) sessions_.erase(it);
}

size_t SessionStore::Sweep(int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = Expired(it->second, now) ? sessions_.erase(it) : std::next(it);
  }
  return sessions_.size();
}

}  // namespace ramette::aggregator::web
