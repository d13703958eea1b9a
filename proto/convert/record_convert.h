// Mapping between the ingest protobuf messages and the domain records (common/job_record.h),
// shared by the agent and the aggregator: the only code that sees both.
#ifndef RAMETTE_PROTO_CONVERT_RECORD_CONVERT_H_
#define RAMETTE_PROTO_CONVERT_RECORD_CONVERT_H_

#include "common/job_record.h"
#include "ramette/v1/ingest.pb.h"

namespace ramette {

// Unknown enum values map to "unknown"; an unset CUPS sheet count maps to -1.
JobRecord FromProto(const v1::JobRecord& p);
QueueRecord FromProto(const v1::QueueRecord& p);
void ToProto(const JobRecord& r, v1::JobRecord* p);
void ToProto(const QueueRecord& r, v1::QueueRecord* p);

}  // namespace ramette

#endif  // RAMETTE_PROTO_CONVERT_RECORD_CONVERT_H_
