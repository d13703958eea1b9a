// WriteFileAtomically in a fresh temporary directory: new and existing files, and the targets
// it must refuse or never write through (symbolic links, directories, FIFOs, devices).
#include "common/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ramette {
namespace {

using ::testing::HasSubstr;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ramette-atomic-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // Names in the directory, to check that no temporary file is left.
  size_t Entries() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++n;
    return n;
  }
  std::string dir_;
};

TEST_F(AtomicFileTest, CreatesAndReplacesARegularFileWithTheMode) {
  const std::string path = dir_ + "/e.json";
  const mode_t old_umask = umask(022);
  ASSERT_TRUE(WriteFileAtomically(path, "one").ok());
  EXPECT_EQ(Read(path), "one");
  ASSERT_TRUE(WriteFileAtomically(path, "two", 0600).ok());
  umask(old_umask);
  EXPECT_EQ(Read(path), "two");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(Entries(), 1u);
}

TEST_F(AtomicFileTest, NeverWritesThroughAnOldTemporaryNameThatIsALink) {
  const std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "keep";
  const std::string path = dir_ + "/e.json";
  std::filesystem::create_symlink(victim, path + ".tmp");
  ASSERT_TRUE(WriteFileAtomically(path, "new").ok());
  EXPECT_EQ(Read(victim), "keep");
  EXPECT_FALSE(std::filesystem::is_symlink(path));
  EXPECT_EQ(Read(path), "new");
}

TEST_F(AtomicFileTest, RefusesATargetThatIsNotARegularFile) {
  const std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "keep";
  const std::string link = dir_ + "/link";
  std::filesystem::create_symlink(victim, link);
  Status s = WriteFileAtomically(link, "new");
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr(link));
  EXPECT_THAT(s.message(), HasSubstr("symbolic link"));
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(Read(victim), "keep");

  const std::string sub = dir_ + "/sub";
  std::filesystem::create_directory(sub);
  s = WriteFileAtomically(sub, "new");
  EXPECT_THAT(s.message(), HasSubstr("a directory"));

  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  s = WriteFileAtomically(fifo, "new");
  EXPECT_THAT(s.message(), HasSubstr("a FIFO"));
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_EQ(Entries(), 4u);  // victim, link, sub, fifo: no temporary file left
}

// A private copy of /dev/full's node: a bug here must not replace the real one.
TEST_F(AtomicFileTest, LeavesADeviceAlone) {
  const std::string device = dir_ + "/full";
  if (mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 7)) != 0) {
    GTEST_SKIP() << "mknod needs root";
  }
  Status s = WriteFileAtomically(device, "new");
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr(device + ": it is a device"));
  struct stat after {};
  ASSERT_EQ(lstat(device.c_str(), &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_rdev, makedev(1, 7));
}

TEST_F(AtomicFileTest, ReportsAMissingDirectoryWithTheReason) {
  Status s = WriteFileAtomically(dir_ + "/missing/e.json", "x");
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_THAT(s.message(), HasSubstr("No such file or directory"));
}

}  // namespace
}  // namespace ramette
