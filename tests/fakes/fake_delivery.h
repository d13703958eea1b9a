// Fakes for report delivery: a MailSender that records what it sends and fails on a script,
// and an in-memory DeliveryLog.
#ifndef RAMETTE_TESTS_FAKES_FAKE_DELIVERY_H_
#define RAMETTE_TESTS_FAKES_FAKE_DELIVERY_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "aggregator/reports/delivery.h"
#include "common/status.h"

namespace ramette::testing {

class FakeMailSender : public aggregator::reports::MailSender {
 public:
  struct Sent {
    std::string from;
    std::string recipient;
    std::string message;
  };
  // The next `n` sends to `recipient` fail with Unavailable.
  void FailNext(const std::string& recipient, int n) { failures_[recipient] += n; }

  Status Send(const std::string& from, const std::string& recipient,
              const std::string& message) override {
    ++attempts_;
    auto it = failures_.find(recipient);
    if (it != failures_.end() && it->second > 0) {
      --it->second;
      return Status::Unavailable("451 try again later");
    }
    sent_.push_back(Sent{from, recipient, message});
    return Status::Ok();
  }
  const std::vector<Sent>& sent() const { return sent_; }
  int attempts() const { return attempts_; }

 private:
  std::map<std::string, int> failures_;
  std::vector<Sent> sent_;
  int attempts_ = 0;
};

class FakeDeliveryLog : public aggregator::store::DeliveryLog {
 public:
  void SetEmails(const std::string& direction, std::vector<std::string> emails) {
    std::sort(emails.begin(), emails.end());
    emails_[direction] = std::move(emails);
  }
  // Makes RecordReportSent fail from now on.
  void BreakRecording() { broken_ = true; }

  Result<std::vector<std::string>> DirectionEmails(const std::string& direction) override {
    auto it = emails_.find(direction);
    if (it == emails_.end()) return std::vector<std::string>{};
    return it->second;
  }
  Result<bool> WasReportSent(const std::string& direction, int32_t month,
                             const std::string& recipient) override {
    return sends_.contains(std::make_tuple(direction, month, recipient));
  }
  Status RecordReportSent(const std::string& direction, int32_t month, const std::string& recipient,
                          int64_t) override {
    if (broken_) return Status::IoError("disk full");
    sends_.insert(std::make_tuple(direction, month, recipient));
    return Status::Ok();
  }
  size_t send_count() const { return sends_.size(); }

 private:
  std::map<std::string, std::vector<std::string>> emails_;
  std::set<std::tuple<std::string, int32_t, std::string>> sends_;
  bool broken_ = false;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_FAKES_FAKE_DELIVERY_H_
