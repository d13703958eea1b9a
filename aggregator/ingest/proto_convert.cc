// Per-record results to protobuf.
#include "aggregator/ingest/proto_convert.h"

namespace ramette::aggregator::ingest {

void ToProto(const RecordResult& r, v1::RecordResult* p) {
  switch (r.kind) {
    case RecordResult::Kind::kAccepted:
      p->set_status(v1::RECORD_STATUS_ACCEPTED);
      break;
    case RecordResult::Kind::kDuplicate:
      p->set_status(v1::RECORD_STATUS_DUPLICATE);
      break;
    case RecordResult::Kind::kRejected:
      p->set_status(v1::RECORD_STATUS_REJECTED);
      break;
  }
  p->set_reason(r.reason);
}

}  // namespace ramette::aggregator::ingest
