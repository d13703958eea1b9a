// Tests for page_log line parsing (fields from both ends, times with their offsets, errors) and
// for assembling lines into job records.
#include "agent/backfill/page_log_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "agent/backfill/page_log_assembler.h"

namespace ramette::agent {
namespace {

// The entry points into `line`: callers keep it alive (string literals are).
PageLogEntry Parse(std::string_view line) {
  Result<PageLogEntry> e = ParsePageLogLine(line);
  EXPECT_TRUE(e.ok()) << line << " -> " << e.status().message();
  return e.ok() ? *e : PageLogEntry();
}

std::string ErrorOf(std::string_view line) {
  Result<PageLogEntry> e = ParsePageLogLine(line);
  EXPECT_FALSE(e.ok()) << line;
  return e.ok() ? "" : e.status().message();
}

TEST(PageLogParserTest, TotalLineWithSpacesInJobName) {
  const std::string line =
      "LaserJet_2F alice 1234 [03/Mar/2018:14:05:09 +0100] total 7 - 10.0.0.12 "
      "Rapport annuel 2017 (final).pdf iso_a4_210x297mm two-sided-long-edge";
  PageLogEntry e = Parse(line);
  EXPECT_EQ(e.printer, "LaserJet_2F");
  EXPECT_EQ(e.user, "alice");
  EXPECT_EQ(e.job_id, 1234);
  EXPECT_EQ(e.time, 1520082309);  // 2018-03-03T13:05:09Z
  EXPECT_EQ(e.utc_offset, 3600);
  EXPECT_TRUE(e.is_total);
  EXPECT_EQ(e.page, 0);
  EXPECT_EQ(e.count, 7);
  EXPECT_EQ(e.billing, "");
  EXPECT_EQ(e.host, "10.0.0.12");
  EXPECT_EQ(e.job_name, "Rapport annuel 2017 (final).pdf");
  EXPECT_EQ(e.media, "iso_a4_210x297mm");
  EXPECT_EQ(e.sides, Sides::kTwoSidedLongEdge);
}

TEST(PageLogParserTest, DashFieldsAreEmpty) {
  PageLogEntry e = Parse("Accueil - 17 [01/Jan/2019:00:00:00 +0000] total 1 - - - - -");
  EXPECT_EQ(e.printer, "Accueil");
  EXPECT_EQ(e.user, "");
  EXPECT_EQ(e.host, "");
  EXPECT_EQ(e.job_name, "");
  EXPECT_EQ(e.media, "");
  EXPECT_EQ(e.sides, Sides::kUnknown);
  EXPECT_EQ(e.time, 1546300800);
}

TEST(PageLogParserTest, EmptyJobNameAndBilling) {
  // An attribute set to "" leaves an empty field: two spaces in a row.
  PageLogEntry e =
      Parse("p bob 3 [01/Jan/2019:00:00:00 +0000] total 2 acme-123 host  A4 one-sided");
  EXPECT_EQ(e.billing, "acme-123");
  EXPECT_EQ(e.host, "host");
  EXPECT_EQ(e.job_name, "");
  EXPECT_EQ(e.media, "A4");
  EXPECT_EQ(e.sides, Sides::kOneSided);
}

TEST(PageLogParserTest, JobNameWithManySpacesAndTrailingSpace) {
  PageLogEntry e = Parse(
      "p u 9 [01/Jan/2019:00:00:00 +0000] total 2 - h  a  b  na_letter_8.5x11in "
      "two-sided-short-edge");
  EXPECT_EQ(e.job_name, " a  b ");
  EXPECT_EQ(e.media, "na_letter_8.5x11in");
  EXPECT_EQ(e.sides, Sides::kTwoSidedShortEdge);
}

TEST(PageLogParserTest, PageLine) {
  PageLogEntry e = Parse(
      "DeskJet root 2 [20/May/1999:19:21:05 +0000] 12 3 acme-123 localhost "
      "myjob letter one-sided");
  EXPECT_FALSE(e.is_total);
  EXPECT_EQ(e.page, 12);
  EXPECT_EQ(e.count, 3);
}

TEST(PageLogParserTest, OffsetsConvertToTheExactUtcSecond) {
  // West of UTC, across a year boundary.
  EXPECT_EQ(Parse("p u 1 [31/Dec/2017:22:30:00 -0500] total 1 - - - - -").time, 1514777400);
  EXPECT_EQ(Parse("p u 1 [31/Dec/2017:22:30:00 -0500] total 1 - - - - -").utc_offset, -18000);
  // Summer time in Paris.
  EXPECT_EQ(Parse("p u 1 [25/Jul/2016:10:15:42 +0200] total 1 - - - - -").time, 1469434542);
  // The spring-forward night: 01:59:59 +0100 and 03:00:00 +0200 are consecutive seconds.
  EXPECT_EQ(Parse("p u 1 [27/Mar/2016:01:59:59 +0100] total 1 - - - - -").time, 1459040399);
  EXPECT_EQ(Parse("p u 1 [27/Mar/2016:03:00:00 +0200] total 1 - - - - -").time, 1459040400);
  // The fall-back night: 02:30 happens twice, the offset tells which.
  EXPECT_EQ(Parse("p u 1 [28/Oct/2018:02:30:00 +0200] total 1 - - - - -").time, 1540686600);
  EXPECT_EQ(Parse("p u 1 [28/Oct/2018:02:30:00 +0100] total 1 - - - - -").time, 1540690200);
  // Half-hour offsets.
  EXPECT_EQ(Parse("p u 1 [15/Jun/2018:09:00:00 +0530] total 1 - - - - -").time, 1529033400);
  // Leap day.
  EXPECT_EQ(Parse("p u 1 [29/Feb/2016:12:00:00 +0000] total 1 - - - - -").time, 1456747200);
}

TEST(PageLogParserTest, MicrosecondTimesAndCrLf) {
  PageLogEntry e = Parse("p u 1 [25/Jul/2016:10:15:42.123456 +0200] total 4 - - x A4 one-sided\r");
  EXPECT_EQ(e.time, 1469434542);
  EXPECT_EQ(e.sides, Sides::kOneSided);
  EXPECT_EQ(e.count, 4);
}

TEST(PageLogParserTest, TotalIsCaseInsensitive) {
  EXPECT_TRUE(Parse("p u 1 [25/Jul/2016:10:15:42 +0200] TOTAL 4 - - x A4 one-sided").is_total);
}

TEST(PageLogParserTest, Errors) {
  EXPECT_NE(
      ErrorOf("p u 1 [25/Foo/2016:10:15:42 +0200] total 4 - - x A4 one-sided").find("bad time"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf("p u 1 [29/Feb/2017:10:15:42 +0200] total 4 - - x A4 one-sided").find("bad time"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf("p u 1 [25/Jul/2016:24:15:42 +0200] total 4 - - x A4 one-sided").find("bad time"),
      std::string::npos);
  EXPECT_NE(ErrorOf("p u 1 25/Jul/2016:10:15:42 +0200 total 4 - - x A4 one-sided").find("bad time"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("p u 1 [25/Jul/2016:10:15:42 0200] total 4 - - x A4 one-sided").find("bad time"),
      std::string::npos);
  EXPECT_NE(ErrorOf("p u abc [25/Jul/2016:10:15:42 +0200] total 4 - - x A4 one-sided")
                .find("job id 'abc' is not a positive number"),
            std::string::npos);
  EXPECT_NE(ErrorOf("p u 0 [25/Jul/2016:10:15:42 +0200] total 4 - - x A4 one-sided").find("job id"),
            std::string::npos);
  EXPECT_NE(ErrorOf("p u 99999999999 [25/Jul/2016:10:15:42 +0200] total 4 - - x A4 one-sided")
                .find("job id"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("p u 1 [25/Jul/2016:10:15:42 +0200] first 4 - - x A4 one-sided").find("page 'first'"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf("p u 1 [25/Jul/2016:10:15:42 +0200] total -4 - - x A4 one-sided").find("count '-4'"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf("p u 1 [25/Jul/2016:10:15:42 +0200] total 4 - - x A4 duplex").find("sides 'duplex'"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(" u 1 [25/Jul/2016:10:15:42 +0200] total 4 - - x A4 one-sided").find("empty printer"),
      std::string::npos);
  // CUPS 1.1's format stops after the billing (or the host): not the default format.
  EXPECT_NE(ErrorOf("tec_IS2027 kurt 401 [22/Apr/2003:10:28:43 +0100] 1 3 #marketing")
                .find("missing fields"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("p u 1 [25/Jul/2016:10:15:42 +0200] total 4 - - A4 one-sided").find("missing fields"),
      std::string::npos);
  EXPECT_NE(ErrorOf("").find("missing fields"), std::string::npos);
}

TEST(PageLogParserTest, ErrorMessagesEscapeUnprintableBytes) {
  std::string line = "p u a\x01\xff [25/Jul/2016:10:15:42 +0200] total 4 - - x A4 one-sided";
  EXPECT_NE(ErrorOf(line).find("'a\\x01\\xff'"), std::string::npos);
}

TEST(PageLogParserTest, InvalidUtf8PassesThrough) {
  PageLogEntry e = Parse("p \xc3\x28 1 [25/Jul/2016:10:15:42 +0200] total 4 - - caf\xe9 A4 -");
  EXPECT_EQ(e.user, "\xc3\x28");
  EXPECT_EQ(e.job_name, "caf\xe9");
}

TEST(PageLogParserTest, NoInputCrashesIt) {
  const std::string good =
      "LaserJet_2F alice 1234 [03/Mar/2018:14:05:09 +0100] total 7 - 10.0.0.12 "
      "Rapport annuel.pdf iso_a4_210x297mm two-sided-long-edge";
  // Every strict prefix is rejected (a cut sides keyword is not a sides keyword).
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParsePageLogLine(std::string_view(good.data(), n)).ok()) << n;
  }
  // Random mutations, NUL bytes included.
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string s = good;
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < edits; ++k) {
      const size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s[at] = static_cast<char>(rng() % 256);
          break;
        case 1:
          s.erase(at, 1 + rng() % 8);
          break;
        default:
          s.insert(at, 1, static_cast<char>(rng() % 4 == 0 ? ' ' : rng() % 256));
          break;
      }
      if (s.empty()) s = "x";
    }
    (void)ParsePageLogLine(s);
  }
}

// --- Assembling lines into jobs ---

std::vector<JobRecord> Assemble(const std::vector<std::pair<std::string, int>>& lines,
                                PageLogJobOptions options = {}) {
  PageLogJobAssembler assembler(options);
  for (const auto& [line, source] : lines) assembler.Add(Parse(line), source);
  return assembler.TakeJobs();
}

TEST(PageLogAssemblerTest, TotalLineMakesARecord) {
  std::vector<JobRecord> jobs =
      Assemble({{"LaserJet_2F alice 1234 [03/Mar/2018:14:05:09 +0100] total 7 - 10.0.0.12 "
                 "Rapport annuel.pdf iso_a4_210x297mm two-sided-long-edge",
                 0}});
  ASSERT_EQ(jobs.size(), 1u);
  const JobRecord& r = jobs[0];
  EXPECT_EQ(r.queue, "LaserJet_2F");
  EXPECT_EQ(r.cups_job_id, 1234);
  EXPECT_EQ(r.user, "alice");
  EXPECT_EQ(r.client_host, "10.0.0.12");
  EXPECT_EQ(r.completed_at, 1520082309);
  EXPECT_EQ(r.created_at, 0);
  EXPECT_EQ(r.state, JobState::kCompleted);
  EXPECT_EQ(r.copies, 1);
  EXPECT_EQ(r.sides, Sides::kTwoSidedLongEdge);
  EXPECT_EQ(r.media, "iso_a4_210x297mm");
  EXPECT_EQ(r.impressions_completed, 7);
  EXPECT_EQ(r.cups_media_sheets_completed, -1);
  EXPECT_EQ(r.source, RecordSource::kPageLog);
  EXPECT_FALSE(r.title.has_value());  // private by default
  EXPECT_TRUE(r.job_uuid.empty());
}

TEST(PageLogAssemblerTest, TitlesOnlyWhenAsked) {
  std::vector<JobRecord> jobs = Assemble(
      {{"p alice 1 [03/Mar/2018:14:05:09 +0100] total 7 - h Rapport annuel.pdf A4 one-sided", 0},
       {"p alice 2 [03/Mar/2018:14:06:09 +0100] total 7 - h - A4 one-sided", 0}},
      PageLogJobOptions{.include_titles = true});
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].title.value_or("?"), "Rapport annuel.pdf");
  EXPECT_FALSE(jobs[1].title.has_value());
}

TEST(PageLogAssemblerTest, DuplicateTotalsCountOnce) {
  const std::string line = "p alice 5 [03/Mar/2018:14:05:09 +0100] total 7 - h x A4 one-sided";
  std::vector<JobRecord> jobs = Assemble({{line, 0}, {line, 0}, {line, 1}});
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].impressions_completed, 7);
}

TEST(PageLogAssemblerTest, RunningTotalsKeepTheLargest) {
  // CUPS 2.2.x before 2.2.10 logged the IPP backend's running totals.
  std::vector<JobRecord> jobs =
      Assemble({{"p u 5 [03/Mar/2018:14:05:20 +0100] total 8 - h x A4 one-sided", 0},
                {"p u 5 [03/Mar/2018:14:05:09 +0100] total 1 - h x A4 one-sided", 0},
                {"p u 5 [03/Mar/2018:14:05:15 +0100] total 3 - h x A4 one-sided", 0}});
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].impressions_completed, 8);
  EXPECT_EQ(jobs[0].completed_at, 1520082320);
}

