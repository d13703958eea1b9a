// Private cupsd: configuration files, process control and lp/lpadmin wrappers.
#include "tests/cups/private_cupsd.h"

#include <arpa/inet.h>
#include <cups/cups.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

namespace ramette::testing {
namespace {

namespace fs = std::filesystem;

bool Answers(int port);

}  // namespace

int FreePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

pid_t SpawnProcess(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    freopen(log.c_str(), "a", stderr);
    freopen("/dev/null", "w", stdout);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

void StopProcess(pid_t& pid, int sig) {
  if (pid <= 0) return;
  kill(pid, sig);
  int status;
  waitpid(pid, &status, 0);
  pid = -1;
}

namespace {

bool Answers(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return ok;
}

}  // namespace

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> RunCommand(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return Status::IoError("cannot run: " + command);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) return Status::Internal(command + " failed (" + std::to_string(rc) + "): " + out);
  return out;
}

Result<std::unique_ptr<PrivateCupsd>> PrivateCupsd::Start(PrivateCupsdOptions options) {
  if (geteuid() != 0) return Status::FailedPrecondition("a private cupsd needs root (User lp)");
  std::unique_ptr<PrivateCupsd> c(new PrivateCupsd());
  char tmpl[] = "/tmp/ramette-cupsd-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Status::IoError("mkdtemp failed");
  c->dir_ = tmpl;
  c->socket_ = c->dir_ + "/cups.sock";
  c->port_ = FreePort();
  for (const char* sub : {"spool", "cache", "state", "log", "tmp", "ppd"}) {
    fs::create_directories(c->dir_ + "/" + sub);
  }
  {
    std::ofstream conf(c->dir_ + "/cupsd.conf");
    conf << "Listen 127.0.0.1:" << c->port_ << "\n"
         << "Listen " << c->socket_ << "\n"
         << "LogLevel warn\n"
         << "MaxJobs " << options.max_jobs << "\n"
         << "PreserveJobHistory Yes\nPreserveJobFiles "
         << (options.preserve_job_files ? "Yes" : "No") << "\nWebInterface No\n"
         << "DefaultAuthType None\nBrowsing No\n";
    if (options.page_log) {
      // Unquoted: cupsd would write the quotes into every line.
      conf << "PageLogFormat %p %u %j %T %P %C %{job-billing} %{job-originating-host-name} "
              "%{job-name} %{media} %{sides}\n";
    } else {
      conf << "PageLogFormat\n";  // Debian's default: page logging off
    }
    conf << "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
         << "<Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n"
         << "<Policy default>\n"
         << "  JobPrivateAccess default\n  JobPrivateValues default\n"
         << "  SubscriptionPrivateAccess default\n  SubscriptionPrivateValues default\n"
         << "  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n";
  }
  {
    std::ofstream files(c->dir_ + "/cups-files.conf");
    files << "ServerRoot " << c->dir_ << "\nRequestRoot " << c->dir_ << "/spool\n"
          << "CacheDir " << c->dir_ << "/cache\nStateDir " << c->dir_ << "/state\n"
          << "TempDir " << c->dir_ << "/tmp\nErrorLog " << c->dir_ << "/log/error_log\n"
          << "AccessLog " << c->dir_ << "/log/access_log\nPageLog " << c->dir_
          << "/log/page_log\nFileDevice Yes\nUser lp\nGroup lp\nSystemGroup root\n";
  }
  RAMETTE_RETURN_IF_ERROR(RunCommand("chown -R lp:lp '" + c->dir_ + "/spool' '" + c->dir_ +
                                     "/cache' '" + c->dir_ + "/tmp' && chmod 755 '" + c->dir_ +
                                     "' && chmod 1770 '" + c->dir_ + "/spool'")
                              .status());
  RAMETTE_RETURN_IF_ERROR(c->Launch());
  return c;
}

Status PrivateCupsd::Launch() {
  pid_ = fork();
  if (pid_ == 0) {
    std::string log = dir_ + "/log/cupsd.out";
    freopen(log.c_str(), "a", stdout);
    freopen(log.c_str(), "a", stderr);
    execl("/usr/sbin/cupsd", "cupsd", "-f", "-c", (dir_ + "/cupsd.conf").c_str(), "-s",
          (dir_ + "/cups-files.conf").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (Answers(port_)) return Status::Ok();
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream in(dir_ + "/log/error_log");
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      return Status::Unavailable("cupsd exited at start: " + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Unavailable("cupsd did not answer on port " + std::to_string(port_));
}

void PrivateCupsd::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

Status PrivateCupsd::Restart() {
  Kill();
  for (int i = 0; i < 100 && Answers(port_); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Launch();
}

Status PrivateCupsd::WipeJobsAndRestart() {
  Kill();
  for (int i = 0; i < 100 && Answers(port_); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ + "/spool", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && (name[0] == 'c' || name[0] == 'd') && entry.is_regular_file()) {
      fs::remove(entry.path(), ec);
    }
  }
  fs::remove(dir_ + "/cache/job.cache", ec);
  return Launch();
}

PrivateCupsd::~PrivateCupsd() {
  Kill();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Status PrivateCupsd::AddQueue(const std::string& name, const std::vector<std::string>& extra) {
  std::string cmd = "lpadmin -h " + server() + " -p '" + name +
                    "' -E -v file:///dev/null -m drv:///sample.drv/generic.ppd";
  for (const auto& e : extra) cmd += " " + e;
  return RunCommand(cmd).status();
}

Status PrivateCupsd::AddClass(const std::string& name, const std::vector<std::string>& members) {
  for (const std::string& member : members) {
    RAMETTE_RETURN_IF_ERROR(
        RunCommand("lpadmin -h " + server() + " -p '" + member + "' -c '" + name + "'").status());
  }
  RAMETTE_RETURN_IF_ERROR(RunCommand("cupsenable -h " + server() + " '" + name + "'").status());
  return RunCommand("cupsaccept -h " + server() + " '" + name + "'").status();
}

Status PrivateCupsd::DeleteQueue(const std::string& name) {
  return RunCommand("lpadmin -h " + server() + " -x '" + name + "'").status();
}

Result<int> PrivateCupsd::Print(const std::string& queue, const std::string& file,
                                const std::vector<std::string>& options) {
  std::string cmd = "lp -h " + server() + " -d '" + queue + "'";
  for (const auto& o : options) cmd += " " + o;
  cmd += " '" + file + "'";
  auto out = RunCommand(cmd);
  if (!out.ok()) return out.status();
  // "request id is q1-12 (1 file(s))"
  size_t dash = out->rfind('-', out->find(" ("));
  if (dash == std::string::npos) return Status::Internal("unexpected lp output: " + *out);
  return std::atoi(out->c_str() + dash + 1);
}

Result<std::vector<int>> PrivateCupsd::FinishedJobIds() {
  http_t* http =
      httpConnect2("127.0.0.1", port_, nullptr, AF_INET, HTTP_ENCRYPTION_NEVER, 1, 10000, nullptr);
  if (http == nullptr) return Status::Unavailable("cannot connect to cupsd at " + server());
  ipp_t* request = ippNewRequest(IPP_OP_GET_JOBS);
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, "ipp://localhost/");
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, "root");
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nullptr, "completed");
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", nullptr,
               "job-id");
  ipp_t* response = cupsDoRequest(http, request, "/");
  httpClose(http);
  if (response == nullptr || ippGetStatusCode(response) > IPP_STATUS_OK_CONFLICTING) {
    ippDelete(response);
    return Status::Unavailable(std::string("Get-Jobs: ") + cupsLastErrorString());
  }
  std::vector<int> ids;
  for (ipp_attribute_t* a = ippFirstAttribute(response); a != nullptr;
       a = ippNextAttribute(response)) {
    const char* name = ippGetName(a);
    if (name != nullptr && std::string_view(name) == "job-id") ids.push_back(ippGetInteger(a, 0));
  }
  ippDelete(response);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string PrivateCupsd::WriteDocument(int pages) {
  std::string path = dir_ + "/doc-" + std::to_string(++documents_) + ".ps";
  std::ofstream ps(path);
  ps << "%!PS-Adobe-3.0\n%%Pages: " << pages << "\n%%DocumentMedia: A4 595 842 0 () ()\n"
     << "%%EndComments\n";
  for (int i = 1; i <= pages; ++i) {
    ps << "%%Page: " << i << " " << i << "\n"
       << "/Times-Roman findfont 24 scalefont setfont 72 700 moveto (Page " << i
       << ") show showpage\n";
  }
  ps << "%%EOF\n";
  return path;
}

}  // namespace ramette::testing
