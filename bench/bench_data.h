// Synthetic but realistic job streams for the benchmarks: each batch comes from one print
// server, in completion order, from that server's users and queues (as an agent sends them).
#ifndef RAMETTE_BENCH_BENCH_DATA_H_
#define RAMETTE_BENCH_BENCH_DATA_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/job_record.h"

namespace ramette::bench {

struct Org {
  int servers = 10;
  int queues_per_server = 30;
  int users = 3000;  // user u prints mostly on server u % servers
};

inline std::string ServerName(int s) { return "prn-" + std::to_string(s); }
inline std::string QueueName(int q) { return "queue-" + std::to_string(q); }
inline std::string UserName(int u) { return "user" + std::to_string(u); }

// Generates `count` jobs of one server starting at `start` (seconds), `spacing` seconds apart,
// with CUPS job ids from `first_id`.
class JobGenerator {
 public:
  JobGenerator(const Org& org, uint32_t seed) : org_(org), rng_(seed) {}

  std::vector<JobRecord> Batch(int server, int32_t first_id, int64_t start, int64_t spacing,
                               int count) {
    std::vector<JobRecord> jobs;
    jobs.reserve(count);
    const int users_here = org_.users / org_.servers;
    for (int i = 0; i < count; ++i) {
      JobRecord j;
      int local_user = static_cast<int>(rng_() % users_here);
      int user = local_user * org_.servers + server;
      // Each user uses two queues of their server.
      j.queue = QueueName((user * 7 + static_cast<int>(rng_() % 2)) % org_.queues_per_server);
      j.cups_job_id = first_id + i;
      j.job_uuid =
          "urn:uuid:00000000-0000-4000-8000-" + std::to_string(100000000000 + first_id + i);
      j.user = UserName(user);
      j.client_host = "pc-" + std::to_string(user) + ".example.org";
      j.completed_at = start + i * spacing;
      j.created_at = j.completed_at - 5;
      j.state = JobState::kCompleted;
      uint32_t r = rng_();
      j.copies = (r % 10 == 0) ? 2 : 1;
      j.impressions_completed = j.copies * (1 + static_cast<int>(r % 12));
      j.sides = (r % 3 == 0) ? Sides::kOneSided : Sides::kTwoSidedLongEdge;
      j.media = (r % 20 == 0) ? "iso_a3_297x420mm" : "iso_a4_210x297mm";
      j.color_mode = (r % 4 == 0) ? ColorMode::kColor : ColorMode::kMonochrome;
      j.number_up = 1;
      j.cups_media_sheets_completed = j.impressions_completed / 2;
      j.source = RecordSource::kLive;
      jobs.push_back(std::move(j));
    }
    return jobs;
  }

 private:
  Org org_;
  std::mt19937 rng_;
};

}  // namespace ramette::bench

#endif  // RAMETTE_BENCH_BENCH_DATA_H_
