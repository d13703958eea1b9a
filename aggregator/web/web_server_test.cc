// ramette-web over real HTTP: WebServer on 127.0.0.1 port 0 against a SQLite store in a temp
// dir with accounts hashed by auth/, driven by cpp-httplib's client: login through the form with
// its CSRF cookie, the cookies' flags, 401, 403 and redirects, the security headers, logout, the
// rate limit; a second server on the same port fails to bind; and the ramette-web binary: exit
// 78 on a bad configuration, "listening on 127.0.0.1:PORT" with the real port.
#include "aggregator/web/web_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "aggregator/auth/password_hash.h"
#include "aggregator/store/open_store.h"

namespace ramette::aggregator::web {
namespace {

std::string SetCookieValue(const httplib::Result& r, const std::string& name) {
  for (const auto& [k, v] : r->headers) {
    if (k == "Set-Cookie" && v.rfind(name + "=", 0) == 0) {
      return v.substr(name.size() + 1, v.find(';') - name.size() - 1);
    }
  }
  return "";
}
std::string SetCookieLine(const httplib::Result& r, const std::string& name) {
  for (const auto& [k, v] : r->headers) {
    if (k == "Set-Cookie" && v.rfind(name + "=", 0) == 0) return v;
  }
  return "";
}

class WebServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ramette-web-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    db_ = dir_ + "/ramette.db";
    auto opened = store::OpenStore(db_, store::OpenMode::kCreate);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    for (auto [name, role, direction, pw] :
         {std::tuple{"root", store::AccountRole::kAdmin, "", "admin-password-1"},
          std::tuple{"dsi", store::AccountRole::kDirection, "DSI", "dsi-password-12"}}) {
      auto hash = auth::HashPassword(pw);
      ASSERT_TRUE(hash.ok());
      ASSERT_TRUE(store_->accounts().AddAccount({name, role, direction, *hash, 1, 1}).ok());
    }
    auto dummy = auth::HashPassword("a dummy password");
    ASSERT_TRUE(dummy.ok());
    WebAppOptions o;
    o.store = store_.get();
    o.accounts = &store_->accounts();
    o.verify_password = [](std::string_view h, std::string_view p) {
      return auth::VerifyPassword(h, p);
    };
    o.dummy_hash = *dummy;
    o.clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
    o.tz = &tz_;
    o.limits.max_failures_per_account = 3;
    app_ = std::make_unique<WebApp>(std::move(o));
    auto server = WebServer::Start({"127.0.0.1:0", "", "", ""}, app_.get());
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_follow_location(false);
  }
  void TearDown() override {
    server_.reset();
    app_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Logs in through the form; the session's Cookie header, or "" (with *status set).
  std::string LogIn(const std::string& name, const std::string& password, int* status = nullptr) {
    auto form = client_->Get("/login");
    EXPECT_TRUE(form);
    const std::string csrf = SetCookieValue(form, kLoginCsrfCookie);
    httplib::Headers h = {{"Cookie", std::string(kLoginCsrfCookie) + "=" + csrf}};
    auto r = client_->Post(
        "/login", h, httplib::Params{{"name", name}, {"password", password}, {"csrf_token", csrf}});
    EXPECT_TRUE(r);
    if (status != nullptr) *status = r->status;
    const std::string id = SetCookieValue(r, kSessionCookie);
    return id.empty() ? "" : std::string(kSessionCookie) + "=" + id;
  }
  httplib::Result Get(const std::string& path, const std::string& cookie = "") {
    httplib::Headers h;
    if (!cookie.empty()) h.emplace("Cookie", cookie);
    return client_->Get(path.c_str(), h);
  }

  std::string dir_, db_;
  TimeZone tz_ = *TimeZone::Load("Europe/Paris");
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<WebApp> app_;
  std::unique_ptr<WebServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

void ExpectSecurityHeaders(const httplib::Result& r) {
  EXPECT_EQ(r->get_header_value("Content-Security-Policy"), kContentSecurityPolicy);
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer");
}

TEST_F(WebServerTest, LoggedOutRedirectsAnd401) {
  auto page = Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 303);
  EXPECT_EQ(page->get_header_value("Location"), "/login");
  ExpectSecurityHeaders(page);
  auto api = Get("/api/v1/indicators?year=2024");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 401);
  ExpectSecurityHeaders(api);
  auto css = Get("/static/ramette.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
}

TEST_F(WebServerTest, LoginCookiesRolesLogout) {
  auto form = Get("/login");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  const std::string csrf_line = SetCookieLine(form, kLoginCsrfCookie);
  EXPECT_NE(csrf_line.find("HttpOnly"), std::string::npos);
  EXPECT_NE(csrf_line.find("SameSite=Strict"), std::string::npos);

  // A POST without the CSRF cookie (another site's form) is refused.
  auto forged = client_->Post(
      "/login",
      httplib::Params{{"name", "root"}, {"password", "admin-password-1"}, {"csrf_token", "x"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);

  const std::string csrf = SetCookieValue(form, kLoginCsrfCookie);
  httplib::Headers h = {{"Cookie", std::string(kLoginCsrfCookie) + "=" + csrf}};
  auto ok = client_->Post(
      "/login", h,
      httplib::Params{{"name", "root"}, {"password", "admin-password-1"}, {"csrf_token", csrf}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 303);
  const std::string line = SetCookieLine(ok, kSessionCookie);
  EXPECT_NE(line.find("HttpOnly"), std::string::npos);
  EXPECT_NE(line.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(line.find("Secure"), std::string::npos);  // loopback HTTP
  const std::string admin = std::string(kSessionCookie) + "=" + SetCookieValue(ok, kSessionCookie);

  for (const char* path : {"/", "/servers", "/devices", "/quality", "/api/v1/status"}) {
    auto r = Get(path, admin);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store") << path;
    ExpectSecurityHeaders(r);
  }

  const std::string dsi = LogIn("dsi", "dsi-password-12");
  ASSERT_FALSE(dsi.empty());
  EXPECT_EQ(Get("/servers", dsi)->status, 403);
  EXPECT_EQ(Get("/direction?name=DAF", dsi)->status, 403);
  EXPECT_EQ(Get("/api/v1/indicators?year=2024&direction=DAF", dsi)->status, 403);
  EXPECT_EQ(Get("/download/report?direction=DAF&format=csv&month=2024-05", dsi)->status, 403);

  // Logout: a POST with the session's token (found in the page's logout form).
  auto home = Get("/servers", admin);
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(home->body, m, std::regex("name=\"csrf_token\" value=\"([0-9a-f]{64})\"")))
      << home->body.substr(0, 2000);
  httplib::Headers with_session = {{"Cookie", admin}};
  auto bad = client_->Post("/logout", with_session, httplib::Params{{"csrf_token", "nope"}});
  EXPECT_EQ(bad->status, 403);
  auto out = client_->Post("/logout", with_session, httplib::Params{{"csrf_token", m[1].str()}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 303);
  EXPECT_EQ(out->get_header_value("Location"), "/login");
  EXPECT_EQ(Get("/servers", admin)->status, 303);
  EXPECT_EQ(Get("/api/v1/status", admin)->status, 401);
}

TEST_F(WebServerTest, FailedLoginsGet429WithRetryAfter) {
  int status = 0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(LogIn("root", "wrong password", &status), "");
    EXPECT_EQ(status, 401);
  }
  auto form = Get("/login");
  const std::string csrf = SetCookieValue(form, kLoginCsrfCookie);
  httplib::Headers h = {{"Cookie", std::string(kLoginCsrfCookie) + "=" + csrf}};
  auto r = client_->Post(
      "/login", h,
      httplib::Params{{"name", "root"}, {"password", "admin-password-1"}, {"csrf_token", csrf}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_GT(std::stoi(r->get_header_value("Retry-After")), 0);
}

TEST_F(WebServerTest, ASecondServerOnTheSamePortFails) {
  auto second =
      WebServer::Start({"127.0.0.1:" + std::to_string(server_->port()), "", "", ""}, app_.get());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(second.status().message().find("cannot listen on"), std::string::npos);
}

TEST_F(WebServerTest, ServesHttpsWithTheConfiguredCertificate) {
  ASSERT_EQ(
      std::system(("cd " + dir_ + " && " RAMETTE_TEST_CERTS_SCRIPT " " + dir_ + " >/dev/null 2>&1")
                      .c_str()),
      0);
  auto tls =
      WebServer::Start({"127.0.0.1:0", dir_ + "/server.pem", dir_ + "/server.key", ""}, app_.get());
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  httplib::SSLClient c("127.0.0.1", (*tls)->port());
  c.set_ca_cert_path((dir_ + "/ca.pem").c_str());
  c.enable_server_certificate_verification(true);
  auto r = c.Get("/login");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  // Plain HTTP to the TLS port gets nothing readable.
  httplib::Client plain("127.0.0.1", (*tls)->port());
  auto p = plain.Get("/login");
  EXPECT_TRUE(!p || p->status != 200);

  auto mismatched =
      WebServer::Start({"127.0.0.1:0", dir_ + "/server.pem", dir_ + "/prn-a.key", ""}, app_.get());
  EXPECT_EQ(mismatched.status().code(), Status::Code::kInvalidArgument);
  auto missing =
      WebServer::Start({"127.0.0.1:0", dir_ + "/nope.pem", dir_ + "/server.key", ""}, app_.get());
  EXPECT_EQ(missing.status().code(), Status::Code::kInvalidArgument);
}

// Runs `command` (sh -c) and returns its exit status and combined output.
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST_F(WebServerTest, TheBinaryExits78OnBadConfigurationAnd75OnABusyPort) {
  const std::string bad = dir_ + "/bad.toml";
  std::ofstream(bad) << "[web]\nlisten = \"0.0.0.0:8080\"\n";  // beyond loopback without TLS
  auto [code, out] = RunCommand(std::string(RAMETTE_WEB) + " --config " + bad + " --db " + db_);
  EXPECT_EQ(code, 78) << out;
  EXPECT_NE(out.find("without TLS"), std::string::npos) << out;

  auto [busy, busy_out] = RunCommand(std::string(RAMETTE_WEB) + " --db " + db_ +
                                     " --listen 127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(busy, 75) << busy_out;
  EXPECT_NE(busy_out.find("cannot listen on 127.0.0.1:"), std::string::npos) << busy_out;
}

TEST_F(WebServerTest, TheBinaryLogsTheRealPort) {
  const std::string log = dir_ + "/web.log";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    freopen(log.c_str(), "w", stderr);
    freopen(log.c_str(), "a", stdout);
    execl(RAMETTE_WEB, RAMETTE_WEB, "--db", db_.c_str(), "--listen", "127.0.0.1:0", nullptr);
    _exit(127);
  }
  std::smatch m;
  std::string text;
  for (int i = 0; i < 100; ++i) {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    if (std::regex_search(text, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(m.size() == 2) << text;
  const int port = std::stoi(m[1].str());
  EXPECT_GT(port, 0);
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/login");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace ramette::aggregator::web
