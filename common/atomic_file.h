// Writing an output file whole and in one step, without following links or clobbering special
// files: the one way ramette writes the files people asked for (exports, reports).
#ifndef RAMETTE_COMMON_ATOMIC_FILE_H_
#define RAMETTE_COMMON_ATOMIC_FILE_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace ramette {

// Writes `content` to `path`: into a new file (O_CREAT|O_EXCL|O_NOFOLLOW, `mode` less the umask)
// with a unique name in `path`'s directory, fsync'ed, then renamed over `path`. Readers see the
// old file or the new one, never a part. An existing `path` that is not a regular file (a
// symbolic link, a directory, a device, a FIFO, a socket) is refused with FailedPrecondition
// naming it and left alone; other failures are IoError with the path and the system's reason.
// On error no temporary file is left behind.
Status WriteFileAtomically(const std::string& path, std::string_view content, mode_t mode = 0644);

}  // namespace ramette

#endif  // RAMETTE_COMMON_ATOMIC_FILE_H_
