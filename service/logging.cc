// Journal or stderr sink for spdlog.
#include "service/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace ramette::service {

bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st;
  if (fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

void SetUpLogging(const std::string& program) {
  if (StderrIsJournal()) {
    auto sink = std::make_shared<spdlog::sinks::systemd_sink_mt>(program);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(program, sink));
    return;
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt(program));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S%z %^%l%$ %v");
}

}  // namespace ramette::service
