// Tests for PageLogReader against real files in a fresh temporary directory: plain and gzip'd
// logs in any order, malformed lines reported with file and line, streaming, I/O errors.
#include "agent/backfill/page_log_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ramette::agent {
namespace {

namespace fs = std::filesystem;

class PageLogReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "page_log_reader_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WritePlain(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string WriteGzip(const std::string& name, const std::string& text, const char* mode = "wb") {
    const std::string path = (dir_ / name).string();
    gzFile gz = gzopen(path.c_str(), mode);
    EXPECT_NE(gz, nullptr);
    EXPECT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())),
              static_cast<int>(text.size()));
    EXPECT_EQ(gzclose(gz), Z_OK);
    return path;
  }

  // Reads `paths` and returns every record; problems go to problems_.
  Result<std::vector<JobRecord>> ReadJobs(const std::vector<std::string>& paths,
                                          PageLogReaderOptions options = {}) {
    problems_.clear();
    notes_.clear();
    PageLogReader reader(
        paths, options, [this](const std::string& m) { problems_.push_back(m); },
        [this](const std::string& m) { notes_.push_back(m); });
    std::vector<JobRecord> jobs;
    Status st = reader.ReadAll([&](std::vector<JobRecord>&& batch) {
      for (JobRecord& r : batch) jobs.push_back(std::move(r));
      return Status::Ok();
    });
    counts_ = reader.counts();
    if (!st.ok()) return st;
    return jobs;
  }

  fs::path dir_;
  std::vector<std::string> problems_;
  std::vector<std::string> notes_;
  SourceCounts counts_;
};

// Three rotations of one server's log. Job 101 straddles page_log.2.gz and page_log.1 (its page
// lines, then — after a rotation — nothing else: older CUPS), job 205 has its total in page_log.
const char kOldest[] =  // page_log.2.gz: CUPS 1.x, per-page lines, winter time
    "LaserJet_2F alice 100 [14/Jan/2016:09:00:01 +0100] 1 1 - 10.0.0.12 memo one.pdf A4 "
    "one-sided\n"
    "LaserJet_2F alice 100 [14/Jan/2016:09:00:02 +0100] 2 1 - 10.0.0.12 memo one.pdf A4 "
    "one-sided\n"
    "LaserJet_2F bob 101 [14/Jan/2016:09:10:00 +0100] 1 2 - pc-bob - A3 two-sided-long-edge\n";
const char kMiddle[] =  // page_log.1
    "LaserJet_2F bob 101 [14/Jan/2016:09:10:03 +0100] 2 2 - pc-bob - A3 two-sided-long-edge\n"
    "Couleur_RDC carol 204 [25/Jul/2016:10:15:42 +0200] total 12 - - Plan de masse A3.pdf "
    "iso_a3_297x420mm one-sided\n";
const char kNewest[] =  // page_log: CUPS 2.4, one total line per job
    "Couleur_RDC dave 205 [31/Dec/2017:22:30:00 -0500] total 3 - 192.168.1.7 x - -\n"
    "Couleur_RDC carol 204 [25/Jul/2016:10:15:42 +0200] total 12 - - Plan de masse A3.pdf "
    "iso_a3_297x420mm one-sided\n";  // the same line again: counted once

