// Grouping of page_log lines into jobs; the rules are in page_log_assembler.h.
#include "agent/backfill/page_log_assembler.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <deque>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ramette::agent {
namespace {

// Lines of one (printer, job id) further apart than this are different jobs (job id reuse).
constexpr int64_t kSameJobWindowSeconds = 86400;
constexpr uint32_t kNoJob = 0xffffffffu;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct PageLine {
  int64_t time;
  int64_t page;
  int32_t copies;  // clamped: a page printed more than 2^31 times is not a real log
  int32_t source;
  auto Key() const { return std::tuple(page, time, copies); }
};

struct Job {
  const std::string* printer = nullptr;
  const std::string* user = nullptr;
  const std::string* host = nullptr;
  const std::string* media = nullptr;
  std::string title;
  int32_t job_id = 0;
  Sides sides = Sides::kUnknown;
  int64_t first_time = 0;
  int64_t last_time = 0;
  int64_t total = -1;  // largest total seen, -1 when the job has no total line
  // Which line the attributes (user, host, media, sides, title) come from: the best so far by
  // (is total, time).
  bool attrs_from_total = false;
  int64_t attrs_time = 0;
  uint32_t next_same_key = kNoJob;  // the next job with the same (printer, job id)
  std::vector<PageLine> pages;
};

struct JobKey {
  const std::string* printer;
  int32_t job_id;
  bool operator==(const JobKey& o) const { return printer == o.printer && job_id == o.job_id; }
};

struct JobKeyHash {
  size_t operator()(const JobKey& k) const {
    return std::hash<const void*>{}(k.printer) * 31 + static_cast<size_t>(k.job_id);
  }
};

int64_t PageImpressions(std::vector<PageLine>& pages) {
  // Identical lines: within one source each counts, across sources the largest multiplicity.
  std::sort(pages.begin(), pages.end(), [](const PageLine& a, const PageLine& b) {
    return std::tuple(a.page, a.time, a.copies, a.source) <
           std::tuple(b.page, b.time, b.copies, b.source);
  });
  int64_t sum = 0;
  size_t i = 0;
  while (i < pages.size()) {
    size_t j = i;
    int64_t best = 0;
    while (j < pages.size() && pages[j].Key() == pages[i].Key()) {
      size_t k = j;
      while (k < pages.size() && pages[k].Key() == pages[i].Key() &&
             pages[k].source == pages[j].source) {
        ++k;
      }
      best = std::max<int64_t>(best, static_cast<int64_t>(k - j));
      j = k;
    }
    sum += best * pages[i].copies;
    i = j;
  }
  return sum;
}

}  // namespace

struct PageLogJobAssembler::State {
  std::unordered_set<std::string, StringHash, std::equal_to<>> strings;
  std::deque<Job> jobs;  // a deque: growing never moves the jobs
  std::unordered_map<JobKey, uint32_t, JobKeyHash> first_job;

  // The shared copy of `s`; `last` remembers the previous answer for this field, since
  // consecutive lines mostly repeat their printer, user, host and media.
  const std::string* Intern(std::string_view s, const std::string*& last) {
    if (last != nullptr && *last == s) return last;
    auto it = strings.find(s);
    if (it == strings.end()) it = strings.emplace(s).first;
    last = &*it;
    return last;
  }
  const std::string* last_printer = nullptr;
  const std::string* last_user = nullptr;
  const std::string* last_host = nullptr;
  const std::string* last_media = nullptr;
};

PageLogJobAssembler::PageLogJobAssembler(PageLogJobOptions options)
    : state_(std::make_unique<State>()), options_(options) {}

PageLogJobAssembler::~PageLogJobAssembler() = default;

size_t PageLogJobAssembler::job_count() const { return state_->jobs.size(); }

void PageLogJobAssembler::Add(const PageLogEntry& e, int source) {
  State& s = *state_;
  const std::string* printer = s.Intern(e.printer, s.last_printer);
  uint32_t* link = &s.first_job.try_emplace(JobKey{printer, e.job_id}, kNoJob).first->second;
  Job* job = nullptr;
  while (*link != kNoJob) {
    Job& candidate = s.jobs[*link];
    if (e.time >= candidate.first_time - kSameJobWindowSeconds &&
        e.time <= candidate.last_time + kSameJobWindowSeconds) {
      job = &candidate;
      break;
    }
    link = &candidate.next_same_key;
  }
  if (job == nullptr) {
    *link = static_cast<uint32_t>(s.jobs.size());
    job = &s.jobs.emplace_back();
    job->printer = printer;
    job->job_id = e.job_id;
    job->first_time = e.time;
    job->last_time = e.time;
  }
  job->first_time = std::min(job->first_time, e.time);
  job->last_time = std::max(job->last_time, e.time);

  if (e.is_total) {
    job->total = std::max(job->total, e.count);
  } else {
    const int32_t copies = static_cast<int32_t>(std::min<int64_t>(e.count, INT32_MAX));
    job->pages.push_back(PageLine{e.time, e.page, copies, source});
  }

  const bool better = job->user == nullptr || (e.is_total && !job->attrs_from_total) ||
                      (e.is_total == job->attrs_from_total && e.time > job->attrs_time);
  if (better) {
    job->attrs_from_total = e.is_total;
    job->attrs_time = e.time;
    job->user = s.Intern(e.user, s.last_user);
    job->host = s.Intern(e.host, s.last_host);
    job->media = s.Intern(e.media, s.last_media);
    job->sides = e.sides;
    if (options_.include_titles) job->title.assign(e.job_name);
  }
}

