// The aggregator's protobuf mapping: the shared record conversion plus per-record results.
#ifndef RAMETTE_AGGREGATOR_INGEST_PROTO_CONVERT_H_
#define RAMETTE_AGGREGATOR_INGEST_PROTO_CONVERT_H_

#include "aggregator/ingest/ingest_processor.h"
#include "proto/convert/record_convert.h"
#include "ramette/v1/ingest.pb.h"

namespace ramette::aggregator::ingest {

using ::ramette::FromProto;
using ::ramette::ToProto;
void ToProto(const RecordResult& r, v1::RecordResult* p);

}  // namespace ramette::aggregator::ingest

#endif  // RAMETTE_AGGREGATOR_INGEST_PROTO_CONVERT_H_
