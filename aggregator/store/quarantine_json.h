// QuarantineJson: how every store engine keeps a rejected record in its quarantine, written once.
// Core (ramette_agg_store): no database here.
#ifndef RAMETTE_AGGREGATOR_STORE_QUARANTINE_JSON_H_
#define RAMETTE_AGGREGATOR_STORE_QUARANTINE_JSON_H_

#include <string>

#include "common/job_record.h"

namespace ramette::aggregator::store {

// The JSON kept in quarantine.record: one object with the fields of `record` but its title and
// job_impressions, in declaration order, enums as their numbers; then "media_from_queue" (true)
// and "job_impressions" (the announced size of one copy) only when set, so that the JSON of a
// record without them is what earlier versions stored (the quarantine's once-key). Always valid
// UTF-8, whatever the record's bytes: a text field that is not valid UTF-8 is written with U+FFFD
// for the bad bytes, plus "<field>_hex", its exact bytes in lowercase hexadecimal. Deterministic:
// the engines' quarantine_once index compares this text, so its form never changes.
std::string QuarantineJson(const JobRecord& record);

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_QUARANTINE_JSON_H_