TEST_F(PageLogReaderTest, ReadsPlainAndGzipFilesInAnyOrder) {
  const std::string oldest = WriteGzip("page_log.2.gz", kOldest);
  const std::string middle = WritePlain("page_log.1", kMiddle);
  const std::string newest = WritePlain("page_log", kNewest);

  Result<std::vector<JobRecord>> forward = ReadJobs({oldest, middle, newest});
  ASSERT_TRUE(forward.ok()) << forward.status().message();
  EXPECT_TRUE(problems_.empty());
  EXPECT_EQ(counts_.lines_read, 7);
  EXPECT_EQ(counts_.malformed_lines, 0);
  EXPECT_EQ(counts_.jobs, 4);

  Result<std::vector<JobRecord>> reverse = ReadJobs({newest, middle, oldest});
  ASSERT_TRUE(reverse.ok()) << reverse.status().message();
  ASSERT_EQ(forward->size(), 4u);
  ASSERT_EQ(reverse->size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*forward)[i].cups_job_id, (*reverse)[i].cups_job_id);
    EXPECT_EQ((*forward)[i].impressions_completed, (*reverse)[i].impressions_completed);
    EXPECT_EQ((*forward)[i].completed_at, (*reverse)[i].completed_at);
  }

  const std::vector<JobRecord>& jobs = *forward;  // ordered by completion
  EXPECT_EQ(jobs[0].cups_job_id, 100);
  EXPECT_EQ(jobs[0].impressions_completed, 2);
  EXPECT_EQ(jobs[0].completed_at, 1452758402);  // 2016-01-14T08:00:02Z
  EXPECT_EQ(jobs[1].cups_job_id, 101);
  EXPECT_EQ(jobs[1].impressions_completed, 4);  // 2 pages x 2 copies, over two files
  EXPECT_EQ(jobs[1].sides, Sides::kTwoSidedLongEdge);
  EXPECT_EQ(jobs[1].media, "A3");
  EXPECT_EQ(jobs[2].cups_job_id, 204);
  EXPECT_EQ(jobs[2].impressions_completed, 12);
  EXPECT_EQ(jobs[2].completed_at, 1469434542);  // +0200: 2016-07-25T08:15:42Z
  EXPECT_EQ(jobs[2].client_host, "");
  EXPECT_EQ(jobs[2].media, "iso_a3_297x420mm");
  EXPECT_FALSE(jobs[2].title.has_value());
  EXPECT_EQ(jobs[3].cups_job_id, 205);
  EXPECT_EQ(jobs[3].completed_at, 1514777400);  // -0500: 2018-01-01T03:30:00Z
  EXPECT_EQ(jobs[3].user, "dave");
  EXPECT_EQ(jobs[3].media, "");
  EXPECT_EQ(jobs[3].sides, Sides::kUnknown);
}

// Every field of `r` that a page_log sets, as one comparable string.
std::string Describe(const JobRecord& r) {
  return r.queue + "|" + std::to_string(r.cups_job_id) + "|" + r.user + "|" + r.client_host + "|" +
         std::to_string(r.completed_at) + "|" + std::to_string(r.impressions_completed) + "|" +
         std::to_string(static_cast<int>(r.sides)) + "|" + r.media + "|" +
         r.title.value_or("(none)");
}

TEST_F(PageLogReaderTest, AnyNumberOfThreadsGivesTheSameRecordsInTheSameOrder) {
  // Many printers and jobs, per-page and total lines, running totals, a job id reused days
  // later, the same file given twice, identical times on different printers, malformed lines.
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    const std::string printer = "P" + std::to_string(i % 7);
    const int job = 1 + i % 400;  // ids come back: days later they are other jobs
    const int day = 1 + (i / 400) * 3;
    const std::string when = "[" + std::string(day < 10 ? "0" : "") + std::to_string(day) +
                             "/Mar/2019:10:" + std::to_string(10 + i % 40) + ":00 +0100]";
    if (i % 5 == 0) {
      text += printer + " u" + std::to_string(i % 13) + " " + std::to_string(job) + " " + when +
              " " + std::to_string(1 + i % 3) + " 2 - h" + std::to_string(i % 3) + " t" +
              std::to_string(i) + " A4 two-sided-long-edge\n";
    } else {
      text += printer + " u" + std::to_string(i % 13) + " " + std::to_string(job) + " " + when +
              " total " + std::to_string(i % 9) + " - - name with spaces " + std::to_string(i) +
              " iso_a4_210x297mm one-sided\n";
    }
    if (i % 997 == 0) text += "not a page_log line\n";
  }
  const std::string a = WritePlain("page_log", text);
  const std::string b = WriteGzip("page_log.1.gz", text.substr(0, text.size() / 3));
  PageLogReaderOptions options;
  options.jobs.include_titles = true;
  options.threads = 1;
  Result<std::vector<JobRecord>> one = ReadJobs({a, b, a}, options);
  ASSERT_TRUE(one.ok()) << one.status().message();
  const SourceCounts one_counts = counts_;
  const std::vector<std::string> one_problems = problems_;
  ASSERT_GT(one->size(), 1000u);
  // 4 malformed lines in page_log, read twice, 2 in the first third; the cut may add one.
  EXPECT_GE(one_problems.size(), 10u);
  EXPECT_LE(one_problems.size(), 11u);
  for (int threads : {2, 3, 5}) {
    options.threads = threads;
    Result<std::vector<JobRecord>> many = ReadJobs({a, b, a}, options);
    ASSERT_TRUE(many.ok()) << many.status().message();
    ASSERT_EQ(many->size(), one->size()) << threads << " threads";
    for (size_t i = 0; i < one->size(); ++i) {
      ASSERT_EQ(Describe((*many)[i]), Describe((*one)[i])) << threads << " threads, record " << i;
    }
    EXPECT_EQ(counts_.lines_read, one_counts.lines_read);
    EXPECT_EQ(counts_.malformed_lines, one_counts.malformed_lines);
    EXPECT_EQ(counts_.jobs, one_counts.jobs);
    EXPECT_EQ(problems_, one_problems);
  }
}

