// Dashboard sessions, in memory: random 256-bit ids, an idle and an absolute expiry, a CSRF token
// per session. A restart of ramette-web forgets them all (everyone logs in again). Core: no HTTP.
#ifndef RAMETTE_AGGREGATOR_WEB_SESSIONS_H_
#define RAMETTE_AGGREGATOR_WEB_SESSIONS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aggregator/web/pages/web_pages.h"

namespace ramette::aggregator::web {

// 32 random bytes from the kernel (getrandom), as 64 lower-case hex digits. Aborts the process
// when the kernel gives none: a guessable session id is worse than no dashboard.
std::string RandomToken();

// True when both are non-empty and equal; the time taken depends only on the lengths.
bool TokensMatch(std::string_view expected, std::string_view given);

struct Session {
  std::string id;          // the cookie's value
  std::string account;     // the account name
  Viewer viewer;           // its role and direction at login
  std::string csrf_token;  // to send back with every POST of this session
  int64_t created_at = 0;  // unix seconds
  int64_t last_seen = 0;   // unix seconds: the last request that found it
};

// Thread-safe (one mutex, never held while calling out, except to `random`).
class SessionStore {
 public:
  // Sessions end `idle_seconds` after their last use and `max_seconds` after their creation,
  // whichever comes first. `random` makes ids and CSRF tokens (RandomToken by default; tests
  // pass their own). At most `max_sessions` live at once: the least recently used goes first.
  SessionStore(int64_t idle_seconds, int64_t max_seconds,
               std::function<std::string()> random = RandomToken, size_t max_sessions = 10000);

  // A new session for `account` seen as `viewer` at `now`.
  Session Create(const std::string& account, const Viewer& viewer, int64_t now);
  // The live session with this id, its last_seen moved to `now`; empty (and forgotten) when
  // unknown or expired.
  std::optional<Session> Find(std::string_view id, int64_t now);
  // Forgets the session (logout); nothing when unknown.
  void Remove(std::string_view id);
  // Forgets every expired session; returns how many live.
  size_t Sweep(int64_t now);

  int64_t idle_seconds() const { return idle_seconds_; }
  int64_t max_seconds() const { return max_seconds_; }

 private:
  bool Expired(const Session& s, int64_t now) const;

  const int64_t idle_seconds_;
  const int64_t max_seconds_;
  const std::function<std::string()> random_;
  const size_t max_sessions_;
  std::mutex mutex_;
  std::map<std::string, Session, std::less<>> sessions_;  // by id
};

}  // namespace ramette::aggregator::web

#endif  // RAMETTE_AGGREGATOR_WEB_SESSIONS_H_
