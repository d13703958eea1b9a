// The report delivery part of the store contract: the directions' addresses and the log of
// sends (`ramette report monthly --send`). Every engine implements it; tests use
// tests/fakes/fake_delivery.h.
#ifndef RAMETTE_AGGREGATOR_STORE_DELIVERY_LOG_H_
#define RAMETTE_AGGREGATOR_STORE_DELIVERY_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ramette::aggregator::store {

// The directions' addresses and the log of sends. A send is keyed by (direction, month as a
// MonthIndex, recipient) and recorded only after the relay accepted it.
// Thread-safe; not re-entrant. Errors: IoError, Unavailable (retry), FailedPrecondition (schema).
class DeliveryLog {
 public:
  virtual ~DeliveryLog() = default;
  // The addresses of `direction`, sorted; empty when it has none.
  virtual Result<std::vector<std::string>> DirectionEmails(const std::string& direction) = 0;
  virtual Result<bool> WasReportSent(const std::string& direction, int32_t month,
                                     const std::string& recipient) = 0;
  // Records a send once: a second record of the same key changes nothing (not an error).
  virtual Status RecordReportSent(const std::string& direction, int32_t month,
                                  const std::string& recipient, int64_t sent_at_unix) = 0;
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_DELIVERY_LOG_H_