TEST_F(PageLogReaderTest, MalformedLinesAreReportedWithFileAndLineAndSkipped) {
  const std::string gz =
      WriteGzip("page_log.1.gz",
                "p u 1 [14/Jan/2016:09:00:01 +0100] total 1 - h x A4 one-sided\n"
                "p u 2 [14/Jan/2016:09:00:02 +0100] total 2 - h x A4 one-sided\n"
                "p u 3 [14/Jnv/2016:09:00:03 +0100] total 3 - h x A4 one-sided\n"  // wrong time
                "p u 4 [14/Jan/2016:09:00:04 +0100] total 4 - h x A4 one-sided\n");
  const std::string plain =
      WritePlain("page_log",
                 "p u 5 [14/Jan/2016:09:00:05 +0100] total 5 - h x A4 one-sided\n"
                 "p u 6 [14/Jan/2016:09:00:06 +0100] total 6\n"  // missing fields
                 "\n"                                            // blank: skipped
                 "p u 7 [14/Jan/2016:09:00:07 +0100] total 7 - h x A4 one-sided\n"
                 "p u seven [14/Jan/2016:09:00:08 +0100] total 8 - h x A4 one-sided\n"  // job id
                 "p u 9 [14/Jan/2016:09:00:09 +0100] total 9 - h x A4 one-sided");  // no final '\n'

  Result<std::vector<JobRecord>> jobs = ReadJobs({plain, gz});
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  ASSERT_EQ(problems_.size(), 3u);
  EXPECT_EQ(problems_[0].rfind(plain + ":2: missing fields", 0), 0u) << problems_[0];
  EXPECT_EQ(problems_[1].rfind(plain + ":5: job id 'seven' is not a positive number", 0), 0u)
      << problems_[1];
  EXPECT_EQ(problems_[2].rfind(gz + ":3: bad time '[14/Jnv/2016:09:00:03 +0100]'", 0), 0u)
      << problems_[2];
  EXPECT_EQ(counts_.lines_read, 10);
  EXPECT_EQ(counts_.malformed_lines, 3);
  EXPECT_EQ(counts_.jobs, 6);
  std::vector<int32_t> ids;
  for (const JobRecord& r : *jobs) ids.push_back(r.cups_job_id);
  EXPECT_EQ(ids, (std::vector<int32_t>{1, 2, 4, 5, 7, 9}));
}

TEST_F(PageLogReaderTest, GzipIsDetectedByContentNotName) {
  const std::string gz_named_plain =
      WriteGzip("page_log", "p u 1 [14/Jan/2016:09:00:01 +0100] total 1 - h x A4 one-sided\n");
  const std::string plain_named_gz = WritePlain(
      "page_log.3.gz", "p u 2 [14/Jan/2016:09:00:02 +0100] total 2 - h x A4 one-sided\n");
  Result<std::vector<JobRecord>> jobs = ReadJobs({gz_named_plain, plain_named_gz});
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  EXPECT_EQ(jobs->size(), 2u);
  EXPECT_TRUE(problems_.empty());
}

