// The directory sync's rules: entries -> users and directions -> the users rows to write.
#include "aggregator/directory/sync_plan.h"

#include <algorithm>
#include <cstdio>

#include "common/utf8.h"

namespace ramette::aggregator::directory {

namespace {

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

// Why `value` cannot be a user name or a direction; "" when it can.
std::string BadValue(std::string_view value) {
  if (value.size() > kMaxValueBytes) return "longer than 1 KiB";
  if (std::string control = ControlCharacterProblem(value); !control.empty()) {
    return "has a " + control;
  }
  if (!IsValidUtf8(value)) return "is not UTF-8";
  return "";
}

const std::vector<std::string>* Values(const DirectoryEntry& e, std::string_view attribute) {
  auto it = e.attributes.find(Lowered(attribute));
  return it == e.attributes.end() ? nullptr : &it->second;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = LowerAscii(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::vector<std::string> OusOfDn(std::string_view dn) {
  std::vector<std::string> ous;
  size_t i = 0;
  while (i < dn.size()) {
    // One RDN: attribute type '=' value up to an unescaped ',' (a '+' joins attribute values of
    // a multi-valued RDN; each is looked at).
    while (i < dn.size() && dn[i] == ' ') ++i;
    size_t eq = dn.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string type(dn.substr(i, eq - i));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    std::string value;
    size_t j = eq + 1;
    for (; j < dn.size() && dn[j] != ',' && dn[j] != '+'; ++j) {
      if (dn[j] == '\\' && j + 1 < dn.size()) {
        const int hi = HexDigit(dn[j + 1]);
        const int lo = j + 2 < dn.size() ? HexDigit(dn[j + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
          value.push_back(static_cast<char>(hi * 16 + lo));
          j += 2;
        } else {
          value.push_back(dn[j + 1]);
          ++j;
        }
      } else {
        value.push_back(dn[j]);
      }
    }
    if (EqualsNoCase(type, "ou")) ous.push_back(value);
    i = j + 1;
  }
  return ous;
}

DirectionResolution ResolveDirection(const DirectoryEntry& entry, const DirectionRule& rule) {
  DirectionResolution r;
  const bool from_dn = EqualsNoCase(rule.attribute, kDnOu);
  if (from_dn) {
    r.values = OusOfDn(entry.dn);
  } else if (const std::vector<std::string>* v = Values(entry, rule.attribute)) {
    r.values = *v;
  }
  if (!rule.mapping.empty()) {
    for (const auto& [key, direction] : rule.mapping) {
      for (const std::string& v : r.values) {
        if (EqualsNoCase(v, key)) {
          r.direction = direction;
          return r;
        }
      }
    }
    if (r.values.empty()) {
      r.problem = from_dn ? "no OU in its DN" : "no " + rule.attribute + " value";
    } else {
      r.unmapped = true;
    }
    return r;
  }
  if (r.values.empty()) {
    r.problem = from_dn ? "no OU in its DN" : "no " + rule.attribute + " value";
    return r;
  }
  if (!from_dn && r.values.size() > 1) {
    r.problem =
        std::to_string(r.values.size()) + " " + rule.attribute + " values where one is expected";
    return r;
  }
  const std::string& value = r.values.front();
  const std::string bad = BadValue(value);
  if (!bad.empty() || value.empty()) {
    r.problem = "its direction value " + (bad.empty() ? std::string("is empty") : bad);
    return r;
  }
  if (std::optional<std::string> reserved = model::ReservedDirectionProblem(value)) {
    r.problem = *reserved;
    return r;
  }
  r.direction = value;
  return r;
}

DirectorySnapshot ResolveUsers(const std::vector<DirectoryEntry>& entries,
                               std::string_view user_attribute, const DirectionRule& rule,
                               const model::UserNameRule& names) {
  DirectorySnapshot s;
  s.entries = static_cast<int64_t>(entries.size());
  std::map<std::string, const DirectoryEntry*> first_entry;  // user -> the entry that placed it
  std::set<std::string> conflicting;
  for (const DirectoryEntry& e : entries) {
    const std::vector<std::string>* users = Values(e, user_attribute);
    if (users == nullptr || users->empty()) {
      s.skipped.push_back({e.dn, "no " + std::string(user_attribute) + " value"});
      continue;
    }
    if (users->size() > 1) {
      s.skipped.push_back({e.dn, std::to_string(users->size()) + " " + std::string(user_attribute) +
                                     " values where one is expected"});
      continue;
    }
    const std::string bad = BadValue(users->front());
    if (!bad.empty()) {
      s.skipped.push_back({e.dn, "its " + std::string(user_attribute) + " " + bad});
      continue;
    }
    std::string user = model::NormalizeUserName(users->front(), names);
    if (user.empty()) {
      s.skipped.push_back({e.dn, "an empty " + std::string(user_attribute)});
      continue;
    }
    s.present.insert(user);
    DirectionResolution d = ResolveDirection(e, rule);
    if (d.unmapped) {
      s.unmapped.push_back({e.dn, user, d.values});
      continue;
    }
    if (!d.direction) {
      s.skipped.push_back({e.dn, d.problem});
      continue;
    }
    auto [it, added] = s.directions.try_emplace(user, *d.direction);
    if (added) {
      first_entry[user] = &e;
    } else if (it->second != *d.direction || conflicting.contains(user)) {
      s.skipped.push_back({e.dn, "user '" + user + "' is also " + first_entry[user]->dn +
                                     " with another direction: neither is applied"});
      conflicting.insert(user);
    }
  }
  for (const std::string& user : conflicting) s.directions.erase(user);
  return s;
}

Result<SyncPlan> PlanSync(const std::vector<store::StoredUserRow>& rows,
                          const DirectorySnapshot& snapshot, const model::UserNameRule& names,
                          Day date) {
  struct UserRows {
    bool any = false;
    bool csv_in_force = false;
    const store::StoredUserRow* open = nullptr;  // the open directory row
  };
  std::map<std::string, UserRows> users;
  for (const store::StoredUserRow& r : rows) {
    UserRows& u = users[model::NormalizeUserName(r.row.user, names)];
    u.any = true;
    if (r.source == store::UserRowSource::kCsv) {
      if (!r.row.valid_to || *r.row.valid_to > date) u.csv_in_force = true;
      continue;
    }
    if ((r.row.valid_from && *r.row.valid_from > date) ||
        (r.row.valid_to && *r.row.valid_to > date)) {
      return Status::FailedPrecondition(
          "the sync date " + FormatIsoDate(date) + " is before a directory row of '" + r.row.user +
          "' already stored (a sync dated earlier than a previous one): nothing was written");
    }
    if (!r.row.valid_to && (u.open == nullptr || u.open->row.valid_from < r.row.valid_from)) {
      u.open = &r;
    }
  }
  SyncPlan plan;
  for (const auto& [user, u] : users) {
    if (u.open != nullptr && !u.csv_in_force) ++plan.directory_users;
  }
  auto end_row = [&](const store::StoredUserRow& r) {
    if (r.row.valid_from == date) {
      plan.changes.removes.push_back(r.id);
    } else {
      plan.changes.closes.push_back({r.id, date});
    }
  };
  for (const auto& [user, direction] : snapshot.directions) {
    auto it = users.find(user);
    const UserRows* u = it == users.end() ? nullptr : &it->second;
    if (u != nullptr && u->csv_in_force) {
      plan.overridden.push_back(user);
      continue;
    }
    if (u == nullptr || u->open == nullptr) {
      std::optional<Day> from;
      if (u != nullptr && u->any) from = date;
      plan.changes.opens.push_back({user, direction, from, std::nullopt});
      plan.added.push_back({user, direction});
      continue;
    }
    if (u->open->row.direction == direction) continue;
    end_row(*u->open);
    plan.changes.opens.push_back({user, direction, date, std::nullopt});
    plan.moved.push_back({user, u->open->row.direction, direction});
  }
  for (const auto& [user, u] : users) {
    if (u.open == nullptr || u.csv_in_force || snapshot.present.contains(user)) continue;
    end_row(*u.open);
    plan.closed.push_back({user, u.open->row.direction});
  }
  store::DirectorySyncRecord& rec = plan.changes.record;
  rec.sync_date = date;
  rec.users_seen = static_cast<int64_t>(snapshot.present.size());
  rec.added = static_cast<int64_t>(plan.added.size());
  rec.moved = static_cast<int64_t>(plan.moved.size());
  rec.closed = static_cast<int64_t>(plan.closed.size());
  rec.unmapped = static_cast<int64_t>(snapshot.unmapped.size());
  rec.skipped = static_cast<int64_t>(snapshot.skipped.size());
  return plan;
}

std::vector<model::WorkstationCount> PlanWorkstations(
    const std::vector<DirectoryEntry>& computers, const DirectionRule& rule,
    const std::vector<model::WorkstationCount>& stored, Day date,
    std::vector<SkippedEntry>* skipped) {
  std::map<std::string, int64_t> counts;
  for (const DirectoryEntry& e : computers) {
    DirectionResolution d = ResolveDirection(e, rule);
    if (!d.direction) {
      skipped->push_back(
          {e.dn, "workstation: " + (d.unmapped ? std::string("no mapped value") : d.problem)});
      continue;
    }
    ++counts[*d.direction];
  }
  std::vector<model::WorkstationCount> out;
  for (const auto& [direction, count] : counts) {
    const model::WorkstationCount* latest = nullptr;
    for (const model::WorkstationCount& w : stored) {
      if (w.direction == direction && w.date <= date &&
          (latest == nullptr || w.date > latest->date)) {
        latest = &w;
      }
    }
    if (latest == nullptr || latest->count != count) out.push_back({direction, date, count});
  }
  return out;
}

Status CheckCloseShare(const SyncPlan& plan, double max_close_share) {
  if (plan.directory_users == 0) return Status::Ok();
  const double share =
      static_cast<double>(plan.closed.size()) / static_cast<double>(plan.directory_users);
  if (share <= max_close_share) return Status::Ok();
  char text[160];
  std::snprintf(text, sizeof text,
                "the sync would close %zu of the %lld users it manages (%.1f %%, more than "
                "max_close_share %.1f %%)",
                plan.closed.size(), static_cast<long long>(plan.directory_users), share * 100,
                max_close_share * 100);
  return Status::FailedPrecondition(
      std::string(text) +
      ": nothing was written. Check base_dn and filter; run again with --force if this is right");
}

}  // namespace ramette::aggregator::directory
