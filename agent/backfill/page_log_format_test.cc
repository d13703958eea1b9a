// Tests for PageLogFormat (a site's own PageLogFormat, from a flag or cupsd.conf) and for
// PageLogLineParser (syslog and journald prefixes, the formats of CUPS before 1.4.7, unusual
// but legal fields). Every line is written here from cupsd's format rules (scheduler/log.c).
#include "agent/backfill/page_log_format.h"

#include <gtest/gtest.h>

#include <string>

#include "agent/backfill/page_log_parser.h"

namespace ramette::agent {
namespace {

PageLogFormat Compile(std::string_view text) {
  Result<PageLogFormat> f = PageLogFormat::Parse(text);
  EXPECT_TRUE(f.ok()) << text << " -> " << f.status().message();
  return f.ok() ? *f : PageLogFormat();
}

PageLogEntry ParseWith(const PageLogFormat& f, std::string_view message) {
  Result<PageLogEntry> e = f.ParseMessage(message);
  EXPECT_TRUE(e.ok()) << message << " -> " << e.status().message();
  return e.ok() ? *e : PageLogEntry();
}

// --- Compiling formats ---

TEST(PageLogFormatTest, DefaultIsRecognised) {
  EXPECT_TRUE(PageLogFormat().is_default());
  EXPECT_TRUE(Compile(kDefaultPageLogFormat).is_default());
  EXPECT_FALSE(Compile("%p %j %u %T %P %C").is_default());
  EXPECT_TRUE(PageLogFormat().has(PageLogField::kSides));
}

TEST(PageLogFormatTest, KnowsWhichFieldsItHas) {
  PageLogFormat f = Compile("%p %j %T %{job-name}");
  EXPECT_TRUE(f.has(PageLogField::kPrinter));
  EXPECT_TRUE(f.has(PageLogField::kJobId));
  EXPECT_TRUE(f.has(PageLogField::kTime));
  EXPECT_TRUE(f.has(PageLogField::kJobName));
  EXPECT_FALSE(f.has(PageLogField::kUser));
  EXPECT_FALSE(f.has(PageLogField::kCount));
  EXPECT_FALSE(f.has(PageLogField::kPage));
  EXPECT_FALSE(f.has(PageLogField::kMedia));
}

TEST(PageLogFormatTest, RefusesFormatsThatCannotBeRead) {
  EXPECT_FALSE(PageLogFormat::Parse("").ok());
  EXPECT_NE(PageLogFormat::Parse("%u %T %C").status().message().find("lacks %p or %j"),
            std::string::npos);
  EXPECT_NE(PageLogFormat::Parse("%p%j %T").status().message().find("directly follows"),
            std::string::npos);
  EXPECT_FALSE(PageLogFormat::Parse("%p %j %{job-name} %C%{media}").ok());
  // After %T, its closing bracket ends it.
  EXPECT_TRUE(PageLogFormat::Parse("%p %j %T%C").ok());
}

TEST(PageLogFormatTest, MissingFieldsTakeDefaults) {
  PageLogFormat f = Compile("%p %j %T");
  PageLogEntry e = ParseWith(f, "Accueil 42 [15/Jun/2018:12:00:00 +0200]");
  EXPECT_EQ(e.printer, "Accueil");
  EXPECT_EQ(e.job_id, 42);
  EXPECT_EQ(e.time, 1529056800);
  EXPECT_FALSE(e.is_total);  // no %P: a page line
  EXPECT_EQ(e.count, 1);     // no %C: one
  EXPECT_EQ(e.user, "");
  EXPECT_EQ(e.media, "");
  EXPECT_EQ(e.sides, Sides::kUnknown);
  // A total line without %C: its count is unknown.
  EXPECT_EQ(ParseWith(Compile("%p %j %T %P"), "p 1 [15/Jun/2018:12:00:00 +0200] total").count, -1);
}

TEST(PageLogFormatTest, LiteralTextPercentAndUnknownDirectives) {
  // cupsd writes "%%" as '%', an unknown "%x" and an unclosed "%{" as they are.
  PageLogFormat f = Compile("job=%j q=%p %%%C %T pages:%P %x %{job-name}");
  PageLogEntry e =
      ParseWith(f, "job=7 q=Accueil %3 [15/Jun/2018:12:00:00 +0200] pages:total %x Mon doc");
  EXPECT_EQ(e.job_id, 7);
  EXPECT_EQ(e.printer, "Accueil");
  EXPECT_EQ(e.count, 3);
  EXPECT_TRUE(e.is_total);
  EXPECT_EQ(e.job_name, "Mon doc");
  EXPECT_EQ(Compile("%p %j %T %{oops").ParseMessage("p 1 [15/Jun/2018:12:00:00 +0200] %{oops").ok(),
            true);
}

TEST(PageLogFormatTest, JobNameInTheMiddleTakesEverythingBetween) {
  PageLogFormat f = Compile("%T %p %j %u %P %C %{job-name} %{media} %{sides} %{job-billing}");
  PageLogEntry e = ParseWith(f,
                             "[15/Jun/2018:12:00:00 +0200] Couleur_3F 88 bob total 12 "
                             "Devis [v2] \"final\" - copie A3 two-sided-long-edge acme");
  EXPECT_EQ(e.printer, "Couleur_3F");
  EXPECT_EQ(e.user, "bob");
  EXPECT_EQ(e.job_name, "Devis [v2] \"final\" - copie");
  EXPECT_EQ(e.media, "A3");
  EXPECT_EQ(e.sides, Sides::kTwoSidedLongEdge);
  EXPECT_EQ(e.billing, "acme");
  EXPECT_EQ(e.count, 12);
}

TEST(PageLogFormatTest, WithoutJobNameTheLastFieldTakesTheRest) {
  PageLogFormat f = Compile("%p;%j;%T;%P;%C;%{job-originating-host-name}");
  PageLogEntry e = ParseWith(f, "p;3;[15/Jun/2018:12:00:00.250000 +0200];total;5;host a");
  EXPECT_EQ(e.host, "host a");
  EXPECT_EQ(e.count, 5);
  EXPECT_EQ(e.time, 1529056800);  // the fraction dropped
}

TEST(PageLogFormatTest, OtherAttributesAreMatchedAndIgnored) {
  PageLogFormat f = Compile("%p %j %T %P %C %{job-uuid} %{copies} %{job-name}");
  PageLogEntry e = ParseWith(f,
                             "p 3 [15/Jun/2018:12:00:00 +0200] total 5 "
                             "urn:uuid:0c6a3b0e-1d0f-3a5c-6d5e-4f2a1b3c4d5e 2 Plan de table");
  EXPECT_EQ(e.count, 5);
  EXPECT_EQ(e.job_name, "Plan de table");
}

TEST(PageLogFormatTest, ErrorsAndShapeMismatches) {
  PageLogFormat f = Compile("%p %j %T %P %C %{job-name} %{sides}");
  bool mismatch = false;
  Result<PageLogEntry> e =
      f.ParseMessage("p 3 [15/Jun/2018:12:00:00 +0200] total 5 x duplex", false, 0, 0, &mismatch);
  EXPECT_FALSE(e.ok());
  EXPECT_FALSE(mismatch);  // a page_log line with a bad field
  EXPECT_NE(e.status().message().find("sides 'duplex'"), std::string::npos);
  e = f.ParseMessage("Listening on localhost:631.", false, 0, 0, &mismatch);
  EXPECT_FALSE(e.ok());
  EXPECT_TRUE(mismatch);  // not a page_log line
  e = f.ParseMessage("p 3 [15/Jun/2018:12:00:00 +0200] 1 x x -", false, 0, 0, &mismatch);
  EXPECT_NE(e.status().message().find("count 'x'"), std::string::npos);
  // No %T and no prefix time.
  EXPECT_FALSE(Compile("%p %j %C").ParseMessage("p 3 1").ok());
  e = Compile("%p %j %C").ParseMessage("p 3 1", true, 1529056800, 7200);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->time, 1529056800);
  EXPECT_EQ(e->utc_offset, 7200);
}

TEST(PageLogFormatTest, FromCupsdConf) {
  const std::string conf =
      "# cupsd.conf\n"
      "LogLevel warn\n"
      "PageLogFormat %p %j %T %P %C\n"
      "<Location />\n  Order allow,deny\n</Location>\n"
      "pagelogformat   %p %u %j %T %P %C %{job-name}  \n";
  Result<PageLogFormat> f = PageLogFormat::FromCupsdConf(conf);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->text(), "%p %u %j %T %P %C %{job-name}");  // the last one, as cupsd reads it
  // None: the default.
  f = PageLogFormat::FromCupsdConf("LogLevel warn\nPageLogFormatX %p\n");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->is_default());
  // Debian's bare directive: no page log at all.
  f = PageLogFormat::FromCupsdConf("LogLevel warn\nPageLogFormat\n");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("line 2"), std::string::npos);
  EXPECT_NE(f.status().message().find("writes no page log"), std::string::npos);
  f = PageLogFormat::FromCupsdConf("PageLogFormat %u %T\n");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("line 1"), std::string::npos);
}

