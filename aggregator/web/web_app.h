// The dashboard's request handling, without HTTP: a plain request in, a plain response out.
// Authentication (session cookie, or a trusted proxy's user header), CSRF on every POST, the
// login rate limit, the role rules (access.h), the routes to the pages, the JSON API and the
// downloads, and the security headers every answer carries. web_server.h feeds it from
// cpp-httplib; tests call it directly.
#ifndef RAMETTE_AGGREGATOR_WEB_WEB_APP_H_
#define RAMETTE_AGGREGATOR_WEB_WEB_APP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aggregator/indicators/indicators.h"
#include "aggregator/reports/report_settings.h"
#include "aggregator/reports/report_text.h"
#include "aggregator/store/account_store.h"
#include "aggregator/store/store.h"
#include "aggregator/web/login_limiter.h"
#include "aggregator/web/pages/web_pages.h"
#include "aggregator/web/sessions.h"
#include "common/civil_time.h"

namespace ramette::aggregator::web {

inline constexpr const char* kSessionCookie = "ramette_session";
inline constexpr const char* kLoginCsrfCookie = "ramette_login_csrf";

struct WebRequest {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // without the query string
  std::map<std::string, std::string> params;  // query (GET) or url-encoded form (POST): first value
  std::string cookie_header;                  // the Cookie header, as sent
  std::string remote_address;                 // the peer's address, from the socket
  // The value of [web] trusted_user_header when the request carried it; empty otherwise.
  std::optional<std::string> trusted_user;
};

struct WebResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Set-Cookie may repeat

  // The first header named `name` (case-sensitive), or empty.
  std::string Header(std::string_view name) const;
};

struct WebAppOptions {
  store::Store* store = nullptr;            // the data; outlives the app
  store::AccountStore* accounts = nullptr;  // the web accounts; outlives the app
  // auth::VerifyPassword in production: (hash, password) -> matches.
  std::function<bool(std::string_view, std::string_view)> verify_password;
  // A hash of a random password, checked when the name is unknown, so that an unknown name takes
  // as long to refuse as a wrong password.
  std::string dummy_hash;
  std::function<int64_t()> clock;  // unix seconds
  const TimeZone* tz = nullptr;    // the organisation's zone; outlives the app
  reports::ReportSettings report;  // [organisation] name, [environment], [targets]
  indicators::PaperSource paper_source = indicators::PaperSource::kPrinting;
  reports::ReportLanguage lang = reports::ReportLanguage::kFrench;  // unless ?lang=fr|en
  bool secure_cookies = false;               // TLS or beyond loopback: cookies get Secure
  std::vector<std::string> trusted_proxies;  // who may set the trusted user header
  // [web] cache_seconds: how old the figures a page shows may be (web/pages/figures_cache.h);
  // 0 computes them for every request.
  int64_t figures_fresh_seconds = 60;
  int64_t session_idle_seconds = 30 * 60;
  int64_t session_max_seconds = 12 * 3600;
  LoginLimits limits;
  std::function<std::string()> random = RandomToken;
};

// The Content-Security-Policy of every answer (no script at all).
inline constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// The value of cookie `name` in a Cookie header, or empty.
std::string CookieValue(std::string_view cookie_header, std::string_view name);

// Thread-safe: Handle may run on several threads at once.
class WebApp {
 public:
  explicit WebApp(WebAppOptions options);
  // Every answer carries the security headers; authenticated ones `Cache-Control: no-store`.
  // Never throws; a store error is a 500 with a short text, logged by the caller.
  WebResponse Handle(const WebRequest& request);

  SessionStore& sessions() { return sessions_; }
  FiguresCache& figures() { return *figures_; }
  // WarmUpFigures (pages/web_pages.h) as an admin sees them, so that the first visitors find the
  // figures ready.
  void WarmUp();

 private:
  struct Who {
    std::string account;
    Viewer viewer;
    std::string csrf_token;  // empty for a proxy-authenticated request
    std::string session_id;  // empty for a proxy-authenticated request
  };
  WebResponse Route(const WebRequest& request);
  std::optional<Who> Authenticate(const WebRequest& request, int64_t now, WebResponse* refused);
  WebResponse LoginForm(const WebRequest& request, int status, std::string_view error);
  WebResponse Login(const WebRequest& request, int64_t now);
  WebResponse Logout(const WebRequest& request, const Who& who);
  WebResponse Page(const WebRequest& request, const Who& who, int64_t now);
  WebResponse Api(const WebRequest& request, const Who& who, int64_t now);
  WebResponse Download(const WebRequest& request, const Who& who, int64_t now);
  PageContext ContextFor(const WebRequest& request, const Who& who, int64_t now) const;
  // The request's `lang` parameter ("fr" or "en"), else [web] lang.
  reports::ReportLanguage LangOf(const WebRequest& request) const;

  // The indicator options of [indicators]: paper_source and large_job_sheets.
  indicators::IndicatorOptions IndicatorOptionsOf() const;

  WebAppOptions o_;
  std::unique_ptr<FiguresCache> figures_;
  SessionStore sessions_;
  LoginLimiter limiter_;
};

}  // namespace ramette::aggregator::web

#endif  // RAMETTE_AGGREGATOR_WEB_WEB_APP_H_
