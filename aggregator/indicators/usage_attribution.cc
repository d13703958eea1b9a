// Attribution of rollup rows through lookup tables built once per call: per row, a device
// lookup (plus one read of a (device, month) -> attributes table for queues with several
// service periods), a user lookup and one read of a (user, month) -> direction table; sheet
// areas are summed exactly in 128-bit integers and turned into kilograms at the end.
#include "aggregator/indicators/usage_attribution.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "common/civil_time.h"

namespace ramette::aggregator::indicators {
namespace {

__extension__ typedef __int128 Int128;  // sheets x µm² overflows int64 past ~1.5e8 A4 sheets

constexpr int32_t kMaxMonths = 200 * 12;
constexpr int32_t kFirstMonth = 1 * 12;         // January of year 1
constexpr int32_t kLastMonth = 9999 * 12 + 11;  // December 9999
constexpr Day kMinDay = std::numeric_limits<Day>::min();
constexpr Day kMaxDay = std::numeric_limits<Day>::max();
// Codes of the (user, month) table besides direction indices.
constexpr int32_t kNoDirection = -1;  // no directory row holds on the 1st of the month
constexpr int32_t kSplitMonth = -2;   // a directory row starts or ends inside the month
                                      // (or, for a device, its attributes change in it)
constexpr int kPrintShop = static_cast<int>(model::DeviceClass::kPrintShop);
constexpr int kOther = static_cast<int>(model::DeviceClass::kOther);

// The 1st of a month given as a MonthIndex (>= 0).
Day FirstDayOfMonth(int32_t month) { return DaysFromCivil(month / 12, month % 12 + 1, 1); }

// A paper stock; index 0 is the default stock.
struct Stock {
  double grammage_gsm = model::kDefaultGrammageGsm;
  bool recycled = false;
};

// What a job takes from the device row that applies to it.
struct DeviceSlot {
  int32_t direction = kNoDirection;
  int32_t stock = 0;
  int device_class = kOther;
  bool classified = false;

  bool operator==(const DeviceSlot&) const = default;
};

// Where the attributes of a device id are: `slot` (an index in device_slots_) for every month,
// or, when multi >= 0, per covered month in the (device, month) table of a queue with several
// service periods. Ids unknown to the inventory get slot 0, an unclassified device.
struct DeviceEntry {
  int32_t slot = 0;
  int32_t multi = -1;
};

// The service periods of a queue with several rows, sorted, and the slot of each. The pointers
// are into the caller's Inventory, which outlives the Attributor (one AttributeUsage call).
struct MultiPeriodDevice {
  std::vector<const model::Device*> periods;
  std::vector<int32_t> slots;
};

// One directory row of a user: direction index from `from` (inclusive) to `to` (exclusive).
struct Interval {
  Day from = kMinDay;
  Day to = kMaxDay;
  int32_t direction = 0;
};

// Store ids -> values: a vector for the small dense ids SQLite hands out, a hash map for the
// others. Ids not in the table give `missing`.
template <typename T>
class IdTable {
 public:
  IdTable(const std::vector<std::pair<int64_t, T>>& entries, T missing)
      : missing_(std::move(missing)) {
    const int64_t dense_limit = 4 * static_cast<int64_t>(entries.size()) + 1024;
    int64_t max_dense = -1;
    for (const auto& e : entries) {
      if (e.first >= 0 && e.first < dense_limit) max_dense = std::max(max_dense, e.first);
    }
    dense_.assign(static_cast<size_t>(max_dense + 1), missing_);
    for (const auto& e : entries) {
      if (e.first >= 0 && e.first < dense_limit) {
        dense_[static_cast<size_t>(e.first)] = e.second;
      } else {
        sparse_[e.first] = e.second;
      }
    }
  }
  const T& Find(int64_t id) const {
    if (id >= 0 && static_cast<uint64_t>(id) < dense_.size()) return dense_[id];
    if (sparse_.empty()) return missing_;
    auto it = sparse_.find(id);
    return it == sparse_.end() ? missing_ : it->second;
  }