// --- Prefixes ---

TEST(LogPrefixTest, Syslog) {
  LogPrefix p = SplitLogPrefix("Jun 15 12:00:00 printsrv cupsd[727]: the message");
  EXPECT_EQ(p.kind, LogPrefix::Kind::kSyslog);
  EXPECT_EQ(p.program, "cupsd");
  EXPECT_EQ(p.message, "the message");
  EXPECT_FALSE(p.has_time);
  p = SplitLogPrefix("Jun  5 02:03:04 printsrv cupsd: x");
  EXPECT_EQ(p.kind, LogPrefix::Kind::kSyslog);
  EXPECT_EQ(p.program, "cupsd");
  EXPECT_EQ(p.message, "x");
  p = SplitLogPrefix("Jun 15 12:00:00 printsrv systemd[1]: Started CUPS Scheduler.");
  EXPECT_EQ(p.program, "systemd");
}

TEST(LogPrefixTest, JournaldShortIsoAndRfc3339) {
  LogPrefix p = SplitLogPrefix("2018-06-15T12:00:00+0200 printsrv cupsd[727]: m");
  EXPECT_EQ(p.kind, LogPrefix::Kind::kIso);
  EXPECT_TRUE(p.has_time);
  EXPECT_EQ(p.time, 1529056800);
  EXPECT_EQ(p.utc_offset, 7200);
  EXPECT_EQ(p.message, "m");
  EXPECT_EQ(SplitLogPrefix("2018-06-15T12:00:00+02:00 h cupsd[727]: m").time, 1529056800);
  EXPECT_EQ(SplitLogPrefix("2018-06-15T10:00:00.123456Z h cupsd[727]: m").time, 1529056800);
  EXPECT_EQ(SplitLogPrefix("2018-06-15T05:00:00-05:00 h cupsd: m").time, 1529056800);
}

