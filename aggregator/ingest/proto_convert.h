// The only place where ingest protobuf messages and the domain structs meet.
#ifndef RAMETTE_AGGREGATOR_INGEST_PROTO_CONVERT_H_
#define RAMETTE_AGGREGATOR_INGEST_PROTO_CONVERT_H_

#include "aggregator/ingest/ingest_processor.h"
#include "common/job_record.h"
#include "ramette/v1/ingest.pb.h"

namespace ramette::aggregator {

JobRecord FromProto(const v1::JobRecord& p);
QueueRecord FromProto(const v1::QueueRecord& p);
void ToProto(const JobRecord& r, v1::JobRecord* p);
void ToProto(const QueueRecord& r, v1::QueueRecord* p);
void ToProto(const RecordResult& r, v1::RecordResult* p);

}  // namespace ramette::aggregator

#endif  // RAMETTE_AGGREGATOR_INGEST_PROTO_CONVERT_H_