 private:
  T missing_;
  std::vector<T> dense_;
  std::unordered_map<int64_t, T> sparse_;
};

// The direction index the intervals give on `day`, kNoDirection if none. When rows overlap
// (bad data), the one that starts last wins; intervals are sorted so this does not depend on
// import order.
int32_t DirectionOn(const Interval* begin, const Interval* end, Day day) {
  int32_t found = kNoDirection;
  for (const Interval* iv = begin; iv != end; ++iv) {
    if (iv->from <= day && day < iv->to) found = iv->direction;
  }
  return found;
}

// Sums of one scope in one period, before the areas become kilograms.
struct ScopeAcc {
  std::array<model::UsageSums, kDeviceClassCount> sums;
  int64_t jobs_on_unclassified_devices = 0;
  int64_t jobs_without_user_direction = 0;
  int64_t oversized_media_jobs = 0;
  int64_t oversized_media_sheets = 0;
  int64_t large_jobs = 0;
  std::map<int64_t, model::UsageSums> by_device;  // only with AttributionOptions::by_device
  std::set<int64_t> users_without_direction;      // only with the option of that name
};

class Attributor {
 public:
  Attributor(const model::Inventory& inventory, const UserNames& user_names,
             std::vector<MonthRange> periods, AttributionOptions options);

  Status Run(store::UsageSource& source);
  AttributedUsage Finish() const;

 private:
  void BuildDirections(const model::Inventory& inventory);
  void BuildMonths();
  void BuildStocksAndDevices(const model::Inventory& inventory);
  void BuildUsers(const model::Inventory& inventory, const UserNames& user_names);

  int32_t DirectionIndex(const std::string& name) const;
  // The device slot of `device_id` in covered month k, or kSplitMonth.
  int32_t DeviceSlotOf(int64_t device_id, int32_t k) const {
    const DeviceEntry& entry = devices_.Find(device_id);
    if (entry.multi < 0) return entry.slot;
    return device_month_codes_[static_cast<size_t>(entry.multi) * covered_first_day_.size() + k];
  }
  // The direction index of `user_id` on `day` from the directory, kNoDirection if none.
  int32_t UserDirectionOn(int64_t user_id, Day day) const;
  void OnMonthlyRow(const model::RollupRow& row);
  Status ReadSplitUserMonths(store::UsageSource& source);
  Status ReadSplitDeviceMonths(store::UsageSource& source);
  Status ReadLargeJobs(store::UsageSource& source);
  // The direction a row goes to: its user's on the day (user_code >= 0), else its device's,
  // else unassigned (DESIGN.md "A job's direction"). Marks unassigned as used.
  int32_t DirectionOf(const DeviceSlot& device, int32_t user_code);
  void Accumulate(const model::RollupRow& row, int32_t covered_month, const DeviceSlot& device,
                  int32_t user_code);
  ScopeUsage ToScopeUsage(const ScopeAcc& acc, const Int128* areas) const;
  UsageFigures Figures(const ScopeAcc& acc, const Int128* areas, bool with_print_shop) const;

  std::vector<MonthRange> periods_;
  AttributionOptions options_;
  std::set<int64_t> unknown_user_ids_;  // ids of the empty user name
  // User id -> the smallest id of the same normalised name, for ids that are not it.
  std::unordered_map<int64_t, int64_t> same_user_as_;
  // Directions: sorted names, kUnassignedDirection last (always present internally).
  std::vector<std::string> directions_;
  int32_t unassigned_ = 0;
  bool unassigned_named_ = false;
  bool unassigned_used_ = false;

  std::vector<Stock> stocks_;
  // Devices: slot 0 is the unclassified device (other, default stock, no direction), then one
  // slot per device row. Queues with several service periods also have a row of
  // device_month_codes_ (multi * covered months + covered index): the slot that holds for the
  // whole month, or kSplitMonth when the attributes change inside the month.
  std::vector<DeviceSlot> device_slots_;
  IdTable<DeviceEntry> devices_{{}, DeviceEntry{}};
  std::vector<MultiPeriodDevice> multi_;
  std::vector<int32_t> device_month_codes_;

  // Months: the extent [first_month_, first_month_ + extent) of all periods; months covered
  // by a period get a dense "covered" index, gaps get -1.
  int32_t first_month_ = 0;
  std::vector<int32_t> covered_of_offset_;
  std::vector<int32_t> covered_month_;  // MonthIndex of each covered month
  std::vector<Day> covered_first_day_;
  // Period indices of covered month k: period_list_[period_begin_[k] .. period_begin_[k + 1]).
  std::vector<int32_t> period_begin_;
  std::vector<int32_t> period_list_;

  // Users with directory rows: user id -> slot; the slot's intervals and its code for each
  // covered month (a direction index, kNoDirection or kSplitMonth).
  IdTable<int32_t> user_slots_{{}, -1};
  std::vector<int32_t> interval_begin_;  // slot -> [begin, begin of next slot) in intervals_
  std::vector<Interval> intervals_;
  std::vector<int32_t> month_codes_;  // slot * covered months + covered index