TEST(LogPrefixTest, PageLogLinesHaveNone) {
  EXPECT_EQ(SplitLogPrefix("Jun alice 12 [15/Jun/2018:12:00:00 +0200] total 1 - h x A4 -").kind,
            LogPrefix::Kind::kNone);
  EXPECT_EQ(SplitLogPrefix("2018 alice 12 [15/Jun/2018:12:00:00 +0200] total 1 - h x A4 -").kind,
            LogPrefix::Kind::kNone);
  EXPECT_EQ(SplitLogPrefix("Jun 15 12:00:00 host no tag here").kind, LogPrefix::Kind::kNone);
}

// --- Lines as a file gives them ---

class LineParserTest : public ::testing::Test {
 protected:
  PageLogLine Line(std::string_view line) {
    stored_ = std::string(line);  // the entry points into it
    return parser_.Parse(stored_);
  }
  PageLogEntry Entry(std::string_view line, PageLogLayout layout = PageLogLayout::kFormat) {
    PageLogLine l = Line(line);
    EXPECT_EQ(l.kind, PageLogLine::Kind::kEntry) << line << " -> " << l.error;
    EXPECT_EQ(l.layout, layout) << line;
    return l.entry;
  }
  PageLogFormat format_;
  PageLogLineParser parser_{format_};
  std::string stored_;
};

TEST_F(LineParserTest, SyslogAndJournaldPrefixedLines) {
  const std::string page =
      "Couleur_3F alice 12 [15/Jun/2018:12:00:00 +0200] total 3 - 10.0.0.7 Note.pdf A4 one-sided";
  PageLogEntry e = Entry("Jun 15 12:00:00 printsrv cupsd[727]: " + page);
  EXPECT_EQ(e.printer, "Couleur_3F");
  EXPECT_EQ(e.job_id, 12);
  EXPECT_EQ(e.time, 1529056800);  // the message's own date, with its year
  EXPECT_EQ(e.count, 3);
  e = Entry("2018-06-15T12:00:00+0200 printsrv cupsd[727]: " + page);
  EXPECT_EQ(e.user, "alice");
  EXPECT_EQ(e.media, "A4");
  // Mixed with a plain line in one stream: each line detected on its own.
  EXPECT_EQ(Entry(page).host, "10.0.0.7");
}