TEST_F(PageLogReaderTest, ConcatenatedGzipMembersAreAllRead) {
  const std::string path =
      WriteGzip("page_log.gz", "p u 1 [14/Jan/2016:09:00:01 +0100] total 1 - h x A4 -\n");
  WriteGzip("page_log.gz", "p u 2 [14/Jan/2016:09:00:02 +0100] total 2 - h x A4 -\n", "ab");
  Result<std::vector<JobRecord>> jobs = ReadJobs({path});
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  EXPECT_EQ(jobs->size(), 2u);
}

TEST_F(PageLogReaderTest, StreamsLongFilesAndLinesAcrossReadBoundaries) {
  std::string text;
  for (int i = 1; i <= 30000; ++i) {
    text += "Queue_" + std::to_string(i % 7) + " user" + std::to_string(i % 100) + " " +
            std::to_string(i) + " [14/Jan/2016:09:00:01 +0100] total " + std::to_string(i % 9) +
            " - host Document " + std::to_string(i) + ".pdf A4 one-sided\n";
  }
  // One line far longer than a read (256 KiB), but under the limit.
  const std::string long_name(600 * 1024, 'n');
  text += "p u 99999 [14/Jan/2016:09:00:09 +0100] total 1 - h " + long_name + " A4 one-sided\n";
  ASSERT_GT(text.size(), 2u * 1024 * 1024);
  const std::string plain = WritePlain("page_log", text);
  const std::string gz = WriteGzip("page_log.1.gz", text);

  PageLogReaderOptions options;
  options.jobs.include_titles = true;
  Result<std::vector<JobRecord>> jobs = ReadJobs({plain}, options);
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  EXPECT_TRUE(problems_.empty()) << problems_.front();
  EXPECT_EQ(jobs->size(), 30001u);
  EXPECT_EQ(counts_.lines_read, 30001);
  EXPECT_EQ(jobs->back().title.value_or("").size(), long_name.size());

  jobs = ReadJobs({gz, plain}, options);  // the same lines twice: the same jobs
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  EXPECT_EQ(jobs->size(), 30001u);
  EXPECT_EQ(counts_.lines_read, 60002);
  int64_t impressions = 0;
  for (const JobRecord& r : *jobs) impressions += r.impressions_completed;
  int64_t expected = 1;
  for (int i = 1; i <= 30000; ++i) expected += i % 9;
  EXPECT_EQ(impressions, expected);
}

TEST_F(PageLogReaderTest, OverlongLineIsReportedAndSkipped) {
  const std::string path = WritePlain(
      "page_log", "p u 1 [14/Jan/2016:09:00:01 +0100] total 1 - h " + std::string(5000, 'x') +
                      " A4 -\np u 2 [14/Jan/2016:09:00:02 +0100] total 2 - h x A4 -\n");
  PageLogReaderOptions options;
  options.max_line_bytes = 1000;
  Result<std::vector<JobRecord>> jobs = ReadJobs({path}, options);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(problems_.size(), 1u);
  EXPECT_EQ(problems_[0], path + ":1: line longer than 1000 bytes");
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].cups_job_id, 2);
}

TEST_F(PageLogReaderTest, CrLfAndOddBytesPassThrough) {
  std::string text =
      "p us\xff"
      "er 1 [14/Jan/2016:09:00:01 +0100] total 1 - h a";
  text += '\0';
  text += "b A4 one-sided\r\n";
  text += "\r\n   \n";
  const std::string path = WritePlain("page_log", text);
  PageLogReaderOptions options;
  options.jobs.include_titles = true;
  Result<std::vector<JobRecord>> jobs = ReadJobs({path}, options);
  ASSERT_TRUE(jobs.ok());
  EXPECT_TRUE(problems_.empty());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].user,
            "us\xff"
            "er");  // the aggregator validates UTF-8
  EXPECT_EQ((*jobs)[0].title.value_or(""), std::string("a\0b", 3));
  EXPECT_EQ((*jobs)[0].sides, Sides::kOneSided);
  EXPECT_EQ(counts_.lines_read, 3);
}

