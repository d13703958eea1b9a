// The directory sync: read, plan, guard, apply once.
#include "aggregator/directory/directory_sync.h"

#include <utility>

#include "common/utf8.h"

namespace ramette::aggregator::directory {

DirectionRule DirectionRuleOf(const DirectorySettings& settings) {
  return {settings.direction_attribute, settings.directions};
}

namespace {

// The attributes a search asks for: the user attribute (when any) and the direction's.
std::vector<std::string> AttributesFor(const std::string& user_attribute,
                                       const DirectionRule& rule) {
  std::vector<std::string> attrs;
  if (!user_attribute.empty()) attrs.push_back(user_attribute);
  if (rule.attribute != kDnOu) attrs.push_back(rule.attribute);
  if (attrs.empty()) attrs.push_back("1.1");  // RFC 4511: no attributes
  return attrs;
}

}  // namespace

Result<SyncOutcome> RunDirectorySync(store::Store& store, DirectoryReader& reader,
                                     const DirectorySettings& settings,
                                     const SyncOptions& options) {
  const DirectionRule rule = DirectionRuleOf(settings);
  Result<model::UserNameRule> names = store.StoredUserNameRule();
  if (!names.ok()) return names.status();
  Result<std::vector<DirectoryEntry>> entries = reader.Search(
      {settings.base_dn, settings.filter, AttributesFor(settings.user_attribute, rule)});
  if (!entries.ok()) return entries.status();
  std::vector<DirectoryEntry> computers;
  if (settings.workstations) {
    Result<std::vector<DirectoryEntry>> c = reader.Search(
        {settings.workstations_base_dn, settings.workstations_filter, AttributesFor("", rule)});
    if (!c.ok()) return c.status();
    computers = std::move(*c);
  }

  SyncOutcome out;
  out.snapshot = ResolveUsers(*entries, settings.user_attribute, rule, *names);
  entries->clear();
  Result<std::vector<store::StoredUserRow>> rows = store.directory().LoadUserRows();
  if (!rows.ok()) return rows.status();
  Result<SyncPlan> plan = PlanSync(*rows, out.snapshot, *names, options.date);
  if (!plan.ok()) return plan.status();
  out.plan = std::move(*plan);
  if (settings.workstations) {
    Result<model::Inventory> inv = store.usage().LoadInventory();
    if (!inv.ok()) return inv.status();
    out.plan.changes.workstations =
        PlanWorkstations(computers, rule, inv->workstations, options.date, &out.snapshot.skipped);
    out.plan.changes.record.skipped = static_cast<int64_t>(out.snapshot.skipped.size());
  }
  out.plan.changes.record.synced_at = options.now;
  if (!options.force) {
    out.guard = CheckCloseShare(out.plan, settings.max_close_share);
    if (!out.guard.ok()) return out;
  }
  if (options.dry_run) return out;
  RAMETTE_RETURN_IF_ERROR(store.directory().ApplyDirectorySync(out.plan.changes));
  out.applied = true;
  return out;
}

std::string FormatSyncOutcome(const SyncOutcome& o) {
  std::string s;
  auto line = [&](std::string text) {
    s += text;
    s += '\n';
  };
  for (const auto& a : o.plan.added)
    line("added    " + ForLog(a.user) + " -> " + ForLog(a.direction));
  for (const auto& m : o.plan.moved) {
    line("moved    " + ForLog(m.user) + ": " + ForLog(m.from) + " -> " + ForLog(m.to));
  }
  for (const auto& c : o.plan.closed)
    line("closed   " + ForLog(c.user) + " (was " + ForLog(c.direction) + ")");
  for (const auto& u : o.snapshot.unmapped) {
    std::string values;
    for (const std::string& v : u.values) values += (values.empty() ? "" : "; ") + ForLog(v, 200);
    line("unmapped " + ForLog(u.user) + " (" + ForLog(u.dn) + "): " + values);
  }
  for (const auto& k : o.snapshot.skipped) line("skipped  " + ForLog(k.dn) + ": " + k.reason);
  for (const auto& u : o.plan.overridden)
    line("csv      " + ForLog(u) + ": a users.csv row is in force, left as is");
  for (const auto& w : o.plan.changes.workstations) {
    line("workstations " + ForLog(w.direction) + ": " + std::to_string(w.count));
  }
  const store::DirectorySyncRecord& r = o.plan.changes.record;
  line(std::string(o.applied      ? "directory sync "
                   : o.guard.ok() ? "directory sync (dry run, nothing written) "
                                  : "directory sync (stopped, nothing written) ") +
       FormatIsoDate(r.sync_date) + ": " + std::to_string(o.snapshot.entries) + " entries, " +
       std::to_string(r.users_seen) + " users seen, " + std::to_string(r.added) + " added, " +
       std::to_string(r.moved) + " moved, " + std::to_string(r.closed) + " closed, " +
       std::to_string(r.unmapped) + " unmapped, " + std::to_string(r.skipped) + " skipped, " +
       std::to_string(o.plan.overridden.size()) + " kept by users.csv" +
       (o.plan.empty() ? "; no change" : ""));
  return s;
}

}  // namespace ramette::aggregator::directory