TEST(PageLogAssemblerTest, PageLinesSumTheirCopies) {
  // Older CUPS: one line per page, %C being the copies of that page.
  std::vector<JobRecord> jobs = Assemble(
      {{"DeskJet root 2 [20/May/1999:19:21:05 +0000] 1 3 acme-123 localhost myjob letter -", 0},
       {"DeskJet root 2 [20/May/1999:19:21:06 +0000] 2 3 acme-123 localhost myjob letter -", 0},
       {"DeskJet root 2 [20/May/1999:19:21:07 +0000] 3 3 acme-123 localhost myjob letter -", 0}});
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].impressions_completed, 9);
  EXPECT_EQ(jobs[0].completed_at, 927228067);  // the last page's time
  EXPECT_EQ(jobs[0].media, "letter");
  EXPECT_EQ(jobs[0].copies, 1);
}

TEST(PageLogAssemblerTest, PageLinesRepeatedAcrossSourcesCountOnceWithinOneTwice) {
  const std::string banner = "p u 2 [20/May/1999:19:21:05 +0000] 1 1 - h j A4 -";
  const std::string page2 = "p u 2 [20/May/1999:19:21:06 +0000] 2 1 - h j A4 -";
  // Within source 0, the banner and page 1 are identical lines: both printed.
  // Source 1 is a copy of source 0 (the same log given twice): adds nothing.
  std::vector<JobRecord> jobs =
      Assemble({{banner, 0}, {banner, 0}, {page2, 0}, {banner, 1}, {banner, 1}, {page2, 1}});
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].impressions_completed, 3);
}