  // (user id, month) and (device id, month) pairs to read from the daily rollup. A row whose
  // device and user are both split in its month is read once, by the device.
  std::vector<std::pair<int64_t, int32_t>> split_pairs_;
  std::vector<std::pair<int64_t, int32_t>> device_split_pairs_;

  // Accumulators, indexed [period][direction] and [period][direction][class][stock].
  std::vector<ScopeAcc> scopes_;
  std::vector<Int128> areas_;
};

Attributor::Attributor(const model::Inventory& inventory, const UserNames& user_names,
                       std::vector<MonthRange> periods, AttributionOptions options)
    : periods_(std::move(periods)), options_(options) {
  BuildDirections(inventory);
  BuildMonths();
  BuildStocksAndDevices(inventory);
  BuildUsers(inventory, user_names);
  const size_t scope_count = periods_.size() * directions_.size();
  scopes_.assign(scope_count, ScopeAcc{});
  areas_.assign(scope_count * kDeviceClassCount * stocks_.size(), 0);
}

void Attributor::BuildDirections(const model::Inventory& inventory) {
  std::vector<std::string> names = model::DirectionNames(inventory);
  auto unassigned = std::find(names.begin(), names.end(), model::kUnassignedDirection);
  if (unassigned != names.end()) {
    unassigned_named_ = true;
    names.erase(unassigned);
  }
  names.emplace_back(model::kUnassignedDirection);
  directions_ = std::move(names);
  unassigned_ = static_cast<int32_t>(directions_.size()) - 1;
}

int32_t Attributor::DirectionIndex(const std::string& name) const {
  if (name.empty()) return kNoDirection;
  if (name == model::kUnassignedDirection) return unassigned_;
  auto it = std::lower_bound(directions_.begin(), directions_.begin() + unassigned_, name);
  if (it == directions_.begin() + unassigned_ || *it != name) return kNoDirection;
  return static_cast<int32_t>(it - directions_.begin());
}

void Attributor::BuildStocksAndDevices(const model::Inventory& inventory) {
  // Stocks sorted by paper id so that the order of the final sums, hence the last bits of
  // the masses, do not depend on import order. Paper ids are unique; the first wins.
  std::vector<const model::Paper*> papers;
  for (const model::Paper& p : inventory.papers) {
    if (!p.paper_id.empty()) papers.push_back(&p);
  }
  std::stable_sort(papers.begin(), papers.end(), [](const model::Paper* a, const model::Paper* b) {
    return a->paper_id < b->paper_id;
  });
  stocks_.assign(1, Stock{});
  std::vector<std::string_view> stock_ids(1);
  for (const model::Paper* p : papers) {
    if (stock_ids.size() > 1 && stock_ids.back() == p->paper_id) continue;
    stocks_.push_back(Stock{p->grammage_gsm, p->recycled});
    stock_ids.push_back(p->paper_id);
  }
  auto stock_of = [&](const std::string& paper_id) -> int32_t {
    if (paper_id.empty()) return 0;
    auto it = std::lower_bound(stock_ids.begin() + 1, stock_ids.end(), std::string_view(paper_id));
    if (it == stock_ids.end() || *it != paper_id) return 0;
    return static_cast<int32_t>(it - stock_ids.begin());
  };

  auto slot_of = [&](const model::Device& d) {
    DeviceSlot slot;  // unclassified: other, default stock, no direction
    if (d.classified) {
      slot.classified = true;
      slot.device_class = static_cast<int>(d.device_class);
      slot.direction = DirectionIndex(d.direction);
      slot.stock = stock_of(d.paper_id);
    }
    return slot;
  };

  // The rows of each id together, in an order that does not depend on import order.
  std::vector<const model::Device*> rows;
  rows.reserve(inventory.devices.size());
  for (const model::Device& d : inventory.devices) rows.push_back(&d);
  std::stable_sort(rows.begin(), rows.end(), [](const model::Device* a, const model::Device* b) {
    return std::tie(a->id, a->in_service, a->out_of_service, a->classified, a->device_class,
                    a->direction, a->paper_id) < std::tie(b->id, b->in_service, b->out_of_service,
                                                          b->classified, b->device_class,
                                                          b->direction, b->paper_id);
  });

  device_slots_.assign(1, DeviceSlot{});
  const size_t covered = covered_first_day_.size();
  std::vector<std::pair<int64_t, DeviceEntry>> entries;
  std::vector<Day> bounds;
  for (size_t i = 0; i < rows.size();) {
    size_t j = i + 1;
    while (j < rows.size() && rows[j]->id == rows[i]->id) ++j;
    const int32_t first_slot = static_cast<int32_t>(device_slots_.size());
    for (size_t r = i; r < j; ++r) device_slots_.push_back(slot_of(*rows[r]));
    DeviceEntry entry{first_slot, -1};
    if (j - i > 1) {
      // Several service periods: the slot of each covered month, or kSplitMonth when a period
      // boundary inside the month (not on the 1st) changes what the jobs take from the device.
      MultiPeriodDevice multi;
      multi.periods.assign(rows.begin() + i, rows.begin() + j);
      bounds.clear();
      for (const model::Device* d : multi.periods) {
        multi.slots.push_back(first_slot + static_cast<int32_t>(multi.slots.size()));
        if (d->in_service) bounds.push_back(*d->in_service);
        if (d->out_of_service) bounds.push_back(*d->out_of_service);
      }
      std::sort(bounds.begin(), bounds.end());
      bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
      auto slot_on = [&](Day day) {
        return multi.slots[model::DevicePeriodOn(multi.periods, day)];
      };
      for (size_t k = 0; k < covered; ++k) {
        const Day first_day = covered_first_day_[k];
        const Day next_first_day = FirstDayOfMonth(covered_month_[k] + 1);
        const int32_t slot = slot_on(first_day);
        int32_t code = slot;
        // DevicePeriodOn only changes on a boundary date, so these days cover the month.
        for (auto b = std::upper_bound(bounds.begin(), bounds.end(), first_day);
             b != bounds.end() && *b < next_first_day; ++b) {
          if (device_slots_[slot_on(*b)] != device_slots_[slot]) code = kSplitMonth;
        }
        device_month_codes_.push_back(code);
      }
      entry.multi = static_cast<int32_t>(multi_.size());
      multi_.push_back(std::move(multi));
    }
    entries.emplace_back(rows[i]->id, entry);
    i = j;
  }
  devices_ = IdTable<DeviceEntry>(entries, DeviceEntry{});
}

void Attributor::BuildMonths() {
  first_month_ = periods_[0].first_month;
  int32_t last_month = periods_[0].last_month;
  for (const MonthRange& p : periods_) {
    first_month_ = std::min(first_month_, p.first_month);
    last_month = std::max(last_month, p.last_month);
  }
  const int32_t extent = last_month - first_month_ + 1;
  covered_of_offset_.assign(static_cast<size_t>(extent), -1);
  std::vector<std::vector<int32_t>> lists;
  for (int32_t off = 0; off < extent; ++off) {
    const int32_t month = first_month_ + off;
    std::vector<int32_t> list;
    for (size_t p = 0; p < periods_.size(); ++p) {
      if (periods_[p].first_month <= month && month <= periods_[p].last_month) {
        list.push_back(static_cast<int32_t>(p));
      }
    }
    if (list.empty()) continue;
    covered_of_offset_[off] = static_cast<int32_t>(lists.size());
    covered_month_.push_back(month);
    covered_first_day_.push_back(FirstDayOfMonth(month));
    lists.push_back(std::move(list));
  }
  for (const auto& list : lists) {
    period_begin_.push_back(static_cast<int32_t>(period_list_.size()));
    period_list_.insert(period_list_.end(), list.begin(), list.end());
  }
  period_begin_.push_back(static_cast<int32_t>(period_list_.size()));
}

void Attributor::BuildUsers(const model::Inventory& inventory, const UserNames& user_names) {
  // Names are compared after the recorded normalisation (names stored before it was set, or
  // under another rule, compare as if normalised).
  const model::UserNameRule& rule = inventory.user_name_rule;
  std::unordered_map<std::string, std::vector<Interval>> by_name;
  for (const model::UserDirection& u : inventory.users) {
    const int32_t dir = DirectionIndex(u.direction);
    if (dir < 0) continue;  // empty direction: the row gives none
    Interval iv{u.valid_from.value_or(kMinDay), u.valid_to.value_or(kMaxDay), dir};
    if (iv.from >= iv.to) continue;
    by_name[rule.identity() ? u.user : model::NormalizeUserName(u.user, rule)].push_back(iv);
  }
  // Users stored under several spellings of one name count once among those without a
  // direction: each id maps to the smallest id of its normalised name.
  if (!rule.identity()) {
    std::unordered_map<std::string, int64_t> first_id;
    for (const auto& [user_id, name] : user_names) {
      auto [it, inserted] = first_id.emplace(model::NormalizeUserName(name, rule), user_id);
      if (!inserted) it->second = std::min(it->second, user_id);
    }
    for (const auto& [user_id, name] : user_names) {
      const int64_t first = first_id.at(model::NormalizeUserName(name, rule));
      if (first != user_id) same_user_as_[user_id] = first;
    }
  }
  for (auto& [name, ivs] : by_name) {
    std::sort(ivs.begin(), ivs.end(), [](const Interval& a, const Interval& b) {
      return std::tie(a.from, a.to, a.direction) < std::tie(b.from, b.to, b.direction);
    });
  }

  const size_t covered = covered_first_day_.size();
  std::vector<std::pair<int64_t, int32_t>> slots;
  std::vector<char> split(covered);
  for (const auto& [user_id, name] : user_names) {
    if (name.empty()) {
      unknown_user_ids_.insert(user_id);
      continue;
    }
    auto it = by_name.find(rule.identity() ? name : model::NormalizeUserName(name, rule));
    if (it == by_name.end()) continue;
    const int32_t slot = static_cast<int32_t>(slots.size());
    slots.emplace_back(user_id, slot);
    interval_begin_.push_back(static_cast<int32_t>(intervals_.size()));
    intervals_.insert(intervals_.end(), it->second.begin(), it->second.end());

    std::fill(split.begin(), split.end(), 0);
    auto mark = [&](Day bound) {
      if (bound == kMinDay || bound == kMaxDay) return;
      const CivilDate c = CivilFromDays(bound);
      if (c.day == 1) return;  // a change on the 1st holds for the whole month
      const int64_t off = int64_t{MonthIndex(c.year, c.month)} - first_month_;
      if (off < 0 || off >= static_cast<int64_t>(covered_of_offset_.size())) return;
      const int32_t k = covered_of_offset_[off];
      if (k >= 0) split[k] = 1;
    };
    for (const Interval& iv : it->second) {
      mark(iv.from);
      mark(iv.to);
    }
    const Interval* b = it->second.data();
    const Interval* e = b + it->second.size();
    for (size_t k = 0; k < covered; ++k) {
      month_codes_.push_back(split[k] ? kSplitMonth : DirectionOn(b, e, covered_first_day_[k]));
    }
  }
  interval_begin_.push_back(static_cast<int32_t>(intervals_.size()));
  user_slots_ = IdTable<int32_t>(slots, -1);
}

int32_t Attributor::UserDirectionOn(int64_t user_id, Day day) const {
  const int32_t slot = user_slots_.Find(user_id);
  if (slot < 0) return kNoDirection;
  return DirectionOn(intervals_.data() + interval_begin_[slot],
                     intervals_.data() + interval_begin_[slot + 1], day);
}

int32_t Attributor::DirectionOf(const DeviceSlot& device, int32_t user_code) {
  const int32_t dir = user_code >= 0          ? user_code
                      : device.direction >= 0 ? device.direction
                                              : unassigned_;
  if (dir == unassigned_) unassigned_used_ = true;
  return dir;
}

void Attributor::Accumulate(const model::RollupRow& row, int32_t covered_month,
                            const DeviceSlot& device, int32_t user_code) {
  const bool user_has_direction = user_code >= 0;
  const int32_t dir = DirectionOf(device, user_code);
  const Int128 area = Int128{row.sums.sheets} * row.area_um2;
  const size_t dir_count = directions_.size();
  const size_t stock_count = stocks_.size();
  for (int32_t i = period_begin_[covered_month]; i < period_begin_[covered_month + 1]; ++i) {
    const size_t scope = static_cast<size_t>(period_list_[i]) * dir_count + dir;
    ScopeAcc& acc = scopes_[scope];
    acc.sums[device.device_class].Add(row.sums);
    if (!device.classified) acc.jobs_on_unclassified_devices += row.sums.jobs;
    if (!user_has_direction) acc.jobs_without_user_direction += row.sums.jobs;
    if (row.area_um2 > model::kA0AreaUm2) {
      acc.oversized_media_jobs += row.sums.jobs;
      acc.oversized_media_sheets += row.sums.sheets;
    }
    if (options_.by_device) acc.by_device[row.device_id].Add(row.sums);
    if (options_.users_without_direction && !user_has_direction &&
        !unknown_user_ids_.contains(row.user_id)) {
      auto same = same_user_as_.find(row.user_id);
      acc.users_without_direction.insert(same == same_user_as_.end() ? row.user_id : same->second);
    }
    areas_[(scope * kDeviceClassCount + device.device_class) * stock_count + device.stock] += area;
  }
}

void Attributor::OnMonthlyRow(const model::RollupRow& row) {
  const int64_t off = int64_t{row.period} - first_month_;
  if (off < 0 || off >= static_cast<int64_t>(covered_of_offset_.size())) return;
  const int32_t k = covered_of_offset_[off];
  if (k < 0) return;
  const int32_t device_slot = DeviceSlotOf(row.device_id, k);
  if (device_slot == kSplitMonth) {
    device_split_pairs_.emplace_back(row.device_id, row.period);
    return;
  }
  const int32_t slot = user_slots_.Find(row.user_id);
  int32_t code = kNoDirection;
  if (slot >= 0) {
    code = month_codes_[static_cast<size_t>(slot) * covered_first_day_.size() + k];
    if (code == kSplitMonth) {
      split_pairs_.emplace_back(row.user_id, row.period);
      return;
    }
  }
  Accumulate(row, k, device_slots_[device_slot], code);
}

// Sorts and dedups (id, month) pairs and calls fn(id, first month, last month) for each run of
// consecutive months of one id, stopping at the first error.
template <typename Fn>
Status ForEachRun(std::vector<std::pair<int64_t, int32_t>>& pairs, Fn fn) {
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  for (size_t i = 0; i < pairs.size();) {
    size_t j = i;
    while (j + 1 < pairs.size() && pairs[j + 1].first == pairs[i].first &&
           pairs[j + 1].second == pairs[j].second + 1) {
      ++j;
    }
    RAMETTE_RETURN_IF_ERROR(fn(pairs[i].first, pairs[i].second, pairs[j].second));
    i = j + 1;
  }
  return Status::Ok();
}

Status Attributor::Run(store::UsageSource& source) {
  // Monthly rows, one call per run of contiguous covered months.
  const int32_t extent = static_cast<int32_t>(covered_of_offset_.size());
  for (int32_t off = 0; off < extent;) {
    if (covered_of_offset_[off] < 0) {
      ++off;
      continue;
    }
    int32_t end = off;
    while (end + 1 < extent && covered_of_offset_[end + 1] >= 0) ++end;
    RAMETTE_RETURN_IF_ERROR(
        source.ForEachMonthlyRow(first_month_ + off, first_month_ + end,
                                 [this](const model::RollupRow& row) { OnMonthlyRow(row); }));
    off = end + 1;
  }

  RAMETTE_RETURN_IF_ERROR(ReadSplitDeviceMonths(source));
  RAMETTE_RETURN_IF_ERROR(ReadSplitUserMonths(source));
  return ReadLargeJobs(source);
}

// Jobs of at least options_.large_job_sheets sheets over the covered months, each attributed
// on its own day (device period and user direction of that day).
Status Attributor::ReadLargeJobs(store::UsageSource& source) {
  if (options_.large_job_sheets == 0) return Status::Ok();
  const int32_t extent = static_cast<int32_t>(covered_of_offset_.size());
  const Day first_day = FirstDayOfMonth(first_month_);
  const Day last_day = FirstDayOfMonth(first_month_ + extent) - 1;
  std::vector<model::LargeJob> jobs;
  RAMETTE_RETURN_IF_ERROR(
      source.ForEachLargeJob(options_.large_job_sheets, first_day, last_day,
                             [&](const model::LargeJob& j) { jobs.push_back(j); }));
  const size_t dir_count = directions_.size();
  for (const model::LargeJob& j : jobs) {
    if (j.day < first_day || j.day > last_day || j.sheets < options_.large_job_sheets) continue;
    const int32_t k = covered_of_offset_[MonthIndexOfDay(j.day) - first_month_];
    if (k < 0) continue;
    int32_t slot = DeviceSlotOf(j.device_id, k);
    if (slot == kSplitMonth) {
      const MultiPeriodDevice& multi = multi_[devices_.Find(j.device_id).multi];
      slot = multi.slots[model::DevicePeriodOn(multi.periods, j.day)];
    }
    const int32_t dir = DirectionOf(device_slots_[slot], UserDirectionOn(j.user_id, j.day));
    for (int32_t i = period_begin_[k]; i < period_begin_[k + 1]; ++i) {
      scopes_[static_cast<size_t>(period_list_[i]) * dir_count + dir].large_jobs += 1;
    }
  }
  return Status::Ok();
}

// Daily rows of the device-months whose attributes change inside the month (every user), one
// call per run of consecutive months of one device, each day with the period that holds then.
Status Attributor::ReadSplitDeviceMonths(store::UsageSource& source) {
  std::vector<int32_t> day_slots;
  return ForEachRun(
      device_split_pairs_, [&](int64_t device_id, int32_t run_first, int32_t run_last) -> Status {
        const MultiPeriodDevice& multi = multi_[devices_.Find(device_id).multi];
        const Day first_day = FirstDayOfMonth(run_first);
        const Day last_day = FirstDayOfMonth(run_last + 1) - 1;
        day_slots.clear();
        for (Day day = first_day; day <= last_day; ++day) {
          day_slots.push_back(multi.slots[model::DevicePeriodOn(multi.periods, day)]);
        }
        return source.ForEachDailyRowOfDevice(
            device_id, first_day, last_day, [&](const model::RollupRow& row) {
              if (row.device_id != device_id || row.period < first_day || row.period > last_day) {
                return;
              }
              const int32_t k = covered_of_offset_[MonthIndexOfDay(row.period) - first_month_];
              Accumulate(row, k, device_slots_[day_slots[row.period - first_day]],
                         UserDirectionOn(row.user_id, row.period));
            });
      });
}

// Daily rows of the user-months whose direction may change inside the month, one call per run
// of consecutive months of one user. Rows of a device split in their month are left to
// ReadSplitDeviceMonths.
Status Attributor::ReadSplitUserMonths(store::UsageSource& source) {
  return ForEachRun(
      split_pairs_, [&](int64_t user_id, int32_t run_first, int32_t run_last) -> Status {
        const int32_t slot = user_slots_.Find(user_id);
        const Interval* b = intervals_.data() + interval_begin_[slot];
        const Interval* e = intervals_.data() + interval_begin_[slot + 1];
        const Day first_day = FirstDayOfMonth(run_first);
        const Day last_day = FirstDayOfMonth(run_last + 1) - 1;
        return source.ForEachDailyRow(
            user_id, first_day, last_day, [&](const model::RollupRow& row) {
              if (row.period < first_day || row.period > last_day) return;
              const int32_t k = covered_of_offset_[MonthIndexOfDay(row.period) - first_month_];
              const int32_t device_slot = DeviceSlotOf(row.device_id, k);
              if (device_slot == kSplitMonth) return;  // read with the device's daily rows
              Accumulate(row, k, device_slots_[device_slot], DirectionOn(b, e, row.period));
            });
      });
}

// Kilograms of a sheet area (µm²) at a grammage (µm² x g/m² = 1e-15 kg), in long double so
// that the double it becomes is rounded once (4.9896 kg, not 4.989599999999999).
long double Kilograms(Int128 area_um2, double grammage_gsm) {
  return static_cast<long double>(area_um2) * grammage_gsm / 1e15L;
}

UsageFigures Attributor::Figures(const ScopeAcc& acc, const Int128* areas,
                                 bool with_print_shop) const {
  UsageFigures f;
  const size_t stock_count = stocks_.size();
  long double mass = 0, recycled = 0;
  for (size_t s = 0; s < stock_count; ++s) {
    Int128 area = 0;
    for (int c = 0; c < kDeviceClassCount; ++c) {
      if (c == kPrintShop && !with_print_shop) continue;
      area += areas[c * stock_count + s];
    }
    const long double kg = Kilograms(area, stocks_[s].grammage_gsm);
    mass += kg;
    if (stocks_[s].recycled) recycled += kg;
  }
  f.mass_kg = static_cast<double>(mass);
  f.recycled_mass_kg = static_cast<double>(recycled);
  for (int c = 0; c < kDeviceClassCount; ++c) {
    if (c == kPrintShop && !with_print_shop) continue;
    f.sums.Add(acc.sums[c]);
  }
  return f;
}

ScopeUsage Attributor::ToScopeUsage(const ScopeAcc& acc, const Int128* areas) const {
  ScopeUsage u;
  const size_t stock_count = stocks_.size();
  for (int c = 0; c < kDeviceClassCount; ++c) {
    UsageFigures& f = u.by_class[c];
    f.sums = acc.sums[c];
    long double mass = 0, recycled = 0;
    for (size_t s = 0; s < stock_count; ++s) {
      const long double kg = Kilograms(areas[c * stock_count + s], stocks_[s].grammage_gsm);
      mass += kg;
      if (stocks_[s].recycled) recycled += kg;
    }
    f.mass_kg = static_cast<double>(mass);
    f.recycled_mass_kg = static_cast<double>(recycled);
  }
  u.all_devices = Figures(acc, areas, /*with_print_shop=*/true);
  u.excluding_print_shop = Figures(acc, areas, /*with_print_shop=*/false);
  u.jobs_on_unclassified_devices = acc.jobs_on_unclassified_devices;
  u.jobs_without_user_direction = acc.jobs_without_user_direction;
  u.oversized_media_jobs = acc.oversized_media_jobs;
  u.oversized_media_sheets = acc.oversized_media_sheets;
  u.large_jobs = acc.large_jobs;
  u.by_device.assign(acc.by_device.begin(), acc.by_device.end());
  u.users_without_direction = static_cast<int64_t>(acc.users_without_direction.size());
  return u;
}

AttributedUsage Attributor::Finish() const {
  AttributedUsage out;
  const bool keep_unassigned = unassigned_named_ || unassigned_used_;
  const size_t dir_count = directions_.size();
  const size_t listed = keep_unassigned ? dir_count : dir_count - 1;
  out.directions.assign(directions_.begin(), directions_.begin() + listed);
  const size_t block = kDeviceClassCount * stocks_.size();
  for (size_t p = 0; p < periods_.size(); ++p) {
    PeriodUsage period;
    period.months = periods_[p];
    // The organisation: exact sums over every direction (each row went to exactly one).
    ScopeAcc org;
    std::vector<Int128> org_areas(block, 0);
    for (size_t d = 0; d < dir_count; ++d) {
      const size_t scope = p * dir_count + d;
      const ScopeAcc& acc = scopes_[scope];
      for (int c = 0; c < kDeviceClassCount; ++c) org.sums[c].Add(acc.sums[c]);
      org.jobs_on_unclassified_devices += acc.jobs_on_unclassified_devices;
      org.jobs_without_user_direction += acc.jobs_without_user_direction;
      org.oversized_media_jobs += acc.oversized_media_jobs;
      org.oversized_media_sheets += acc.oversized_media_sheets;
      org.large_jobs += acc.large_jobs;
      for (const auto& [id, sums] : acc.by_device) org.by_device[id].Add(sums);
      org.users_without_direction.insert(acc.users_without_direction.begin(),
                                         acc.users_without_direction.end());
      for (size_t i = 0; i < block; ++i) org_areas[i] += areas_[scope * block + i];
      if (d < listed) period.directions.push_back(ToScopeUsage(acc, &areas_[scope * block]));
    }
    period.organisation = ToScopeUsage(org, org_areas.data());
    out.periods.push_back(std::move(period));
  }
  return out;
}

}  // namespace

Result<AttributedUsage> AttributeUsage(store::UsageSource& source,
                                       const model::Inventory& inventory,
                                       const UserNames& user_names,
                                       const std::vector<MonthRange>& periods,
                                       const AttributionOptions& options) {
  if (periods.empty()) return Status::InvalidArgument("no period to attribute usage for");
  int32_t lo = periods[0].first_month, hi = periods[0].last_month;
  for (const MonthRange& p : periods) {
    if (p.first_month > p.last_month) {
      return Status::InvalidArgument("bad month range: first month after last month");
    }
    if (p.first_month < kFirstMonth || p.last_month > kLastMonth) {
      return Status::InvalidArgument("bad month range: outside the years 1 to 9999");
    }
    lo = std::min(lo, p.first_month);
    hi = std::max(hi, p.last_month);
  }
  if (int64_t{hi} - lo >= kMaxMonths) {
    return Status::InvalidArgument("month ranges span more than 200 years");
  }
  Attributor attributor(inventory, user_names, periods, options);
  RAMETTE_RETURN_IF_ERROR(attributor.Run(source));
  return attributor.Finish();
}

Result<AttributedUsage> AttributeUsage(store::UsageSource& source,
                                       const model::Inventory& inventory,
                                       const UserNames& user_names, int32_t first_month,
                                       int32_t last_month) {
  return AttributeUsage(source, inventory, user_names,
                        std::vector<MonthRange>{MonthRange{first_month, last_month}});
}

}  // namespace ramette::aggregator::indicators
