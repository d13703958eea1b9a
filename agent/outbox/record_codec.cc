// Record encoding: a tag byte naming the kind and format version, then the fields in a fixed
// order. Strings are a varint length then the bytes; integers are zigzag varints.
#include "agent/outbox/record_codec.h"

#include <limits>
#include <type_traits>
#include <utility>

namespace ramette::agent {

namespace {

// First byte of an encoding. A new format is a new tag; decoders keep reading the old ones.
constexpr uint8_t kJobV1 = 0x01;
constexpr uint8_t kQueueV1 = 0x02;
constexpr uint8_t kJobV2 = 0x03;    // V1, then media_from_queue
constexpr uint8_t kQueueV2 = 0x04;  // V1, then media_default and sides_default

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutSigned(int64_t v, std::string* out) {
  PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}

void PutString(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

void PutBool(bool b, std::string* out) { out->push_back(b ? 1 : 0); }

template <typename E>
void PutEnum(E e, std::string* out) {
  PutSigned(static_cast<int64_t>(static_cast<std::underlying_type_t<E>>(e)), out);
}

void EncodeJob(const JobRecord& j, std::string* out) {
  out->push_back(static_cast<char>(kJobV2));
  PutString(j.queue, out);
  PutSigned(j.cups_job_id, out);
  PutString(j.job_uuid, out);
  PutString(j.user, out);
  PutString(j.client_host, out);
  PutSigned(j.created_at, out);
  PutSigned(j.completed_at, out);
  PutEnum(j.state, out);
  PutSigned(j.copies, out);
  PutEnum(j.sides, out);
  PutString(j.media, out);
  PutEnum(j.color_mode, out);
  PutSigned(j.number_up, out);
  PutSigned(j.impressions_completed, out);
  PutSigned(j.cups_media_sheets_completed, out);
  PutSigned(j.job_impressions, out);
  PutBool(j.title.has_value(), out);
  if (j.title) PutString(*j.title, out);
  PutEnum(j.source, out);
  PutBool(j.media_from_queue, out);
}

void EncodeQueue(const QueueRecord& q, std::string* out) {
  out->push_back(static_cast<char>(kQueueV2));
  PutString(q.name, out);
  PutString(q.uuid, out);
  PutString(q.make_model, out);
  PutString(q.device_uri, out);
  PutString(q.location, out);
  PutString(q.description, out);
  PutBool(q.color_supported, out);
  PutBool(q.duplex_supported, out);
  PutSigned(q.printer_type, out);
  PutBool(q.deleted, out);
  PutString(q.media_default, out);
  PutString(q.sides_default, out);
}

// Reads an encoding front to back; the first failure sticks and every later read is a no-op.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool ok() const { return error_.empty(); }
  bool AtEnd() const { return in_.empty(); }
  const std::string& error() const { return error_; }
  void Fail(std::string what) {
    if (error_.empty()) error_ = std::move(what);
  }

  uint8_t Byte(const char* field) {
    if (!ok()) return 0;
    if (in_.empty()) {
      Fail(std::string("truncated at ") + field);
      return 0;
    }
    uint8_t b = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }

  uint64_t Varint(const char* field) {
    uint64_t v = 0;
    for (int shift = 0; ok(); shift += 7) {
      if (shift > 63) {
        Fail(std::string("over-long varint at ") + field);
        return 0;
      }
      uint8_t b = Byte(field);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return 0;
  }

  int64_t Signed(const char* field) {
    uint64_t u = Varint(field);
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }

  int32_t Int32(const char* field) {
    int64_t v = Signed(field);
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      Fail(std::string("out-of-range ") + field);
      return 0;
    }
    return static_cast<int32_t>(v);
  }

  template <typename E>
  E Enum(const char* field) {
    return static_cast<E>(Int32(field));
  }

  bool Bool(const char* field) {
    uint8_t b = Byte(field);
    if (b > 1) Fail(std::string("bad boolean at ") + field);
    return b == 1;
  }

  std::string String(const char* field) {
    uint64_t n = Varint(field);
    if (!ok()) return {};
    if (n > in_.size()) {
      Fail(std::string("truncated at ") + field);
      return {};
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }

 private:
  std::string_view in_;
  std::string error_;
};

JobRecord DecodeJob(Reader& r, bool v2) {
  JobRecord j;
  j.queue = r.String("queue");
  j.cups_job_id = r.Int32("cups_job_id");
  j.job_uuid = r.String("job_uuid");
  j.user = r.String("user");
  j.client_host = r.String("client_host");
  j.created_at = r.Signed("created_at");
  j.completed_at = r.Signed("completed_at");
  j.state = r.Enum<JobState>("state");
  j.copies = r.Int32("copies");
  j.sides = r.Enum<Sides>("sides");
  j.media = r.String("media");
  j.color_mode = r.Enum<ColorMode>("color_mode");
  j.number_up = r.Int32("number_up");
  j.impressions_completed = r.Signed("impressions_completed");
  j.cups_media_sheets_completed = r.Signed("cups_media_sheets_completed");
  j.job_impressions = r.Signed("job_impressions");
  if (r.Bool("title presence")) j.title = r.String("title");
  j.source = r.Enum<RecordSource>("source");
  if (v2) j.media_from_queue = r.Bool("media_from_queue");
  return j;
}

QueueRecord DecodeQueue(Reader& r, bool v2) {
  QueueRecord q;
  q.name = r.String("name");
  q.uuid = r.String("uuid");
  q.make_model = r.String("make_model");
  q.device_uri = r.String("device_uri");
  q.location = r.String("location");
  q.description = r.String("description");
  q.color_supported = r.Bool("color_supported");
  q.duplex_supported = r.Bool("duplex_supported");
  q.printer_type = r.Int32("printer_type");
  q.deleted = r.Bool("deleted");
  if (v2) {
    q.media_default = r.String("media_default");
    q.sides_default = r.String("sides_default");
  }
  return q;
}

}  // namespace

void EncodeOutboxItem(const OutboxItem& item, std::string* out) {
  if (const auto* job = std::get_if<JobRecord>(&item)) {
    EncodeJob(*job, out);
  } else {
    EncodeQueue(std::get<QueueRecord>(item), out);
  }
}

int64_t EncodedSize(const OutboxItem& item) {
  std::string buf;
  EncodeOutboxItem(item, &buf);
  return static_cast<int64_t>(buf.size());
}

Result<OutboxItem> DecodeOutboxItem(std::string_view bytes) {
  Reader r(bytes);
  uint8_t tag = r.Byte("tag");
  OutboxItem item;
  switch (tag) {
    case kJobV1:
    case kJobV2:
      item = DecodeJob(r, tag == kJobV2);
      break;
    case kQueueV1:
    case kQueueV2:
      item = DecodeQueue(r, tag == kQueueV2);
      break;
    default:
      if (r.ok()) r.Fail("unknown record tag " + std::to_string(tag));
      break;
  }
  if (r.ok() && !r.AtEnd()) r.Fail("trailing bytes");
  if (!r.ok()) return Status::Corruption("undecodable outbox record: " + r.error());
  return item;
}

}  // namespace ramette::agent