TEST(PageLogAssemblerTest, TotalIsPreferredToPageLines) {
  std::vector<JobRecord> jobs =
      Assemble({{"p u 2 [20/May/2018:19:21:05 +0000] 1 1 - h j A4 one-sided", 0},
                {"p u 2 [20/May/2018:19:21:06 +0000] 2 1 - h j A4 one-sided", 0},
                {"p u 2 [20/May/2018:19:21:30 +0000] total 4 - h j A4 one-sided", 1}});
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].impressions_completed, 4);
  EXPECT_EQ(jobs[0].completed_at, 1526844090);
}

TEST(PageLogAssemblerTest, RunningTotalsAreNeverAddedToPageLines) {
  // CUPS 2.2.x before 2.2.10: the filters' page lines and the IPP backend's running totals of
  // the same job, interleaved. cupsd only let a total raise its count: never a sum of both.
  std::vector<JobRecord> jobs =
      Assemble({{"p u 8 [20/May/2018:19:21:05 +0000] 1 1 - h j A4 one-sided", 0},
                {"p u 8 [20/May/2018:19:21:06 +0000] total 1 - h j A4 one-sided", 0},
                {"p u 8 [20/May/2018:19:21:07 +0000] 2 1 - h j A4 one-sided", 0},
                {"p u 8 [20/May/2018:19:21:08 +0000] total 2 - h j A4 one-sided", 0},
                {"p u 8 [20/May/2018:19:21:09 +0000] 3 1 - h j A4 one-sided", 0},
                {"p u 8 [20/May/2018:19:21:10 +0000] total 3 - h j A4 one-sided", 0}});
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].impressions_completed, 3);
}

