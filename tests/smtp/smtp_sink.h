// SmtpSink: a local SMTP relay for tests, Debian's aiosmtpd running tests/smtp/recording_sink.py
// on 127.0.0.1 with a free port. Accepted messages land as files in a directory; the first
// `refusals` DATA commands get a 451.
#ifndef RAMETTE_TESTS_SMTP_SMTP_SINK_H_
#define RAMETTE_TESTS_SMTP_SMTP_SINK_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ramette::testing {

// Debian's interpreter: aiosmtpd comes from the python3-aiosmtpd package.
inline constexpr char kSystemPython[] = "/usr/bin/python3";

class SmtpSink {
 public:
  // True when /usr/bin/python3 can import aiosmtpd (scripts/deps installs it).
  static bool Available() {
    return std::system("/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1") == 0;
  }

  // Starts the sink writing to `mail_dir`; nullptr (and a message in *error) if it does not
  // answer within 10 s. With `tls_cert` and `tls_key` (PEM files) it offers STARTTLS.
  static std::unique_ptr<SmtpSink> Start(const std::string& mail_dir, int refusals,
                                         std::string* error, const std::string& tls_cert = "",
                                         const std::string& tls_key = "") {
    auto sink = std::unique_ptr<SmtpSink>(new SmtpSink);
    sink->dir_ = mail_dir;
    sink->port_ = FreeLoopbackPort();
    const std::string log = mail_dir + ".log";
    sink->pid_ = fork();
    if (sink->pid_ == 0) {
      std::freopen(log.c_str(), "a", stderr);
      std::freopen(log.c_str(), "a", stdout);
      setenv("PYTHONPATH", RAMETTE_TEST_SMTP_DIR, 1);
      const std::string listen = "127.0.0.1:" + std::to_string(sink->port_);
      const std::string n = std::to_string(refusals);
      std::vector<const char*> args = {kSystemPython, "-m", "aiosmtpd", "-n", "-l", listen.c_str()};
      if (!tls_cert.empty()) {
        for (const char* a :
             {"--tlscert", tls_cert.c_str(), "--tlskey", tls_key.c_str(), "--no-requiretls"}) {
          args.push_back(a);
        }
      }
      for (const char* a : {"-c", "recording_sink.RecordingSink", mail_dir.c_str(), n.c_str()}) {
        args.push_back(a);
      }
      args.push_back(nullptr);
      execv(kSystemPython, const_cast<char* const*>(args.data()));
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (Answers(sink->port_)) return sink;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    *error = "aiosmtpd did not start: " + ss.str();
    return nullptr;
  }

  ~SmtpSink() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }

  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // The accepted messages (with X-Envelope-From/To header lines first), in arrival order.
  std::vector<std::string> Messages() const {
    std::vector<std::string> names;
    if (!std::filesystem::exists(dir_)) return {};
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      if (e.path().extension() == ".eml") names.push_back(e.path().string());
    }
    std::sort(names.begin(), names.end());
    std::vector<std::string> out;
    for (const auto& n : names) {
      std::ifstream in(n, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }

  static int FreeLoopbackPort() {
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

 private:
  SmtpSink() = default;
  static bool Answers(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(s);
    return ok;
  }

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace ramette::testing

#endif  // RAMETTE_TESTS_SMTP_SMTP_SINK_H_
