// Protobuf <-> domain mapping: every field survives a round trip; unset optional counts stay
// "unknown" instead of becoming 0.
#include "proto/convert/record_convert.h"

#include <gtest/gtest.h>

namespace ramette {
namespace {

TEST(ProtoConvertTest, JobRoundTrip) {
  JobRecord r;
  r.queue = "compta";
  r.cups_job_id = 77;
  r.job_uuid = "urn:uuid:1";
  r.user = "élodie";
  r.client_host = "pc-1";
  r.created_at = 1500000000;
  r.completed_at = 1500000060;
  r.state = JobState::kAborted;
  r.copies = 3;
  r.sides = Sides::kTwoSidedShortEdge;
  r.media = "iso_a3_297x420mm";
  r.color_mode = ColorMode::kColor;
  r.number_up = 2;
  r.impressions_completed = 7;
  r.cups_media_sheets_completed = 3;
  r.job_impressions = 3;
  r.title = "t";
  r.source = RecordSource::kPageLog;
  r.media_from_queue = true;
  v1::JobRecord p;
  ToProto(r, &p);
  JobRecord back = FromProto(p);
  EXPECT_EQ(back.queue, r.queue);
  EXPECT_EQ(back.cups_job_id, 77);
  EXPECT_EQ(back.job_uuid, r.job_uuid);
  EXPECT_EQ(back.user, r.user);
  EXPECT_EQ(back.client_host, r.client_host);
  EXPECT_EQ(back.created_at, r.created_at);
  EXPECT_EQ(back.completed_at, r.completed_at);
  EXPECT_EQ(back.state, JobState::kAborted);
  EXPECT_EQ(back.copies, 3);
  EXPECT_EQ(back.sides, Sides::kTwoSidedShortEdge);
  EXPECT_EQ(back.media, r.media);
  EXPECT_EQ(back.color_mode, ColorMode::kColor);
  EXPECT_EQ(back.number_up, 2);
  EXPECT_EQ(back.impressions_completed, 7);
  EXPECT_EQ(back.cups_media_sheets_completed, 3);
  EXPECT_EQ(back.job_impressions, 3);
  EXPECT_EQ(back.title.value_or(""), "t");
  EXPECT_EQ(back.source, RecordSource::kPageLog);
  EXPECT_TRUE(back.media_from_queue);
  r.media_from_queue = false;
  ToProto(r, &p);
  EXPECT_FALSE(FromProto(p).media_from_queue);
}

TEST(ProtoConvertTest, UnsetCountsStayUnknown) {
  v1::JobRecord p;
  p.set_queue("q");
  JobRecord r = FromProto(p);
  EXPECT_EQ(r.cups_media_sheets_completed, -1);
  EXPECT_EQ(r.job_impressions, 0);
  EXPECT_FALSE(r.title.has_value());
  p.set_cups_media_sheets_completed(0);  // a real zero (cancelled before printing)
  EXPECT_EQ(FromProto(p).cups_media_sheets_completed, 0);
}

TEST(ProtoConvertTest, QueueRoundTrip) {
  QueueRecord q;
  q.name = "rdc";
  q.uuid = "urn:uuid:2";
  q.make_model = "HP";
  q.device_uri = "ipp://10.0.0.1/ipp/print";
  q.location = "RDC";
  q.description = "Accueil";
  q.color_supported = true;
  q.duplex_supported = true;
  q.printer_type = 0x801c;
  q.deleted = true;
  q.media_default = "iso_a3_297x420mm";
  q.sides_default = "two-sided-long-edge";
  v1::QueueRecord p;
  ToProto(q, &p);
  QueueRecord back = FromProto(p);
  EXPECT_EQ(back.name, q.name);
  EXPECT_EQ(back.uuid, q.uuid);
  EXPECT_EQ(back.make_model, q.make_model);
  EXPECT_EQ(back.device_uri, q.device_uri);
  EXPECT_EQ(back.location, q.location);
  EXPECT_EQ(back.description, q.description);
  EXPECT_TRUE(back.color_supported);
  EXPECT_TRUE(back.duplex_supported);
  EXPECT_EQ(back.printer_type, 0x801c);
  EXPECT_TRUE(back.deleted);
  EXPECT_EQ(back.media_default, "iso_a3_297x420mm");
  EXPECT_EQ(back.sides_default, "two-sided-long-edge");
}

}  // namespace
}  // namespace ramette