Status PageLogJobAssembler::Drain(size_t batch_size, const JobBatchSink& sink) {
  return DrainMerged({this}, batch_size, sink);
}

size_t PageLogJobAssembler::ShardOf(std::string_view printer, int32_t job_id, size_t shards) {
  if (shards <= 1) return 0;
  const size_t h = std::hash<std::string_view>{}(printer)*31 + static_cast<uint32_t>(job_id);
  return (h ^ (h >> 17)) % shards;
}

namespace {

// One job's place in the drain order: completion time, printer (by its rank in name order
// within its assembler), job id; `index` into the assembler's jobs.
struct SortKey {
  int64_t time;
  uint32_t printer;
  int32_t job_id;
  uint32_t index;
  bool operator<(const SortKey& o) const {
    return std::tie(time, printer, job_id, index) < std::tie(o.time, o.printer, o.job_id, o.index);
  }
};

}  // namespace

Status PageLogJobAssembler::DrainMerged(const std::vector<PageLogJobAssembler*>& parts,
                                        size_t batch_size, const JobBatchSink& sink) {
  struct Part {
    std::unique_ptr<State> state;
    std::vector<SortKey> order;
    size_t next = 0;
    bool include_titles = false;
  };
  std::vector<Part> all(parts.size());
  size_t total = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    Part& part = all[p];
    part.state = std::exchange(parts[p]->state_, std::make_unique<State>());
    part.include_titles = parts[p]->options_.include_titles;
    std::deque<Job>& jobs = part.state->jobs;
    // Sorted as compact keys, printers replaced by their rank in name order: comparing
    // through `jobs` would miss the cache at every step.
    std::vector<const std::string*> printers;
    for (const auto& [key, first] : part.state->first_job) printers.push_back(key.printer);
    std::sort(printers.begin(), printers.end(),
              [](const std::string* a, const std::string* b) { return *a < *b; });
    printers.erase(std::unique(printers.begin(), printers.end()), printers.end());
    std::unordered_map<const std::string*, uint32_t> printer_rank;
    for (uint32_t i = 0; i < printers.size(); ++i) printer_rank[printers[i]] = i;
    part.order.resize(jobs.size());
    const std::string* last_printer = nullptr;
    uint32_t last_rank = 0;
    for (uint32_t i = 0; i < part.order.size(); ++i) {
      const Job& job = jobs[i];
      if (job.printer != last_printer) {
        last_printer = job.printer;
        last_rank = printer_rank[job.printer];
      }
      part.order[i] = SortKey{job.last_time, last_rank, job.job_id, i};
    }
    std::sort(part.order.begin(), part.order.end());
    total += part.order.size();
  }

  // The part whose next job comes first: by time, then printer name, then job id.
  auto head = [&](const Part& part) -> const Job& {
    return part.state->jobs[part.order[part.next].index];
  };
  auto before = [&](const Part& a, const Part& b) {
    const Job& x = head(a);
    const Job& y = head(b);
    if (x.last_time != y.last_time) return x.last_time < y.last_time;
    if (x.printer != y.printer && *x.printer != *y.printer) return *x.printer < *y.printer;
    return x.job_id < y.job_id;
  };

  if (batch_size == 0) batch_size = 1;
  std::vector<JobRecord> batch;
  batch.reserve(std::min(batch_size, total));
  for (size_t done = 0; done < total; ++done) {
    Part* best = nullptr;
    for (Part& part : all) {
      if (part.next < part.order.size() && (best == nullptr || before(part, *best))) {
        best = &part;
      }
    }
    Job& job = best->state->jobs[best->order[best->next++].index];
    JobRecord r;
    r.queue = *job.printer;
    r.cups_job_id = job.job_id;
    r.user = *job.user;
    r.client_host = *job.host;
    r.completed_at = job.last_time;
    r.state = JobState::kCompleted;
    r.copies = 1;
    r.sides = job.sides;
    r.media = *job.media;
    r.impressions_completed = std::max(job.total, PageImpressions(job.pages));
    r.cups_media_sheets_completed = -1;
    if (best->include_titles && !job.title.empty()) r.title = std::move(job.title);
    r.source = RecordSource::kPageLog;
    std::vector<PageLine>().swap(job.pages);
    batch.push_back(std::move(r));
    if (batch.size() == batch_size) {
      RAMETTE_RETURN_IF_ERROR(sink(std::move(batch)));
      batch = std::vector<JobRecord>();
      batch.reserve(std::min(batch_size, total - done - 1));
    }
  }
  if (!batch.empty()) RAMETTE_RETURN_IF_ERROR(sink(std::move(batch)));
  return Status::Ok();
}

std::vector<JobRecord> PageLogJobAssembler::TakeJobs() {
  std::vector<JobRecord> all;
  Status st = Drain(SIZE_MAX, [&](std::vector<JobRecord>&& batch) {
    all = std::move(batch);
    return Status::Ok();
  });
  (void)st;
  return all;
}

}  // namespace ramette::agent