TEST_F(PageLogReaderTest, TruncatedGzipIsAnIoErrorNamingTheFile) {
  std::string text;
  for (int i = 1; i <= 5000; ++i) {
    text += "p u " + std::to_string(i) + " [14/Jan/2016:09:00:01 +0100] total 1 - h x" +
            std::to_string(i * 7919) + " A4 -\n";
  }
  const std::string path = WriteGzip("page_log.2.gz", text);
  fs::resize_file(path, fs::file_size(path) / 2);
  bool sink_called = false;
  PageLogReader reader({path});
  Status st = reader.ReadAll([&](std::vector<JobRecord>&&) {
    sink_called = true;
    return Status::Ok();
  });
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_EQ(st.message().rfind(path + ": corrupt or truncated gzip data after line ", 0), 0u)
      << st.message();
  EXPECT_FALSE(sink_called);
}

TEST_F(PageLogReaderTest, MissingFileOrDirectoryIsAnIoError) {
  const std::string good =
      WritePlain("page_log", "p u 1 [14/Jan/2016:09:00:01 +0100] total 1 - h x A4 -\n");
  Result<std::vector<JobRecord>> jobs = ReadJobs({good, (dir_ / "nope").string()});
  EXPECT_EQ(jobs.status().code(), Status::Code::kIoError);
  EXPECT_NE(jobs.status().message().find("nope: cannot open"), std::string::npos);
  jobs = ReadJobs({dir_.string()});
  EXPECT_EQ(jobs.status().code(), Status::Code::kIoError);
  EXPECT_EQ(jobs.status().message().rfind(dir_.string() + ": read error after line 0", 0), 0u)
      << jobs.status().message();
}

TEST_F(PageLogReaderTest, JournalExportWithOtherProgramsLines) {
  // `journalctl -o short-iso` output of a Fedora server (PageLog syslog): page lines among the
  // journal's other lines, cupsd's own messages and a journalctl marker.
  const std::string path = WritePlain(
      "journal.txt",
      "-- Logs begin at Fri 2018-06-15 08:00:00 CEST, end at Fri 2018-06-15 18:00:00 CEST. --\n"
      "2018-06-15T11:59:58+0200 printsrv systemd[1]: Started CUPS Scheduler.\n"
      "2018-06-15T11:59:59+0200 printsrv cupsd[727]: REQUEST localhost - alice \"POST "
      "/printers/Accueil HTTP/1.1\" 200 2048 Print-Job successful-ok\n"
      "2018-06-15T12:00:00+0200 printsrv cupsd[727]: Accueil alice 12 [15/Jun/2018:12:00:00 "
      "+0200] total 3 - 10.0.0.7 Note.pdf A4 one-sided\n"
      "2018-06-15T12:00:01+0200 printsrv cupsd[727]: Accueil bob 13 [15/Jun/2018:12:00:01 "
      "+0200] total 2 - 10.0.0.8 x A4 duplex\n"  // bad sides: reported
      "2018-06-15T12:00:02+0200 printsrv kernel: usb 1-1: reset high-speed USB device\n"
      "2018-06-15T12:00:03+0200 printsrv cupsd[727]: Accueil carol 14 [15/Jun/2018:12:00:03 "
      "+0200] total 5 - 10.0.0.9 y A4 two-sided-long-edge\n");
  Result<std::vector<JobRecord>> jobs = ReadJobs({path});
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].cups_job_id, 12);
  EXPECT_EQ((*jobs)[0].impressions_completed, 3);
  EXPECT_EQ((*jobs)[1].cups_job_id, 14);
  ASSERT_EQ(problems_.size(), 1u);
  EXPECT_EQ(problems_[0].rfind(path + ":5: sides 'duplex'", 0), 0u) << problems_[0];
  EXPECT_EQ(counts_.lines_read, 7);
  EXPECT_EQ(counts_.malformed_lines, 1);
  EXPECT_EQ(counts_.skipped_lines, 4);
}