TEST_F(LineParserTest, OtherSyslogLinesAreSkippedNotErrors) {
  EXPECT_EQ(Line("Jun 15 12:00:00 printsrv systemd[1]: Started CUPS Scheduler.").kind,
            PageLogLine::Kind::kSkipped);
  EXPECT_EQ(Line("Jun 15 12:00:01 printsrv kernel: usb 1-1: new high-speed USB device").kind,
            PageLogLine::Kind::kSkipped);
  // cupsd's error and access logs sent to syslog too.
  EXPECT_EQ(Line("Jun 15 12:00:02 printsrv cupsd[727]: [Job 12] Job completed.").kind,
            PageLogLine::Kind::kSkipped);
  EXPECT_EQ(Line("2018-06-15T12:00:03+0200 printsrv cupsd[727]: REQUEST localhost - alice "
                 "\"POST /printers/Couleur_3F HTTP/1.1\" 200 1234 Print-Job successful-ok")
                .kind,
            PageLogLine::Kind::kSkipped);
  EXPECT_EQ(Line("-- Logs begin at Fri 2018-06-15 08:00:00 CEST, end at Fri 2018-06-15 "
                 "18:00:00 CEST. --")
                .kind,
            PageLogLine::Kind::kSkipped);
  EXPECT_EQ(Line("-- Boot 0123456789abcdef0123456789abcdef --").kind, PageLogLine::Kind::kSkipped);
  EXPECT_EQ(Line("   ").kind, PageLogLine::Kind::kBlank);
  // A page_log line from cupsd with a bad field is reported, prefix or not.
  PageLogLine bad = Line(
      "Jun 15 12:00:00 printsrv cupsd[727]: p alice 12 [15/Jun/2018:12:00:00 +0200] total 3 - h "
      "x A4 duplex");
  EXPECT_EQ(bad.kind, PageLogLine::Kind::kMalformed);
  EXPECT_NE(bad.error.find("sides"), std::string::npos);
  // Without a prefix, anything that is not a page_log line is malformed.
  EXPECT_EQ(Line("Listening on localhost:631.").kind, PageLogLine::Kind::kMalformed);
}

TEST_F(LineParserTest, MicrosecondTimes) {
  // LogTimeFormat usecs.
  PageLogEntry e =
      Entry("p alice 12 [15/Jun/2018:12:00:00.123456 +0200] total 3 - h x A4 one-sided");
  EXPECT_EQ(e.time, 1529056800);
  EXPECT_EQ(e.utc_offset, 7200);
}

TEST_F(LineParserTest, UnusualButLegalFields) {
  // An empty media (media="" in the job): two spaces in a row before the sides.
  PageLogEntry e =
      Entry("p alice 12 [15/Jun/2018:12:00:00 +0200] total 3 - 10.0.0.7 Note.pdf  one-sided");
  EXPECT_EQ(e.job_name, "Note.pdf");
  EXPECT_EQ(e.media, "");
  EXPECT_EQ(e.sides, Sides::kOneSided);
  // An IPv6 client, as cupsd writes a job-originating-host-name.
  e = Entry(
      "p alice 13 [15/Jun/2018:12:00:00 +0200] total 3 - [v1.2001:db8::1] Note.pdf A4 "
      "one-sided");
  EXPECT_EQ(e.host, "[v1.2001:db8::1]");
  EXPECT_EQ(e.job_name, "Note.pdf");
  // Job names with brackets, quotes, " - " and a date-like text.
  e = Entry(
      "p alice 14 [15/Jun/2018:12:00:00 +0200] total 3 - h [Brouillon] \"Budget\" - v2 "
      "[01/Jan/2018:00:00:00 +0000] 'x' iso_a4_210x297mm two-sided-long-edge");
  EXPECT_EQ(e.job_name, "[Brouillon] \"Budget\" - v2 [01/Jan/2018:00:00:00 +0000] 'x'");
  EXPECT_EQ(e.media, "iso_a4_210x297mm");
  // A job name that is only " - ".
  e = Entry("p alice 15 [15/Jun/2018:12:00:00 +0200] total 3 - h  -  A4 -");
  EXPECT_EQ(e.job_name, " - ");
}

TEST_F(LineParserTest, Cups14SwappedJobIdAndUser) {
  // CUPS 1.4.0-1.4.6: "%p %j %u %T %P %C ..." (job id before user).
  PageLogEntry e =
      Entry("LaserJet 27 alice [15/Jun/2010:12:00:00 +0200] 1 2 - 10.0.0.7 Note.pdf A4 one-sided",
            PageLogLayout::kCups14Swapped);
  EXPECT_EQ(e.job_id, 27);
  EXPECT_EQ(e.user, "alice");
  EXPECT_EQ(e.page, 1);
  EXPECT_EQ(e.count, 2);
  // A numeric user name after that: the file's layout holds.
  e = Entry("LaserJet 28 1001 [15/Jun/2010:12:00:00 +0200] 1 1 - h x A4 -",
            PageLogLayout::kCups14Swapped);
  EXPECT_EQ(e.job_id, 28);
  EXPECT_EQ(e.user, "1001");
  // A new file starts again from the default layout.
  parser_.StartFile();
  e = Entry("LaserJet 1001 28 [15/Jun/2010:12:00:00 +0200] 1 1 - h x A4 -");
  EXPECT_EQ(e.job_id, 28);
  EXPECT_EQ(e.user, "1001");
}

