// A private cupsd for tests: temporary ServerRoot, a port on 127.0.0.1 and a local socket,
// `User lp`, `FileDevice Yes`, queues on file:///dev/null with the generic PostScript driver.
// Real job attributes and page counts, nothing shared with a system cupsd. Needs root.
#ifndef RAMETTE_TESTS_CUPS_PRIVATE_CUPSD_H_
#define RAMETTE_TESTS_CUPS_PRIVATE_CUPSD_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace ramette::testing {

struct PrivateCupsdOptions {
  bool page_log = false;            // write page_log with the default PageLogFormat
  int max_jobs = 500;               // cupsd's MaxJobs
  bool preserve_job_files = false;  // PreserveJobFiles Yes: finished jobs can be restarted
};

class PrivateCupsd {
 public:
  // Starts cupsd and waits until it answers. The directory and the process go away with the
  // object.
  static Result<std::unique_ptr<PrivateCupsd>> Start(PrivateCupsdOptions options = {});
  ~PrivateCupsd();

  int port() const { return port_; }
  // "127.0.0.1:PORT", for lp -h and cupsSetServer.
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& socket_path() const { return socket_; }
  const std::string& dir() const { return dir_; }
  std::string page_log_path() const { return dir_ + "/log/page_log"; }

  // lpadmin -p NAME -E -v file:///dev/null -m drv:///sample.drv/generic.ppd [extra args].
  Status AddQueue(const std::string& name, const std::vector<std::string>& extra = {});
  Status DeleteQueue(const std::string& name);
  // A class NAME of the queues `members` (lpadmin -p MEMBER -c NAME), enabled and accepting.
  Status AddClass(const std::string& name, const std::vector<std::string>& members);
  // lp -d QUEUE [options] FILE; returns the CUPS job id.
  Result<int> Print(const std::string& queue, const std::string& file,
                    const std::vector<std::string>& options = {});
  // Stops cupsd (SIGTERM, as logrotate's restart does) and starts it again on the same port
  // with the same state; jobs and subscriptions persist as cupsd persists them.
  Status Restart();
  // Stops cupsd, deletes every job (the spool's c and d files, and job.cache with its NextJobId)
  // and starts it again: job ids start again at 1, as after an administrator wiped the spool.
  Status WipeJobsAndRestart();
  // The ids of every job cupsd has finished (completed, cancelled or aborted), in id order,
  // through IPP Get-Jobs asking for job-id only: `lpstat -W completed` asks for attributes that
  // need the job files, for which cupsd answers 500 jobs at most (scheduler/ipp.c get_jobs).
  Result<std::vector<int>> FinishedJobIds();
  // Writes a PostScript document of `pages` pages (A4) and returns its path.
  std::string WriteDocument(int pages);

 private:
  PrivateCupsd() = default;
  Status Launch();
  void Kill();

  std::string dir_;
  std::string socket_;
  int port_ = 0;
  pid_t pid_ = -1;
  int documents_ = 0;
};

// The whole content of a file ("" when it cannot be read).
std::string Slurp(const std::string& path);
// Runs a command line through /bin/sh; Status carries its output when it fails.
Result<std::string> RunCommand(const std::string& command);
// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// Starts argv[0] with `argv`, its stderr appended to `log` and its stdout discarded; returns the
// child's pid.
pid_t SpawnProcess(const std::vector<std::string>& argv, const std::string& log);
// Sends `sig` to `pid` (if > 0), waits for it and sets it to -1.
void StopProcess(pid_t& pid, int sig);

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_CUPS_PRIVATE_CUPSD_H_