TEST_F(PageLogReaderTest, OldCupsLayoutsAreReadAndNotedOncePerFile) {
  const std::string cups14 = WritePlain(
      "page_log.cups14",
      "LaserJet 27 alice [15/Jun/2010:12:00:00 +0200] 1 1 - 10.0.0.7 Note.pdf A4 one-sided\n"
      "LaserJet 27 alice [15/Jun/2010:12:00:01 +0200] 2 1 - 10.0.0.7 Note.pdf A4 one-sided\n"
      "LaserJet 28 1001 [15/Jun/2010:12:05:00 +0200] 1 3 - 10.0.0.8 x A4 -\n");
  const std::string cups13 =
      WritePlain("page_log.cups13",
                 "DeskJet bob 5 [15/Jun/2007:12:00:00 +0200] 1 1 - pc-bob\n"
                 "DeskJet bob 5 [15/Jun/2007:12:00:02 +0200] 2 1 - pc-bob\n");
  Result<std::vector<JobRecord>> jobs = ReadJobs({cups14, cups13});
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  EXPECT_TRUE(problems_.empty());
  ASSERT_EQ(notes_.size(), 2u);
  EXPECT_EQ(notes_[0], cups14 +
                           ":1: read as CUPS 1.4.0-1.4.6's page_log (job id before the "
                           "user name)");
  EXPECT_EQ(notes_[1].rfind(cups13 + ":1: read as CUPS 1.2-1.3's page_log", 0), 0u);
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ((*jobs)[0].cups_job_id, 5);
  EXPECT_EQ((*jobs)[0].impressions_completed, 2);
  EXPECT_EQ((*jobs)[0].client_host, "pc-bob");
  EXPECT_EQ((*jobs)[1].cups_job_id, 27);
  EXPECT_EQ((*jobs)[1].user, "alice");
  EXPECT_EQ((*jobs)[1].impressions_completed, 2);
  EXPECT_EQ((*jobs)[2].cups_job_id, 28);
  EXPECT_EQ((*jobs)[2].user, "1001");
  EXPECT_EQ((*jobs)[2].impressions_completed, 3);
}

TEST_F(PageLogReaderTest, LinesThatCannotBeDatedAreRefusedOncePerFile) {
  // CUPS <= 1.3 logging to syslog: "PAGE ..." with a year-less syslog date. Good lines around
  // them are read.
  std::string text = "p u 1 [14/Jan/2008:09:00:00 +0100] total 1 - h x A4 one-sided\n";
  for (int i = 0; i < 50; ++i) {
    text += "Jan 14 09:00:" + std::to_string(10 + i) + " srv cupsd[99]: PAGE DeskJet bob " +
            std::to_string(100 + i) + " 1 1 - h\n";
  }
  text += "p u 2 [14/Jan/2008:09:10:00 +0100] total 2 - h x A4 one-sided\n";
  const std::string path = WritePlain("messages", text);
  Result<std::vector<JobRecord>> jobs = ReadJobs({path});
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  EXPECT_EQ(jobs->size(), 2u);
  ASSERT_EQ(problems_.size(), 2u);
  EXPECT_EQ(problems_[0].rfind(path + ":2: CUPS <= 1.3 logged pages to syslog", 0), 0u)
      << problems_[0];
  EXPECT_EQ(problems_[1].rfind(path + ": 50 lines refused (lines 2-51): CUPS <= 1.3", 0), 0u)
      << problems_[1];
  EXPECT_EQ(counts_.malformed_lines, 50);
}

TEST_F(PageLogReaderTest, SiteFormat) {
  PageLogReaderOptions options;
  Result<PageLogFormat> format = PageLogFormat::Parse("%p %j %u %T %C %{media} %{job-name}");
  ASSERT_TRUE(format.ok());
  options.format = *format;
  options.threads = 2;
  const std::string path = WritePlain(
      "page_log",
      "Accueil 9 carol [15/Jun/2018:12:00:00 +0200] 4 A4 Mon document\n"
      "Jun 15 12:01:00 printsrv cupsd[727]: Accueil 10 dave [15/Jun/2018:12:01:00 +0200] 1 A3 "
      "Plan\n"
      "Accueil alice 11 [15/Jun/2018:12:02:00 +0200] total 3 - h x A4 one-sided\n");
  Result<std::vector<JobRecord>> jobs = ReadJobs({path}, options);
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].impressions_completed, 4);
  EXPECT_EQ((*jobs)[0].media, "A4");
  EXPECT_EQ((*jobs)[1].user, "dave");
  EXPECT_EQ((*jobs)[1].media, "A3");
  ASSERT_EQ(problems_.size(), 1u);
  EXPECT_EQ(problems_[0].rfind(path + ":3: ", 0), 0u) << problems_[0];
}

}  // namespace
}  // namespace ramette::agent
