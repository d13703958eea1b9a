// The dashboard's request handling without HTTP, on an in-memory store: logged-out answers,
// login with its CSRF cookie, the rate limit, session cookies and expiry, each role against the
// pages, the API and the downloads, logout, the trusted proxy header, the security headers.
#include "aggregator/web/web_app.h"

#include <gtest/gtest.h>

#include <map>

#include "aggregator/indicators/indicator_format.h"
#include "common/civil_time.h"
#include "tests/fakes/fake_store.h"

namespace ramette::aggregator::web {
namespace {

using store::AccountRole;
using store::WebAccount;

// Accounts in a map; the "hash" of a password is "hash:" + password.
class MapAccounts final : public store::AccountStore {
 public:
  Status AddAccount(const WebAccount& a) override {
    accounts_[a.name] = a;
    return Status::Ok();
  }
  Result<std::optional<WebAccount>> FindAccount(const std::string& name) override {
    auto it = accounts_.find(name);
    if (it == accounts_.end()) return std::optional<WebAccount>();
    return std::optional<WebAccount>(it->second);
  }
  Result<std::vector<WebAccount>> ListAccounts() override { return std::vector<WebAccount>{}; }
  Result<bool> RemoveAccount(const std::string& name) override { return accounts_.erase(name) > 0; }
  Result<bool> SetAccountPassword(const std::string&, const std::string&, int64_t) override {
    return false;
  }

 private:
  std::map<std::string, WebAccount> accounts_;
};

class WebAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<model::WorkstationCount> counts;
    for (const char* d : {"DAF", "DSI", "RH"}) {
      counts.push_back({d, DaysFromCivil(2017, 1, 1), 10});
    }
    ASSERT_TRUE(store_.inventory().UpsertWorkstations(counts).ok());
    ASSERT_TRUE(
        accounts_.AddAccount({"root", AccountRole::kAdmin, "", "hash:admin-password", 0, 0}).ok());
    ASSERT_TRUE(
        accounts_.AddAccount({"tech", AccountRole::kIt, "", "hash:it-password", 0, 0}).ok());
    ASSERT_TRUE(
        accounts_.AddAccount({"dsi", AccountRole::kDirection, "DSI", "hash:dsi-password", 0, 0})
            .ok());
    app_ = std::make_unique<WebApp>(Options());
  }

  WebAppOptions Options() {
    WebAppOptions o;
    o.store = &store_;
    o.accounts = &accounts_;
    o.verify_password = [](std::string_view hash, std::string_view pw) {
      return hash == "hash:" + std::string(pw);
    };
    o.dummy_hash = "hash:unguessable";
    o.clock = [this] { return now_; };
    o.tz = &tz_;
    o.trusted_proxies = {"10.0.0.5"};
    o.session_idle_seconds = 600;
    o.session_max_seconds = 3600;
    return o;
  }

  WebResponse Get(const std::string& path, std::map<std::string, std::string> params = {},
                  const std::string& cookie = "") {
    WebRequest r;
    r.method = "GET";
    r.path = path;
    r.params = std::move(params);
    r.cookie_header = cookie;
    r.remote_address = "127.0.0.1";
    return app_->Handle(r);
  }
  WebResponse Post(const std::string& path, std::map<std::string, std::string> form,
                   const std::string& cookie, const std::string& from = "127.0.0.1") {
    WebRequest r;
    r.method = "POST";
    r.path = path;
    r.params = std::move(form);
    r.cookie_header = cookie;
    r.remote_address = from;
    return app_->Handle(r);
  }
  static std::string SetCookieValue(const WebResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == "Set-Cookie" && v.rfind(name + "=", 0) == 0) {
        return v.substr(name.size() + 1, v.find(';') - name.size() - 1);
      }
    }
    return "<none>";
  }
  static std::string SetCookieLine(const WebResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == "Set-Cookie" && v.rfind(name + "=", 0) == 0) return v;
    }
    return "";
  }
  // Logs in and returns the Cookie header of the session.
  std::string LogIn(const std::string& name, const std::string& password) {
    WebResponse form = Get("/login");
    const std::string csrf = SetCookieValue(form, kLoginCsrfCookie);
    WebResponse r = Post("/login", {{"name", name}, {"password", password}, {"csrf_token", csrf}},
                         std::string(kLoginCsrfCookie) + "=" + csrf);
    EXPECT_EQ(r.status, 303) << r.body;
    return std::string(kSessionCookie) + "=" + SetCookieValue(r, kSessionCookie);
  }
  std::string CsrfOf(const std::string& cookie) {
    auto s = app_->sessions().Find(CookieValue(cookie, kSessionCookie), now_);
    return s ? s->csrf_token : "";
  }

  int64_t now_ = 1530000000;  // 2018-06-26
  TimeZone tz_ = *TimeZone::Load("Europe/Paris");
  testing::FakeStore store_;
  MapAccounts accounts_;
  std::unique_ptr<WebApp> app_;
};

