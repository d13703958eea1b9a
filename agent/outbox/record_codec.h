// The outbox's storage format for records: a compact, versioned, length-prefixed binary encoding
// of JobRecord and QueueRecord (varints, zigzag for signed values), independent of protobuf.
#ifndef RAMETTE_AGENT_OUTBOX_RECORD_CODEC_H_
#define RAMETTE_AGENT_OUTBOX_RECORD_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/outbox/outbox.h"
#include "common/status.h"

namespace ramette::agent {

// Appends the encoding of `item` to *out. Never fails: every field value has an encoding.
void EncodeOutboxItem(const OutboxItem& item, std::string* out);

// The size of EncodeOutboxItem's output for `item`.
int64_t EncodedSize(const OutboxItem& item);

// Decodes exactly one item written by EncodeOutboxItem. Corruption when `bytes` is anything else
// (unknown tag or format version, truncated, trailing bytes, a value out of its field's range).
Result<OutboxItem> DecodeOutboxItem(std::string_view bytes);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_OUTBOX_RECORD_CODEC_H_
