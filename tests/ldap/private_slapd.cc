// The private slapd: configuration, offline load, start, changes, stop.
#include "tests/ldap/private_slapd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace ramette::testing {

namespace {

// The AD-like attributes and classes OpenLDAP's schemas lack (private OIDs for tests).
constexpr char kAdSchema[] = R"(attributetype ( 1.3.6.1.4.1.55555.1.1 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.3.6.1.4.1.55555.1.2 NAME 'department'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.3.6.1.4.1.55555.1.3 NAME 'memberOf'
  EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
attributetype ( 1.3.6.1.4.1.55555.1.4 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.2.1 NAME 'user' SUP inetOrgPerson STRUCTURAL
  MAY ( sAMAccountName $ department $ memberOf $ userAccountControl ) )
objectclass ( 1.3.6.1.4.1.55555.2.2 NAME 'computer' SUP top STRUCTURAL
  MUST cn MAY ( department $ description ) )
)";

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  return static_cast<bool>(f);
}

// Runs a shell command line; its exit status, output (stdout and stderr) in *output.
int RunCommand(const std::string& line, std::string* output) {
  FILE* p = popen((line + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  const int rc = pclose(p);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

bool Answers(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

std::string PercentEncoded(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '/') {
      out += "%2F";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool PrivateSlapd::Available() {
  return access(kSlapd, X_OK) == 0 && access("/usr/sbin/slapadd", X_OK) == 0 &&
         access("/usr/bin/ldapmodify", X_OK) == 0;
}

std::string PrivateSlapd::LdapUri() const { return "ldap://127.0.0.1:" + std::to_string(port_); }
std::string PrivateSlapd::LdapsUri() const {
  return "ldaps://127.0.0.1:" + std::to_string(ldaps_port_);
}
std::string PrivateSlapd::LdapiUri() const { return "ldapi://" + PercentEncoded(dir_ + "/ldapi"); }
std::string PrivateSlapd::CaFile() const { return dir_ + "/certs/ca.pem"; }
std::string PrivateSlapd::OtherCaFile() const { return dir_ + "/certs/other-ca.pem"; }

Result<std::unique_ptr<PrivateSlapd>> PrivateSlapd::Start(const PrivateSlapdOptions& options) {
  if (!Available()) return Status::FailedPrecondition("slapd or ldap-utils are not installed");
  char tmpl[] = "/tmp/ramette-slapd-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Status::IoError("cannot create a temporary directory");
  std::unique_ptr<PrivateSlapd> s(new PrivateSlapd());
  s->dir_ = tmpl;
  const std::string& d = s->dir_;
  std::filesystem::create_directories(d + "/db");
  std::string tls;
  if (!options.certs_script.empty()) {
    std::filesystem::create_directories(d + "/certs");
    std::string out;
    if (RunCommand("bash '" + options.certs_script + "' '" + d + "/certs'", &out) != 0) {
      return Status::IoError("making the test certificates failed: " + out);
    }
    tls = "TLSCACertificateFile " + d + "/certs/ca.pem\nTLSCertificateFile " + d +
          "/certs/server.pem\nTLSCertificateKeyFile " + d + "/certs/server.key\n";
  }
  const std::string limit = std::to_string(options.size_limit);
  const std::string conf =
      "include /etc/ldap/schema/core.schema\n"
      "include /etc/ldap/schema/cosine.schema\n"
      "include /etc/ldap/schema/inetorgperson.schema\n"
      "include " +
      d +
      "/ad.schema\n"
      "pidfile " +
      d +
      "/slapd.pid\n"
      "modulepath /usr/lib/ldap\n"
      "moduleload back_mdb\n" +
      tls +
      // AD's MaxPageSize: a search that does not page gets `size_limit` entries and an error;
      // paged searches get every entry.
      "sizelimit size.soft=" + limit + " size.hard=" + limit + " size.prtotal=" +
      (options.paged_total < 0 ? std::string("unlimited") : std::to_string(options.paged_total)) +
      "\n"
      "database mdb\n"
      "maxsize 1073741824\n"
      "suffix \"" +
      kBaseDn +
      "\"\n"
      "rootdn \"" +
      kAdminDn +
      "\"\n"
      "rootpw " +
      kAdminPassword +
      "\n"
      "directory " +
      d +
      "/db\n"
      "index objectClass eq\n"
      "access to attrs=userPassword by anonymous auth by * none\n"
      "access to * by * read\n";
  if (!WriteFile(d + "/ad.schema", kAdSchema) || !WriteFile(d + "/slapd.conf", conf)) {
    return Status::IoError("cannot write the slapd configuration in " + d);
  }
  const std::string base = std::string("dn: ") + kBaseDn +
                           "\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: "
                           "example\n\n"
                           "dn: ou=Staff," +
                           kBaseDn +
                           "\nobjectClass: organizationalUnit\nou: Staff\n\n"
                           "dn: ou=Groups," +
                           kBaseDn +
                           "\nobjectClass: organizationalUnit\nou: Groups\n\n"
                           "dn: ou=Computers," +
                           kBaseDn +
                           "\nobjectClass: organizationalUnit\nou: Computers\n\n"
                           "dn: ou=Services," +
                           kBaseDn +
                           "\nobjectClass: organizationalUnit\nou: Services\n\n"
                           "dn: " +
                           kServiceDn +
                           "\nobjectClass: person\ncn: ramette\nsn: Service\n"
                           "userPassword: " +
                           kServicePassword + "\n\n";
  if (!WriteFile(d + "/load.ldif", base + options.ldif)) {
    return Status::IoError("cannot write the LDIF in " + d);
  }
  std::string out;
  if (RunCommand("/usr/sbin/slapadd -q -f '" + d + "/slapd.conf' -l '" + d + "/load.ldif'", &out) !=
      0) {
    return Status::IoError("slapadd failed: " + out);
  }
  s->port_ = FreePort();
  std::string urls = s->LdapUri() + "/ " + s->LdapiUri() + "/";
  if (!tls.empty()) {
    do {
      s->ldaps_port_ = FreePort();
    } while (s->ldaps_port_ == s->port_);
    urls += " " + s->LdapsUri() + "/";
  }
  const std::string log = d + "/slapd.log";
  const pid_t pid = fork();
  if (pid < 0) return Status::IoError("fork failed");
  if (pid == 0) {
    FILE* f = freopen(log.c_str(), "w", stderr);
    (void)f;
    execl(kSlapd, kSlapd, "-f", (d + "/slapd.conf").c_str(), "-h", urls.c_str(), "-d", "0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  s->pid_ = pid;
  for (int i = 0; i < 200; ++i) {
    struct stat st;
    if (Answers(s->port_) && stat((d + "/ldapi").c_str(), &st) == 0) return s;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      s->pid_ = -1;
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      return Status::IoError("slapd exited at start: " + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::IoError("slapd did not answer within 10 s");
}

Status PrivateSlapd::Modify(const std::string& ldif) {
  const std::string path = dir_ + "/change.ldif";
  if (!WriteFile(path, ldif)) return Status::IoError("cannot write " + path);
  std::string out;
  if (RunCommand("/usr/bin/ldapmodify -x -H '" + LdapiUri() + "' -D '" + kAdminDn + "' -w '" +
                     kAdminPassword + "' -f '" + path + "'",
                 &out) != 0) {
    return Status::IoError("ldapmodify failed: " + out);
  }
  return Status::Ok();
}

void PrivateSlapd::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

PrivateSlapd::~PrivateSlapd() {
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace ramette::testing
