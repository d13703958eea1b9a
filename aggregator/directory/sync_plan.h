// The directory sync's rules, once (DESIGN.md "[directory]", README "Directory sync"), with no
// I/O: which user and direction each directory entry gives (ResolveUsers, ResolveDirection), and
// what a sync writes into the effective-dated users rows (PlanSync), so that the engines only
// store and the fakes in tests exercise the same rules.
#ifndef RAMETTE_AGGREGATOR_DIRECTORY_SYNC_PLAN_H_
#define RAMETTE_AGGREGATOR_DIRECTORY_SYNC_PLAN_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aggregator/directory/directory_reader.h"
#include "aggregator/directory/directory_settings.h"
#include "aggregator/model/inventory.h"
#include "aggregator/model/user_names.h"
#include "aggregator/store/directory_store.h"
#include "common/civil_time.h"
#include "common/status.h"

namespace ramette::aggregator::directory {

// A value longer than this (bytes) is refused as a user name or direction.
inline constexpr size_t kMaxValueBytes = 1024;

// How an entry's direction is found.
struct DirectionRule {
  // An attribute name, or kDnOu for the OUs of the entry's DN.
  std::string attribute;
  // Value -> direction, in the config's order; compared without ASCII case (DNs are). Empty:
  // the value itself is the direction.
  std::vector<std::pair<std::string, std::string>> mapping;
};

// The direction of one entry:
//  - the values: the attribute's (several for memberOf), or with kDnOu the OU values of the DN
//    from the entry up (`CN=x,OU=Compta,OU=DAF,DC=...`: Compta, then DAF);
//  - with a mapping: the first mapping key, in the config's order, that is one of the values
//    gives the direction; none is `unmapped` (not an error: reported);
//  - without: the one value (with kDnOu the OU nearest the entry); none or several values, or
//    a value with control characters, not UTF-8 or over kMaxValueBytes is a `problem`.
struct DirectionResolution {
  std::optional<std::string> direction;
  bool unmapped = false;
  std::vector<std::string> values;  // what the entry had (for the report)
  std::string problem;              // why the entry cannot give a direction
};
DirectionResolution ResolveDirection(const DirectoryEntry& entry, const DirectionRule& rule);

// The OU values of `dn` from the leaf up, unescaped (RFC 4514 `\,` and `\2C`).
std::vector<std::string> OusOfDn(std::string_view dn);

struct SkippedEntry {
  std::string dn;
  std::string reason;
};
struct UnmappedEntry {
  std::string dn;
  std::string user;
  std::vector<std::string> values;
};

// What the directory says, after the rules.
struct DirectorySnapshot {
  int64_t entries = 0;
  // Normalised user -> direction.
  std::map<std::string, std::string> directions;
  // Every user an entry named, direction or not: a user the sync cannot place (unmapped value,
  // bad direction) keeps their current row rather than being closed.
  std::set<std::string> present;
  std::vector<SkippedEntry> skipped;
  std::vector<UnmappedEntry> unmapped;
};

// The users of `entries`: `user_attribute`'s one value, normalised by `names` (the store's
// [users] rule, model/user_names.h), and its direction. Entries without the user attribute,
// with several values of it, or a value with control characters / not UTF-8 / over
// kMaxValueBytes, are skipped by DN. Two entries naming the same user with different
// directions leave that user unplaced (skipped by the later DN).
DirectorySnapshot ResolveUsers(const std::vector<DirectoryEntry>& entries,
                               std::string_view user_attribute, const DirectionRule& rule,
                               const model::UserNameRule& names);

struct UserAndDirection {
  std::string user;
  std::string direction;
};
struct UserMove {
  std::string user;
  std::string from;
  std::string to;
};

struct SyncPlan {
  std::vector<UserAndDirection> added;
  std::vector<UserMove> moved;
  std::vector<UserAndDirection> closed;
  // Users the directory names who have a CSV row in force on or after the sync date: left as
  // the CSV says.
  std::vector<std::string> overridden;
  // Users with an open directory row before the sync (the guard's denominator).
  int64_t directory_users = 0;
  // The writes (record filled except synced_at).
  store::DirectoryChanges changes;

  bool empty() const {
    return changes.closes.empty() && changes.removes.empty() && changes.opens.empty() &&
           changes.workstations.empty();
  }
};

// The effective-dated rule. `rows` are the stored users rows, compared after `names`.
//  - A user with a CSV row in force on `date` or later (no valid_to, or valid_to > date) is a
//    manual override: never opened, moved or closed (`overridden`).
//  - A user the directory places who has no open directory row is added: from an open start
//    when the user has no row at all, else from `date`.
//  - A different direction closes the open row at `date` (exclusive end) and opens one from
//    `date`; the same direction writes nothing.
//  - A user with an open directory row whom no entry names is closed at `date`.
//  - A row opened on `date` itself is removed instead of closed (it never applied).
// FailedPrecondition when a directory row starts or ends after `date` (a sync dated before an
// earlier one).
Result<SyncPlan> PlanSync(const std::vector<store::StoredUserRow>& rows,
                          const DirectorySnapshot& snapshot, const model::UserNameRule& names,
                          Day date);

// The workstation counts to record at `date`: the computers of each direction (the same
// direction rule as users), for the directions whose latest count on or before `date` in
// `stored` differs (or is missing). Computers without a direction are added to `skipped`.
std::vector<model::WorkstationCount> PlanWorkstations(
    const std::vector<DirectoryEntry>& computers, const DirectionRule& rule,
    const std::vector<model::WorkstationCount>& stored, Day date,
    std::vector<SkippedEntry>* skipped);

// The safety guard: FailedPrecondition (nothing to write) when the plan closes more than
// `max_close_share` of plan.directory_users, explaining --force.
Status CheckCloseShare(const SyncPlan& plan, double max_close_share);

}  // namespace ramette::aggregator::directory

#endif  // RAMETTE_AGGREGATOR_DIRECTORY_SYNC_PLAN_H_