void ExpectSecurityHeaders(const WebResponse& r) {
  EXPECT_EQ(r.Header("Content-Security-Policy"), kContentSecurityPolicy);
  EXPECT_EQ(r.Header("Content-Security-Policy").find("script-src"), std::string::npos);
  EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.Header("Referrer-Policy"), "no-referrer");
}

TEST_F(WebAppTest, LoggedOutReadsNothing) {
  for (const char* page : {"/", "/direction", "/devices", "/quality", "/servers",
                           "/download/export", "/download/report", "/nowhere"}) {
    WebResponse r = Get(page, {{"year", "2018"}, {"name", "DSI"}});
    EXPECT_EQ(r.status, 303) << page;
    EXPECT_EQ(r.Header("Location"), "/login") << page;
    ExpectSecurityHeaders(r);
  }
  for (const char* api : {"/api/v1/indicators", "/api/v1/status", "/api/v1/other"}) {
    WebResponse r = Get(api, {{"year", "2018"}});
    EXPECT_EQ(r.status, 401) << api;
    EXPECT_EQ(r.content_type, "application/json");
    ExpectSecurityHeaders(r);
  }
  WebResponse css = Get("/static/ramette.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(css.body, StyleSheet());
  ExpectSecurityHeaders(css);
  // A made-up session id is no session.
  EXPECT_EQ(Get("/", {}, std::string(kSessionCookie) + "=" + std::string(64, 'a')).status, 303);
}

TEST_F(WebAppTest, LoginNeedsTheCsrfCookieAndField) {
  WebResponse form = Get("/login");
  EXPECT_EQ(form.status, 200);
  ExpectSecurityHeaders(form);
  EXPECT_EQ(form.Header("Cache-Control"), "no-store");
  const std::string line = SetCookieLine(form, kLoginCsrfCookie);
  EXPECT_NE(line.find("HttpOnly"), std::string::npos);
  EXPECT_NE(line.find("SameSite=Strict"), std::string::npos);
  const std::string csrf = SetCookieValue(form, kLoginCsrfCookie);
  EXPECT_EQ(csrf.size(), 64u);
  EXPECT_NE(form.body.find(csrf), std::string::npos);  // the hidden field

  const std::map<std::string, std::string> good = {
      {"name", "root"}, {"password", "admin-password"}, {"csrf_token", csrf}};
  auto without = good;
  without.erase("csrf_token");
  EXPECT_EQ(Post("/login", without, std::string(kLoginCsrfCookie) + "=" + csrf).status, 403);
  EXPECT_EQ(Post("/login", good, "").status, 403);  // no cookie: a cross-site post
  auto other = good;
  other["csrf_token"] = std::string(64, '0');
  EXPECT_EQ(Post("/login", other, std::string(kLoginCsrfCookie) + "=" + csrf).status, 403);

  WebResponse ok = Post("/login", good, std::string(kLoginCsrfCookie) + "=" + csrf);
  EXPECT_EQ(ok.status, 303);
  EXPECT_EQ(ok.Header("Location"), "/");
  const std::string session = SetCookieLine(ok, kSessionCookie);
  EXPECT_NE(session.find("HttpOnly"), std::string::npos);
  EXPECT_NE(session.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(session.find("Path=/"), std::string::npos);
  EXPECT_EQ(session.find("Secure"), std::string::npos);  // loopback, plain HTTP
  EXPECT_EQ(SetCookieValue(ok, kSessionCookie).size(), 64u);
}

TEST_F(WebAppTest, ASecondLoginFormKeepsThePendingToken) {
  // A browser fetching /favicon.ico (redirected to /login) must not break the form it shows.
  WebResponse first = Get("/login");
  const std::string csrf = SetCookieValue(first, kLoginCsrfCookie);
  WebResponse second = Get("/login", {}, std::string(kLoginCsrfCookie) + "=" + csrf);
  EXPECT_EQ(SetCookieValue(second, kLoginCsrfCookie), csrf);
  EXPECT_NE(SetCookieValue(Get("/login", {}, std::string(kLoginCsrfCookie) + "=forged"),
                           kLoginCsrfCookie),
            "forged");
  EXPECT_EQ(Get("/favicon.ico").status, 404);
}

TEST_F(WebAppTest, SecureCookiesBeyondLoopback) {
  WebAppOptions o = Options();
  o.secure_cookies = true;
  app_ = std::make_unique<WebApp>(std::move(o));
  WebResponse form = Get("/login");
  EXPECT_NE(SetCookieLine(form, kLoginCsrfCookie).find("; Secure"), std::string::npos);
  const std::string csrf = SetCookieValue(form, kLoginCsrfCookie);
  WebResponse ok =
      Post("/login", {{"name", "root"}, {"password", "admin-password"}, {"csrf_token", csrf}},
           std::string(kLoginCsrfCookie) + "=" + csrf);
  EXPECT_NE(SetCookieLine(ok, kSessionCookie).find("; Secure"), std::string::npos);
}

TEST_F(WebAppTest, FailedLoginsAreRateLimited) {
  auto attempt = [&](const std::string& name, const std::string& pw, const std::string& from) {
    WebResponse form = Get("/login");
    const std::string csrf = SetCookieValue(form, kLoginCsrfCookie);
    return Post("/login", {{"name", name}, {"password", pw}, {"csrf_token", csrf}},
                std::string(kLoginCsrfCookie) + "=" + csrf, from);
  };
  EXPECT_EQ(attempt("nobody", "x", "10.1.1.1").status, 401);  // unknown name: same answer
  EXPECT_EQ(attempt("", "x", "10.3.3.3").status, 401);
  EXPECT_EQ(attempt(std::string(300, 'n'), "x", "10.3.3.3").status, 401);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(attempt("root", "wrong", "10.1.1.1").status, 401);
  // The account has 5 failures: even the right password waits, from any address.
  WebResponse limited = attempt("root", "admin-password", "10.2.2.2");
  EXPECT_EQ(limited.status, 429);
  EXPECT_GT(std::stoi(limited.Header("Retry-After")), 0);
  EXPECT_EQ(attempt("dsi", "dsi-password", "10.2.2.2").status, 303);  // others are not locked
  now_ += LoginLimits{}.window_seconds;
  EXPECT_EQ(attempt("root", "admin-password", "10.2.2.2").status, 303);
}

TEST_F(WebAppTest, AdminSeesEverything) {
  const std::string c = LogIn("root", "admin-password");
  for (const char* page : {"/", "/devices", "/quality", "/servers"}) {
    WebResponse r = Get(page, {}, c);
    EXPECT_EQ(r.status, 200) << page << r.body.substr(0, 200);
    EXPECT_EQ(r.Header("Cache-Control"), "no-store");
    ExpectSecurityHeaders(r);
  }
  EXPECT_EQ(Get("/direction", {{"name", "DAF"}, {"month", "2018-05"}}, c).status, 200);
  WebResponse api = Get("/api/v1/indicators", {{"year", "2018"}}, c);
  ASSERT_EQ(api.status, 200);
  auto expected = indicators::ComputeIndicators(store_.usage(), 2018);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(api.body, indicators::FormatIndicatorsJson(*expected) + "\n");
  EXPECT_NE(api.body.find("\"DAF\""), std::string::npos);
  EXPECT_EQ(Get("/api/v1/indicators", {{"year", "2018"}, {"direction", "RH"}}, c).status, 200);
  EXPECT_EQ(Get("/api/v1/indicators", {{"year", "2018"}, {"direction", "NOPE"}}, c).status, 404);
  EXPECT_EQ(Get("/api/v1/indicators", {}, c).status, 400);
  EXPECT_EQ(Get("/api/v1/status", {}, c).status, 200);
  WebResponse csv = Get("/download/export", {{"year", "2018"}, {"format", "csv-en"}}, c);
  EXPECT_EQ(csv.status, 200);
  EXPECT_NE(csv.Header("Content-Disposition").find("attachment"), std::string::npos);
  WebResponse report =
      Get("/download/report", {{"direction", "DAF"}, {"month", "2018-05"}, {"format", "csv"}}, c);
  EXPECT_EQ(report.status, 200);
  EXPECT_NE(report.Header("Content-Disposition").find("ramette-2018-05-DAF.csv"),
            std::string::npos);
}

TEST_F(WebAppTest, ADirectionAccountSeesItsDirectionAndTheTotalsOnly) {
  const std::string c = LogIn("dsi", "dsi-password");
  EXPECT_EQ(Get("/", {}, c).status, 200);
  EXPECT_EQ(Get("/direction", {{"month", "2018-05"}}, c).status, 200);  // its own by default
  EXPECT_EQ(Get("/direction", {{"name", "DSI"}, {"month", "2018-05"}}, c).status, 200);
  EXPECT_EQ(Get("/direction", {{"name", "DAF"}}, c).status, 403);
  for (const char* page : {"/devices", "/quality", "/servers"}) {
    EXPECT_EQ(Get(page, {}, c).status, 403) << page;
  }
  WebResponse api = Get("/api/v1/indicators", {{"year", "2018"}}, c);
  ASSERT_EQ(api.status, 200);
  EXPECT_NE(api.body.find("\"DSI\""), std::string::npos);
  EXPECT_EQ(api.body.find("\"DAF\""), std::string::npos);
  EXPECT_EQ(api.body.find("\"RH\""), std::string::npos);
  auto full = indicators::ComputeIndicators(store_.usage(), 2018);
  EXPECT_EQ(api.body,
            indicators::FormatIndicatorsJson(*indicators::FilterDirection(*full, "DSI")) + "\n");
  EXPECT_EQ(Get("/api/v1/indicators", {{"year", "2018"}, {"direction", "DSI"}}, c).status, 200);
  EXPECT_EQ(Get("/api/v1/indicators", {{"year", "2018"}, {"direction", "DAF"}}, c).status, 403);
  EXPECT_EQ(Get("/api/v1/indicators", {{"year", "2018"}, {"direction", "NOPE"}}, c).status, 403);
  EXPECT_EQ(Get("/api/v1/status", {}, c).status, 403);
  EXPECT_EQ(
      Get("/download/report", {{"direction", "DAF"}, {"month", "2018-05"}, {"format", "html"}}, c)
          .status,
      403);
  WebResponse own =
      Get("/download/report", {{"direction", "DSI"}, {"month", "2018-05"}, {"format", "html"}}, c);
  EXPECT_EQ(own.status, 200);
  EXPECT_EQ(own.body.find("DAF"), std::string::npos);  // not even in the ranking
  WebResponse json = Get("/download/export", {{"year", "2018"}, {"format", "json"}}, c);
  ASSERT_EQ(json.status, 200);
  EXPECT_EQ(json.body.find("DAF"), std::string::npos);
  EXPECT_NE(json.body.find("DSI"), std::string::npos);
}

TEST_F(WebAppTest, ItSeesServersDevicesAndQualityOnly) {
  const std::string c = LogIn("tech", "it-password");
  for (const char* page : {"/devices", "/quality", "/servers"}) {
    EXPECT_EQ(Get(page, {}, c).status, 200) << page;
  }
  WebResponse home = Get("/", {}, c);
  EXPECT_EQ(home.status, 303);
  EXPECT_EQ(home.Header("Location"), "/servers");
  EXPECT_EQ(Get("/direction", {{"name", "DSI"}}, c).status, 403);
  EXPECT_EQ(Get("/api/v1/indicators", {{"year", "2018"}}, c).status, 403);
  EXPECT_EQ(Get("/api/v1/status", {}, c).status, 200);
  EXPECT_EQ(Get("/download/export", {{"year", "2018"}, {"format", "json"}}, c).status, 403);
}

TEST_F(WebAppTest, LogoutNeedsTheSessionsCsrfToken) {
  const std::string c = LogIn("root", "admin-password");
  EXPECT_EQ(Get("/logout", {}, c).status, 405);
  EXPECT_EQ(Post("/logout", {}, c).status, 403);
  EXPECT_EQ(Post("/logout", {{"csrf_token", std::string(64, '1')}}, c).status, 403);
  EXPECT_EQ(Get("/", {}, c).status, 200);  // still logged in
  WebResponse out = Post("/logout", {{"csrf_token", CsrfOf(c)}}, c);
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(out.Header("Location"), "/login");
  EXPECT_NE(SetCookieLine(out, kSessionCookie).find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Get("/", {}, c).status, 303);
  EXPECT_EQ(Post("/logout", {{"csrf_token", "x"}}, c).status, 303);  // to /login: no session
}

TEST_F(WebAppTest, SessionsExpire) {
  const std::string c = LogIn("root", "admin-password");
  now_ += 599;
  EXPECT_EQ(Get("/servers", {}, c).status, 200);
  now_ += 600;
  EXPECT_EQ(Get("/servers", {}, c).status, 303);
  EXPECT_EQ(Get("/api/v1/status", {}, c).status, 401);
}

TEST_F(WebAppTest, TrustedUserHeaderOnlyFromTrustedProxies) {
  WebRequest r;
  r.method = "GET";
  r.path = "/api/v1/indicators";
  r.params = {{"year", "2018"}};
  r.trusted_user = "dsi";
  r.remote_address = "10.0.0.6";  // not a trusted proxy: the header is ignored
  EXPECT_EQ(app_->Handle(r).status, 401);
  r.remote_address = "10.0.0.5";
  WebResponse ok = app_->Handle(r);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body.find("\"DAF\""), std::string::npos);
  r.trusted_user = "stranger";
  EXPECT_EQ(app_->Handle(r).status, 403);
}

TEST_F(WebAppTest, OtherMethodsAndPaths) {
  const std::string c = LogIn("root", "admin-password");
  WebRequest r;
  r.method = "DELETE";
  r.path = "/";
  r.cookie_header = c;
  EXPECT_EQ(app_->Handle(r).status, 405);
  EXPECT_EQ(Get("/nowhere", {}, c).status, 404);
  EXPECT_EQ(Get("/", {{"year", "20x8"}}, c).status, 400);
  EXPECT_EQ(Get("/download/export", {{"year", "2018"}, {"format", "xml"}}, c).status, 400);
  EXPECT_EQ(
      Get("/download/report", {{"direction", "DSI"}, {"month", "2018-13"}, {"format", "csv"}}, c)
          .status,
      400);
}

TEST(CookieValueTest, FindsTheNamedCookie) {
  EXPECT_EQ(CookieValue("a=1; ramette_session=xyz; b=2", "ramette_session"), "xyz");
  EXPECT_EQ(CookieValue("ramette_session=xyz", "ramette_session"), "xyz");
  EXPECT_EQ(CookieValue("xramette_session=xyz", "ramette_session"), "");
  EXPECT_EQ(CookieValue("", "ramette_session"), "");
}

}  // namespace
}  // namespace ramette::aggregator::web
