// QuarantineJson: the exact text every engine stores (its quarantine_once index compares it), and
// the hexadecimal copy of text that is not valid UTF-8.
#include "aggregator/store/quarantine_json.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::store {
namespace {

JobRecord Record() {
  JobRecord r;
  r.queue = "q1";
  r.cups_job_id = 7;
  r.client_host = "h\xc3\xa9";  // "hé", valid UTF-8
  r.created_at = 100;
  r.completed_at = 200;
  r.state = JobState::kCompleted;
  r.copies = 2;
  r.sides = Sides::kTwoSidedLongEdge;
  r.media = "iso_a4_210x297mm";
  r.color_mode = ColorMode::kColor;
  r.number_up = 1;
  r.impressions_completed = 4;
  r.job_impressions = 2;
  r.title = "secret";
  r.source = RecordSource::kLive;
  return r;
}

TEST(QuarantineJsonTest, EveryFieldButTheTitleInAFixedForm) {
  EXPECT_EQ(QuarantineJson(Record()),
            "{\"queue\":\"q1\",\"cups_job_id\":7,\"job_uuid\":\"\",\"user\":\"\","
            "\"client_host\":\"h\xc3\xa9\",\"created_at\":100,\"completed_at\":200,\"state\":9,"
            "\"copies\":2,\"sides\":2,\"media\":\"iso_a4_210x297mm\",\"color_mode\":2,"
            "\"number_up\":1,\"impressions_completed\":4,\"cups_media_sheets_completed\":-1,"
            "\"source\":1,\"job_impressions\":2}");
}

TEST(QuarantineJsonTest, MediaFromTheQueueOnlyWhenSet) {
  JobRecord r = Record();
  r.media_from_queue = true;
  const std::string json = QuarantineJson(r);
  const std::string tail = ",\"source\":1,\"media_from_queue\":true,\"job_impressions\":2}";
  EXPECT_EQ(json.substr(json.size() - tail.size()), tail) << json;
}

TEST(QuarantineJsonTest, AnnouncedCopySizeOnlyWhenKnown) {
  JobRecord r = Record();
  r.job_impressions = 3;
  const std::string json = QuarantineJson(r);
  const std::string tail = ",\"source\":1,\"job_impressions\":3}";
  EXPECT_EQ(json.substr(json.size() - tail.size()), tail) << json;
}

TEST(QuarantineJsonTest, BadUtf8IsReplacedAndKeptInHex) {
  JobRecord r = Record();
  r.user =
      "al\xff"
      "ice";
  r.queue = "\"q\"\n";
  const std::string json = QuarantineJson(r);
  EXPECT_NE(json.find("\"user\":\"al\xef\xbf\xbd"
                      "ice\",\"user_hex\":\"616cff696365\","),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("{\"queue\":\"\\\"q\\\"\\n\",\"cups_job_id\""), std::string::npos) << json;
  EXPECT_EQ(json.find("queue_hex"), std::string::npos);
  EXPECT_EQ(json.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace ramette::aggregator::store
