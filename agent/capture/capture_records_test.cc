// Tests of the mapping from cupsd's attributes to ramette records.
#include "agent/capture/capture_records.h"

#include <gtest/gtest.h>

namespace ramette::agent {
namespace {

TEST(CaptureRecordsTest, KeywordsMapToTheRecordEnums) {
  CupsJob j;
  j.id = 4;
  j.state = CupsJobState::kCompleted;
  j.sides = "two-sided-short-edge";
  j.print_color_mode = "color";
  EXPECT_EQ(ToJobRecord(j, false).sides, Sides::kTwoSidedShortEdge);
  EXPECT_EQ(ToJobRecord(j, false).color_mode, ColorMode::kColor);
  j.sides = "one-sided";
  j.print_color_mode = "process-monochrome";
  EXPECT_EQ(ToJobRecord(j, false).sides, Sides::kOneSided);
  EXPECT_EQ(ToJobRecord(j, false).color_mode, ColorMode::kMonochrome);
  j.sides = "";
  j.print_color_mode = "auto";
  EXPECT_EQ(ToJobRecord(j, false).sides, Sides::kUnknown);
  EXPECT_EQ(ToJobRecord(j, false).color_mode, ColorMode::kUnknown);
  j.state = CupsJobState::kAborted;
  EXPECT_EQ(ToJobRecord(j, false).state, JobState::kAborted);
  j.state = CupsJobState::kCanceled;
  EXPECT_EQ(ToJobRecord(j, false).state, JobState::kCanceled);
}

TEST(CaptureRecordsTest, MissingValuesGetTheRecordDefaults) {
  CupsJob j;
  j.id = 4;
  j.state = CupsJobState::kCompleted;
  j.created_at = 100;
  j.processing_at = 120;
  JobRecord r = ToJobRecord(j, true);
  EXPECT_EQ(r.copies, 1);
  EXPECT_EQ(r.completed_at, 120);  // no time-at-completed: time-at-processing
  EXPECT_EQ(r.cups_media_sheets_completed, -1);
  EXPECT_EQ(r.job_impressions, 0);
  EXPECT_EQ(r.number_up, 0);
  EXPECT_EQ(r.user, "");
  EXPECT_EQ(r.client_host, "");
  EXPECT_FALSE(r.title.has_value());  // hidden by cupsd, even though titles are on
  EXPECT_EQ(r.media, "");
  j.processing_at = 0;
  EXPECT_EQ(ToJobRecord(j, false).completed_at, 100);
}

TEST(CaptureRecordsTest, JobWithoutSidesGetsTheQueueDefault) {
  CupsJob j;
  j.state = CupsJobState::kCompleted;
  QueueDefaults duplex{"two-sided-long-edge"};
  JobRecord r = ToJobRecord(j, false, &duplex);
  EXPECT_EQ(r.sides, Sides::kTwoSidedLongEdge);
  EXPECT_EQ(r.media, "");  // the queue names no media-default: unknown (A4, flagged)
  EXPECT_FALSE(r.media_from_queue);
  // What the job named wins over the queue.
  j.sides = "one-sided";
  EXPECT_EQ(ToJobRecord(j, false, &duplex).sides, Sides::kOneSided);
  // A queue without a default, or none known: unknown.
  CupsJob bare;
  QueueDefaults none;
  EXPECT_EQ(ToJobRecord(bare, false, &none).sides, Sides::kUnknown);
  EXPECT_EQ(ToJobRecord(bare, false).sides, Sides::kUnknown);
}

TEST(CaptureRecordsTest, JobWithoutMediaIsPrintedOnTheQueueDefault) {
  CupsJob j;
  j.state = CupsJobState::kCompleted;
  QueueDefaults a3{"one-sided", "iso_a3_297x420mm"};
  JobRecord r = ToJobRecord(j, false, &a3);
  EXPECT_EQ(r.media, "iso_a3_297x420mm");
  EXPECT_TRUE(r.media_from_queue);
  // What the job named wins over the queue, and is its own.
  j.media = "iso_a4_210x297mm";
  r = ToJobRecord(j, false, &a3);
  EXPECT_EQ(r.media, "iso_a4_210x297mm");
  EXPECT_FALSE(r.media_from_queue);
  // Neither the job nor its queue: unknown.
  CupsJob bare;
  QueueDefaults none;
  EXPECT_EQ(ToJobRecord(bare, false, &none).media, "");
  EXPECT_FALSE(ToJobRecord(bare, false, &none).media_from_queue);
  EXPECT_EQ(ToJobRecord(bare, false).media, "");
}

TEST(CaptureRecordsTest, TitleOnlyWhenAsked) {
  CupsJob j;
  j.name = "salaries.xlsx";
  EXPECT_FALSE(ToJobRecord(j, false).title.has_value());
  EXPECT_EQ(ToJobRecord(j, true).title, "salaries.xlsx");
}

TEST(CaptureRecordsTest, QueueRecord) {
  CupsPrinter p;
  p.name = "q";
  p.info = "Second floor copier";
  p.sides_supported = {"one-sided"};
  p.device_uri = "ipp://admin:pw@10.0.0.5:631/ipp/print";
  QueueRecord q = ToQueueRecord(p);
  EXPECT_EQ(q.description, "Second floor copier");
  EXPECT_FALSE(q.duplex_supported);
  EXPECT_EQ(q.device_uri, "ipp://10.0.0.5:631/ipp/print");
  p.sides_supported.push_back("two-sided-long-edge");
  EXPECT_TRUE(ToQueueRecord(p).duplex_supported);
  p.media_default = "na_letter_8.5x11in";
  p.sides_default = "two-sided-long-edge";
  EXPECT_EQ(ToQueueRecord(p).media_default, "na_letter_8.5x11in");
  EXPECT_EQ(ToQueueRecord(p).sides_default, "two-sided-long-edge");
}

TEST(CaptureRecordsTest, StripUriCredentials) {
  EXPECT_EQ(StripUriCredentials("file:///dev/null"), "file:///dev/null");
  EXPECT_EQ(StripUriCredentials("socket://10.0.0.9:9100"), "socket://10.0.0.9:9100");
  EXPECT_EQ(StripUriCredentials("smb://user:pass@server/share"), "smb://server/share");
  EXPECT_EQ(StripUriCredentials("lpd://user@host/queue?x=a@b"), "lpd://host/queue?x=a@b");
  EXPECT_EQ(StripUriCredentials("ipp://host/printers/a@b"), "ipp://host/printers/a@b");
  EXPECT_EQ(StripUriCredentials("hp:/usb/LaserJet?serial=1"), "hp:/usb/LaserJet?serial=1");
}

TEST(CaptureRecordsTest, FingerprintSeesEveryField) {
  QueueRecord a;
  a.name = "q";
  QueueRecord b = a;
  EXPECT_EQ(QueueFingerprint(a), QueueFingerprint(b));
  b.location = "x";
  EXPECT_NE(QueueFingerprint(a), QueueFingerprint(b));
  b = a;
  b.duplex_supported = true;
  EXPECT_NE(QueueFingerprint(a), QueueFingerprint(b));
  b = a;
  b.printer_type = 4;
  EXPECT_NE(QueueFingerprint(a), QueueFingerprint(b));
  b = a;
  b.media_default = "iso_a3_297x420mm";
  EXPECT_NE(QueueFingerprint(a), QueueFingerprint(b));
  b = a;
  b.sides_default = "one-sided";
  EXPECT_NE(QueueFingerprint(a), QueueFingerprint(b));
}

}  // namespace
}  // namespace ramette::agent
