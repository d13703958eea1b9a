// Tests of the outbox record encoding: exact round trips, compactness, and rejection of anything
// that is not an encoding.
#include "agent/outbox/record_codec.h"

#include <gtest/gtest.h>

#include <limits>

#include "agent/outbox/outbox_test_util.h"

namespace ramette::agent {
namespace {

using testing::MakeJob;
using testing::MakeQueue;

std::string Encode(const OutboxItem& item) {
  std::string out;
  EncodeOutboxItem(item, &out);
  return out;
}

void ExpectSameJob(const JobRecord& a, const JobRecord& b) {
  EXPECT_EQ(a.queue, b.queue);
  EXPECT_EQ(a.cups_job_id, b.cups_job_id);
  EXPECT_EQ(a.job_uuid, b.job_uuid);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.client_host, b.client_host);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.completed_at, b.completed_at);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.copies, b.copies);
  EXPECT_EQ(a.sides, b.sides);
  EXPECT_EQ(a.media, b.media);
  EXPECT_EQ(a.color_mode, b.color_mode);
  EXPECT_EQ(a.number_up, b.number_up);
  EXPECT_EQ(a.impressions_completed, b.impressions_completed);
  EXPECT_EQ(a.cups_media_sheets_completed, b.cups_media_sheets_completed);
  EXPECT_EQ(a.job_impressions, b.job_impressions);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.media_from_queue, b.media_from_queue);
}

TEST(RecordCodecTest, JobRoundTripsExactly) {
  JobRecord j = MakeJob(42);
  j.title = std::string("Rapport \xff\x00 annuel", 17);  // raw bytes, NUL included
  j.user = "";
  j.created_at = -5;
  j.completed_at = std::numeric_limits<int64_t>::max();
  j.cups_job_id = std::numeric_limits<int32_t>::min();
  j.cups_media_sheets_completed = -1;
  j.state = JobState::kAborted;
  j.sides = Sides::kTwoSidedShortEdge;
  j.color_mode = ColorMode::kColor;
  j.source = RecordSource::kPageLog;
  j.media_from_queue = true;
  Result<OutboxItem> back = DecodeOutboxItem(Encode(j));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameJob(std::get<JobRecord>(*back), j);

  JobRecord untitled = MakeJob(7);
  back = DecodeOutboxItem(Encode(untitled));
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(std::get<JobRecord>(*back).title.has_value());
  ExpectSameJob(std::get<JobRecord>(*back), untitled);
}

TEST(RecordCodecTest, QueueRoundTripsExactly) {
  QueueRecord q = MakeQueue("hall");
  q.deleted = true;
  q.color_supported = true;
  q.printer_type = -3;
  q.media_default = "iso_a3_297x420mm";
  q.sides_default = "two-sided-long-edge";
  Result<OutboxItem> back = DecodeOutboxItem(Encode(q));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  const auto& r = std::get<QueueRecord>(*back);
  EXPECT_EQ(r.name, q.name);
  EXPECT_EQ(r.uuid, q.uuid);
  EXPECT_EQ(r.make_model, q.make_model);
  EXPECT_EQ(r.device_uri, q.device_uri);
  EXPECT_EQ(r.location, q.location);
  EXPECT_EQ(r.description, q.description);
  EXPECT_EQ(r.color_supported, q.color_supported);
  EXPECT_EQ(r.duplex_supported, q.duplex_supported);
  EXPECT_EQ(r.printer_type, q.printer_type);
  EXPECT_EQ(r.deleted, q.deleted);
  EXPECT_EQ(r.media_default, q.media_default);
  EXPECT_EQ(r.sides_default, q.sides_default);
}

// Records an earlier agent left in its outbox (tags 0x01 and 0x02, without the queue defaults)
// are still read after an upgrade.
TEST(RecordCodecTest, ReadsTheFirstFormat) {
  JobRecord j = MakeJob(5);
  std::string bytes = Encode(j);
  ASSERT_EQ(bytes.back(), '\0');  // media_from_queue = false, the last field of the new format
  bytes[0] = 0x01;
  bytes.pop_back();
  Result<OutboxItem> back = DecodeOutboxItem(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameJob(std::get<JobRecord>(*back), j);

  QueueRecord q = MakeQueue("old");
  bytes = Encode(q);
  bytes[0] = 0x02;
  bytes.resize(bytes.size() - 2);  // two empty strings: media_default, sides_default
  back = DecodeOutboxItem(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::get<QueueRecord>(*back).name, "old");
  EXPECT_EQ(std::get<QueueRecord>(*back).media_default, "");
}

TEST(RecordCodecTest, IsCompactAndSizeMatches) {
  const OutboxItem job = MakeJob(123456);
  const std::string bytes = Encode(job);
  EXPECT_EQ(EncodedSize(job), static_cast<int64_t>(bytes.size()));
  // The strings (about 104 bytes here) plus about one byte per other field.
  EXPECT_LT(bytes.size(), 140u) << bytes.size();
}

TEST(RecordCodecTest, RejectsWhatIsNotAnEncoding) {
  const std::string job = Encode(MakeJob(9));
  const std::string queue = Encode(MakeQueue("q"));
  EXPECT_EQ(DecodeOutboxItem("").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeOutboxItem("\x7f").status().code(), Status::Code::kCorruption);  // unknown tag
  for (size_t n = 0; n < job.size(); ++n) {  // every truncation
    EXPECT_EQ(DecodeOutboxItem(job.substr(0, n)).status().code(), Status::Code::kCorruption) << n;
  }
  for (size_t n = 0; n < queue.size(); ++n) {
    EXPECT_EQ(DecodeOutboxItem(queue.substr(0, n)).status().code(), Status::Code::kCorruption);
  }
  EXPECT_EQ(DecodeOutboxItem(job + '\0').status().code(), Status::Code::kCorruption);
  std::string bad_bool = queue;
  bad_bool[bad_bool.size() - 3] = 2;  // `deleted`, before two empty strings (the defaults)
  Result<OutboxItem> r = DecodeOutboxItem(bad_bool);
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r.status().message().find("deleted"), std::string::npos) << r.status().message();
  // A cups_job_id beyond int32: tag, queue "q", then the job id as a zigzag varint of 2^40.
  std::string wide("\x01\x01q\x80\x80\x80\x80\x80\x40", 9);
  r = DecodeOutboxItem(wide);
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r.status().message().find("cups_job_id"), std::string::npos) << r.status().message();
  // An over-long varint.
  EXPECT_EQ(DecodeOutboxItem(std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12))
                .status()
                .code(),
            Status::Code::kCorruption);
}

}  // namespace
}  // namespace ramette::agent
