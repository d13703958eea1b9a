// What the benches read of another process's memory.
#ifndef RAMETTE_BENCH_PROCESS_MEMORY_H_
#define RAMETTE_BENCH_PROCESS_MEMORY_H_

#include <sys/types.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace ramette::bench {

// VmRSS of /proc/PID/status in kB; -1 when it cannot be read.
inline long RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

}  // namespace ramette::bench

#endif  // RAMETTE_BENCH_PROCESS_MEMORY_H_