TEST_F(LineParserTest, Cups12And13And11) {
  // CUPS 1.2-1.3: printer user job-id [time] page copies billing host.
  PageLogEntry e =
      Entry("DeskJet alice 5 [15/Jun/2007:12:00:00 +0200] 3 1 - 10.0.0.7", PageLogLayout::kCups12);
  EXPECT_EQ(e.printer, "DeskJet");
  EXPECT_EQ(e.user, "alice");
  EXPECT_EQ(e.job_id, 5);
  EXPECT_EQ(e.page, 3);
  EXPECT_EQ(e.count, 1);
  EXPECT_EQ(e.host, "10.0.0.7");
  EXPECT_EQ(e.time, 1181901600);
  // CUPS 1.1: no host.
  e = Entry("DeskJet bob 6 [15/Jun/2003:12:00:00 +0200] 1 2 acme", PageLogLayout::kCups11);
  EXPECT_EQ(e.billing, "acme");
  EXPECT_EQ(e.count, 2);
  // CUPS <= 1.3 through syslog: "PAGE ...", dated by the prefix when it has a year.
  e = Entry("2008-06-15T12:00:00+0200 printsrv cupsd[727]: PAGE DeskJet alice 7 2 1 - host",
            PageLogLayout::kCups13Syslog);
  EXPECT_EQ(e.job_id, 7);
  EXPECT_EQ(e.page, 2);
  EXPECT_EQ(e.time, 1213524000);
  PageLogLine refused = Line("Jun 15 12:00:00 printsrv cupsd[727]: PAGE DeskJet alice 7 2 1 - h");
  EXPECT_EQ(refused.kind, PageLogLine::Kind::kRefused);
  EXPECT_NE(refused.error.find("CUPS <= 1.3"), std::string::npos);
}

TEST(LineParserCustomTest, SiteFormatPlainAndBehindPrefixes) {
  PageLogFormat f = Compile("%p %j %u %T %C %{media} %{job-name}");
  PageLogLineParser parser(f);
  std::string line = "Accueil 9 carol [15/Jun/2018:12:00:00 +0200] 4 A4 Mon document";
  PageLogLine l = parser.Parse(line);
  ASSERT_EQ(l.kind, PageLogLine::Kind::kEntry) << l.error;
  EXPECT_EQ(l.entry.job_id, 9);
  EXPECT_EQ(l.entry.count, 4);
  EXPECT_EQ(l.entry.job_name, "Mon document");
  line = "Jun 15 12:00:00 printsrv cupsd[727]: " + line;
  l = parser.Parse(line);
  ASSERT_EQ(l.kind, PageLogLine::Kind::kEntry) << l.error;
  EXPECT_EQ(l.entry.user, "carol");
  // A default-format line does not match a site's format: reported.
  line = "p alice 12 [15/Jun/2018:12:00:00 +0200] total 3 - h x A4 one-sided";
  EXPECT_EQ(parser.Parse(line).kind, PageLogLine::Kind::kMalformed);
}

TEST(LineParserCustomTest, FormatWithoutTimeNeedsADatedPrefix) {
  PageLogFormat f = Compile("%p %j %u %P %C");
  PageLogLineParser parser(f);
  std::string line = "2018-06-15T12:00:00+0200 printsrv cupsd[727]: Accueil 9 carol total 4";
  PageLogLine l = parser.Parse(line);
  ASSERT_EQ(l.kind, PageLogLine::Kind::kEntry) << l.error;
  EXPECT_EQ(l.entry.time, 1529056800);
  EXPECT_TRUE(l.entry.is_total);
  line = "Jun 15 12:00:00 printsrv cupsd[727]: Accueil 9 carol total 4";
  EXPECT_EQ(parser.Parse(line).kind, PageLogLine::Kind::kRefused);
  line = "Accueil 9 carol total 4";
  EXPECT_EQ(parser.Parse(line).kind, PageLogLine::Kind::kRefused);
}

}  // namespace
}  // namespace ramette::agent