TEST(PageLogAssemblerTest, TotalBelowThePageLinesDoesNotLowerTheCount) {
  // A backend whose printer reports fewer impressions than were sent (or none: "total 0").
  std::vector<JobRecord> jobs =
      Assemble({{"p u 9 [20/May/2018:19:21:05 +0000] 1 2 - h j A4 one-sided", 0},
                {"p u 9 [20/May/2018:19:21:06 +0000] 2 2 - h j A4 one-sided", 0},
                {"p u 9 [20/May/2018:19:21:30 +0000] total 0 - h j A4 one-sided", 0}});
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].impressions_completed, 4);
}

TEST(PageLogAssemblerTest, CancelledJobWithTotalZeroCountsNothing) {
  // CUPS >= 2.2.10: a job cancelled before printing logs one "total 0" line.
  std::vector<JobRecord> jobs =
      Assemble({{"p u 10 [20/May/2018:19:21:05 +0000] total 0 - h j A4 one-sided", 0},
                {"p u 10 [20/May/2018:19:21:05 +0000] total 0 - h j A4 one-sided", 1}});
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].impressions_completed, 0);
}

TEST(PageLogAssemblerTest, ReusedJobIdsFarApartAreSeparateJobs) {
  std::vector<JobRecord> jobs =
      Assemble({{"p u 7 [20/May/2018:19:21:05 +0000] total 4 - h j A4 -", 0},
                {"p u 7 [20/May/2019:08:00:00 +0000] total 2 - h j A4 -", 0},
                {"q u 7 [20/May/2018:19:21:05 +0000] total 1 - h j A4 -", 0}});
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].queue, "p");  // same time: ordered by printer
  EXPECT_EQ(jobs[0].impressions_completed, 4);
  EXPECT_EQ(jobs[1].queue, "q");
  EXPECT_EQ(jobs[2].impressions_completed, 2);
}

TEST(PageLogAssemblerTest, DrainBatchesAndStopsOnError) {
  PageLogJobAssembler assembler;
  for (int i = 1; i <= 7; ++i) {
    assembler.Add(
        Parse("p u " + std::to_string(i) + " [20/May/2018:19:21:05 +0000] total 1 - h j A4 -"), 0);
  }
  EXPECT_EQ(assembler.job_count(), 7u);
  std::vector<size_t> sizes;
  Status st = assembler.Drain(3, [&](std::vector<JobRecord>&& batch) {
    sizes.push_back(batch.size());
    return sizes.size() == 2 ? Status::Unavailable("stop") : Status::Ok();
  });
  EXPECT_EQ(st.code(), Status::Code::kUnavailable);
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3}));
  EXPECT_EQ(assembler.job_count(), 0u);
}

}  // namespace
}  // namespace ramette::agent
