#include "aggregator/web/pages/figures_cache.h"

#include <limits>
#include <utility>

namespace ramette::aggregator::web {

namespace {

// Every IndicatorOptions field is part of a year's key: a new option must be added here.
static_assert(sizeof(indicators::IndicatorOptions) == 16,
              "IndicatorOptions changed: add the new option to YearKey");
std::string YearKey(int year, const indicators::IndicatorOptions& options) {
  return "year/" + std::to_string(year) + "/" +
         std::to_string(static_cast<int>(options.paper_source)) + "/" +
         std::to_string(options.large_job_sheets);
}

}  // namespace

Result<YearFigures> ComputeYearFigures(store::UsageSource& source, int year,
                                       const indicators::IndicatorOptions& options) {
  YearFigures f;
  auto report = indicators::ComputeIndicators(source, year, options, &f.usage);
  if (!report.ok()) return report.status();
  f.report = std::move(*report);
  return f;
}

FiguresCache::FiguresCache(store::UsageSource* source, reports::ReportSettings settings,
                           int64_t fresh_seconds, std::function<int64_t()> clock,
                           size_t max_entries)
    : source_(source),
      settings_(std::move(settings)),
      fresh_seconds_(fresh_seconds),
      clock_(std::move(clock)),
      max_entries_(max_entries == 0 ? 1 : max_entries) {
  if (fresh_seconds_ > 0) refresher_ = std::thread([this] { Refresher(); });
}

FiguresCache::~FiguresCache() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

int64_t FiguresCache::computations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return computations_;
}

Result<std::shared_ptr<const YearFigures>> FiguresCache::Year(
    int year, const indicators::IndicatorOptions& options) {
  return Keep<YearFigures>(YearKey(year, options), [this, year, options] {
    return ComputeYearFigures(*source_, year, options);
  });
}

Result<std::shared_ptr<const reports::MonthlyReport>> FiguresCache::Month(int year, int month) {
  return Keep<reports::MonthlyReport>(
      "month/" + std::to_string(year) + "/" + std::to_string(month), [this, year, month] {
        return reports::ComputeMonthlyReport(*source_, year, month, settings_);
      });
}

Result<FiguresCache::Value> FiguresCache::Get(const std::string& key, const Compute& compute) {
  if (fresh_seconds_ <= 0) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++computations_;
    }
    return compute();
  }
  std::unique_lock<std::mutex> lock(mu_);
  const int64_t now = clock_();
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.value != nullptr) {
    Entry& e = it->second;
    e.last_used = now;
    if (now - e.computed_at >= fresh_seconds_ && !e.refreshing) {
      e.refreshing = true;
      refresh_queue_.emplace_back(key, compute);
      wake_.notify_one();
    }
    return e.value;
  }
  if (it != entries_.end() && it->second.first.valid()) {
    // Someone computes it now: wait for that computation.
    std::shared_future<Status> first = it->second.first;
    lock.unlock();
    Status st = first.get();
    if (!st.ok()) return st;
    lock.lock();
    it = entries_.find(key);
    if (it != entries_.end() && it->second.value != nullptr) return it->second.value;
    lock.unlock();
    return compute();  // dropped meanwhile: compute it without keeping it
  }
  // The first request for this key computes it; others wait on `done`.
  std::promise<Status> done;
  Entry& e = entries_[key];
  e.first = done.get_future().share();
  e.last_used = now;
  ++computations_;
  lock.unlock();
  Result<Value> v = compute();
  lock.lock();
  Entry& after = entries_[key];
  after.first = {};
  if (v.ok()) {
    after.value = *v;
    after.computed_at = clock_();
  } else {
    entries_.erase(key);
  }
  EvictLocked();
  lock.unlock();
  done.set_value(v.ok() ? Status::Ok() : v.status());
  return v;
}

void FiguresCache::EvictLocked() {
  while (entries_.size() > max_entries_) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.first.valid() || it->second.refreshing) continue;  // in use
      if (victim == entries_.end() || it->second.last_used < victim->second.last_used) {
        victim = it;
      }
    }
    if (victim == entries_.end()) return;
    entries_.erase(victim);
  }
}

void FiguresCache::Refresher() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !refresh_queue_.empty(); });
    if (stopping_) return;
    auto [key, compute] = std::move(refresh_queue_.front());
    refresh_queue_.pop_front();
    ++computations_;
    lock.unlock();
    Result<Value> v = compute();
    lock.lock();
    auto it = entries_.find(key);
    if (it == entries_.end()) continue;
    it->second.refreshing = false;
    if (v.ok()) {  // on error the older figures stay, and the next request asks again
      it->second.value = *v;
      it->second.computed_at = clock_();
    }
  }
}

}  // namespace ramette::aggregator::web
