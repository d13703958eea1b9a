// WriteFileAtomically: lstat check, O_EXCL temporary file, fsync, rename, fsync of the directory.
#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace ramette {
namespace {

std::string Reason(int err) { return std::strerror(err); }

// What a non-regular file is, for the refusal message.
const char* KindOf(mode_t m) {
  if (S_ISLNK(m)) return "a symbolic link";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view content, mode_t mode) {
  if (path.empty()) return Status::InvalidArgument("empty output file name");
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      return Status::FailedPrecondition("refusing to write " + path + ": it is " +
                                        KindOf(st.st_mode) + ", not a regular file");
    }
  } else if (errno != ENOENT) {
    return Status::IoError("cannot write " + path + ": " + Reason(errno));
  }
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) return Status::InvalidArgument("refusing to write " + path + ": no file name");

  std::random_device random;
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
    tmp = (dir == "/" ? "" : dir) + "/." + base + "." + suffix + ".tmp";
    fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno != EEXIST) {
      return Status::IoError("cannot write " + path + ": cannot create " + tmp + ": " +
                             Reason(errno));
    }
  }
  if (fd < 0) return Status::IoError("cannot write " + path + ": no free temporary name");

  auto fail = [&](const std::string& what, int err) {
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    return Status::IoError("cannot write " + path + ": " + what + ": " + Reason(err));
  };
  for (size_t done = 0; done < content.size();) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("writing " + tmp, errno);
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail("syncing " + tmp, errno);
  const int closed = close(fd);
  fd = -1;
  if (closed != 0) return fail("closing " + tmp, errno);
  if (rename(tmp.c_str(), path.c_str()) != 0) return fail("renaming " + tmp, errno);
  // The rename itself reaches the disk with the directory.
  if (int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return Status::Ok();
}

}  // namespace ramette
