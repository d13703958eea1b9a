// Routing, authentication, CSRF and the answers of the dashboard.
#include "aggregator/web/web_app.h"

#include <cstdio>
#include <exception>

#include "aggregator/indicators/indicator_format.h"
#include "aggregator/reports/indicator_export.h"
#include "aggregator/reports/monthly_report.h"
#include "aggregator/reports/monthly_report_render.h"
#include "aggregator/status/server_status.h"
#include "aggregator/web/access.h"

namespace ramette::aggregator::web {
namespace {

constexpr int64_t kSilentAfterSeconds = 15 * 60;

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

WebResponse Text(int status, std::string content_type, std::string body) {
  WebResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

WebResponse JsonError(int status, std::string_view message) {
  return Text(status, "application/json", "{\"error\": " + JsonString(message) + "}\n");
}

WebResponse HtmlError(int status, std::string_view title) {
  // The title is one of ours, never data.
  return Text(status, "text/html; charset=utf-8",
              "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + std::string(title) +
                  "</title><link rel=\"stylesheet\" href=\"/static/ramette.css\"></head><body>"
                  "<main><h1>" +
                  std::string(title) +
                  "</h1><p><a href=\"/\">ramette</a></p></main></body></html>\n");
}

WebResponse Redirect(const std::string& location) {
  WebResponse r = Text(303, "text/plain; charset=utf-8", "see " + location + "\n");
  r.headers.emplace_back("Location", location);
  return r;
}

bool IsApi(const std::string& path) { return path.rfind("/api/", 0) == 0; }

std::string Param(const WebRequest& request, const std::string& key) {
  auto it = request.params.find(key);
  return it == request.params.end() ? std::string() : it->second;
}

// A year from 2 to 9999, empty when absent; false when present and malformed.
bool ParseYear(const std::string& text, std::optional<int>* year) {
  if (text.empty()) return true;
  if (text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  const int y = std::stoi(text);
  if (y < 2) return false;
  *year = y;
  return true;
}

// "YYYY-MM" with a real month.
std::optional<std::pair<int, int>> ParseMonthText(const std::string& text) {
  int year = 0, month = 0;
  char tail = 0;
  if (text.size() != 7 || text[4] != '-' ||
      std::sscanf(text.c_str(), "%4d-%2d%c", &year, &month, &tail) != 2 || month < 1 ||
      month > 12 || year < 2) {
    return std::nullopt;
  }
  return std::make_pair(year, month);
}

std::string CookieHeader(const std::string& name, const std::string& value, const std::string& path,
                         bool secure, bool clear) {
  std::string c = name + "=" + value + "; Path=" + path + "; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  if (clear) c += "; Max-Age=0";
  return c;
}

}  // namespace

std::string WebResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

std::string CookieValue(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
    pos = end + 1;
  }
  return {};
}

WebApp::WebApp(WebAppOptions options)
    : o_(std::move(options)),
      figures_(std::make_unique<FiguresCache>(&o_.store->usage(), o_.report,
                                              o_.figures_fresh_seconds, o_.clock)),
      sessions_(o_.session_idle_seconds, o_.session_max_seconds, o_.random),
      limiter_(o_.limits) {}

indicators::IndicatorOptions WebApp::IndicatorOptionsOf() const {
  indicators::IndicatorOptions options;
  options.paper_source = o_.paper_source;
  options.large_job_sheets = o_.report.large_job_sheets;
  return options;
}

void WebApp::WarmUp() {
  Who admin;
  admin.viewer.role = store::AccountRole::kAdmin;
  WarmUpFigures(*o_.store, ContextFor(WebRequest{}, admin, o_.clock()));
}

WebResponse WebApp::Handle(const WebRequest& request) {
  WebResponse r;
  try {
    r = Route(request);
  } catch (const std::exception&) {
    r = Text(500, "text/plain; charset=utf-8", "internal error\n");
  }
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  if (request.path == "/static/ramette.css" && r.status == 200) {
    r.headers.emplace_back("Cache-Control", "no-cache");
  } else {
    r.headers.emplace_back("Cache-Control", "no-store");
  }
  return r;
}

reports::ReportLanguage WebApp::LangOf(const WebRequest& request) const {
  auto lang = reports::ParseReportLanguage(Param(request, "lang"));
  return lang ? *lang : o_.lang;
}

PageContext WebApp::ContextFor(const WebRequest& request, const Who& who, int64_t now) const {
  PageContext ctx;
  ctx.viewer = who.viewer;
  ctx.lang = LangOf(request);
  ctx.csrf_token = who.csrf_token;
  ctx.now = now;
  ctx.tz = o_.tz;
  ctx.settings = &o_.report;
  ctx.paper_source = std::string(indicators::PaperSourceName(o_.paper_source));
  ctx.silent_after_seconds = kSilentAfterSeconds;
  ctx.figures = figures_.get();
  return ctx;
}

std::optional<WebApp::Who> WebApp::Authenticate(const WebRequest& request, int64_t now,
                                                WebResponse* refused) {
  if (request.trusted_user && IsTrustedProxy(o_.trusted_proxies, request.remote_address)) {
    const std::string& user = *request.trusted_user;
    Result<std::optional<store::WebAccount>> account = std::optional<store::WebAccount>();
    if (!user.empty() && user.size() <= store::kMaxAccountNameLength)
      account = o_.accounts->FindAccount(user);
    if (!account.ok()) {
      *refused = Text(500, "text/plain; charset=utf-8", "accounts unavailable\n");
      return std::nullopt;
    }
    if (!account->has_value()) {
      *refused = IsApi(request.path) ? JsonError(403, "no dashboard account for this user")
                                     : HtmlError(403, "403 — no dashboard account");
      return std::nullopt;
    }
    return Who{(*account)->name, Viewer{(*account)->role, (*account)->direction}, {}, {}};
  }
  const std::string id = CookieValue(request.cookie_header, kSessionCookie);
  if (!id.empty()) {
    if (auto s = sessions_.Find(id, now)) {
      return Who{s->account, s->viewer, s->csrf_token, s->id};
    }
  }
  *refused = IsApi(request.path) ? JsonError(401, "login required") : Redirect("/login");
  return std::nullopt;
}

WebResponse WebApp::LoginForm(const WebRequest& request, int status, std::string_view error) {
  // The browser's pending token is kept: another tab, or a request the page itself triggers
  // (a favicon redirected here), must not invalidate the form already shown.
  std::string token = CookieValue(request.cookie_header, kLoginCsrfCookie);
  if (token.size() != 64 || token.find_first_not_of("0123456789abcdef") != std::string::npos) {
    token = o_.random();
  }
  WebResponse r =
      Text(status, "text/html; charset=utf-8", LoginPage(LangOf(request), token, error));
  r.headers.emplace_back("Set-Cookie", CookieHeader(kLoginCsrfCookie, token, "/login",
                                                    o_.secure_cookies, /*clear=*/false));
  return r;
}

WebResponse WebApp::Login(const WebRequest& request, int64_t now) {
  const bool fr = LangOf(request) == reports::ReportLanguage::kFrench;
  if (!TokensMatch(CookieValue(request.cookie_header, kLoginCsrfCookie),
                   Param(request, "csrf_token"))) {
    return LoginForm(request, 403,
                     fr ? "Le formulaire a expiré : veuillez réessayer."
                        : "The form has expired: please try again.");
  }
  const std::string name = Param(request, "name");
  const std::string password = Param(request, "password");
  if (const int64_t wait = limiter_.RetryAfter(request.remote_address, name, now); wait > 0) {
    WebResponse r = LoginForm(request, 429,
                              fr ? "Trop d'essais : réessayez dans quelques minutes."
                                 : "Too many attempts: try again in a few minutes.");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  // An empty or oversized name is no account (and never reaches the store).
  Result<std::optional<store::WebAccount>> account = std::optional<store::WebAccount>();
  if (!name.empty() && name.size() <= store::kMaxAccountNameLength)
    account = o_.accounts->FindAccount(name);
  if (!account.ok()) return Text(500, "text/plain; charset=utf-8", "accounts unavailable\n");
  bool ok = false;
  if (account->has_value()) {
    ok = !name.empty() && o_.verify_password((*account)->password_hash, password);
  } else {
    o_.verify_password(o_.dummy_hash, password);  // same cost as a wrong password
  }
  if (!ok) {
    limiter_.RecordFailure(request.remote_address, name, now);
    return LoginForm(request, 401,
                     fr ? "Nom ou mot de passe incorrect." : "Wrong name or password.");
  }
  limiter_.RecordSuccess(name);
  const Viewer viewer{(*account)->role, (*account)->direction};
  const Session s = sessions_.Create((*account)->name, viewer, now);
  WebResponse r = Redirect(LandingPath(viewer));
  r.headers.emplace_back("Set-Cookie", CookieHeader(kSessionCookie, s.id, "/", o_.secure_cookies,
                                                    /*clear=*/false));
  r.headers.emplace_back("Set-Cookie", CookieHeader(kLoginCsrfCookie, "", "/login",
                                                    o_.secure_cookies, /*clear=*/true));
  return r;
}

WebResponse WebApp::Logout(const WebRequest& request, const Who& who) {
  if (who.session_id.empty()) return HtmlError(400, "400 — single sign-on: log out at the proxy");
  if (!TokensMatch(who.csrf_token, Param(request, "csrf_token"))) {
    return HtmlError(403, "403 — form expired");
  }
  sessions_.Remove(who.session_id);
  WebResponse r = Redirect("/login");
  r.headers.emplace_back("Set-Cookie", CookieHeader(kSessionCookie, "", "/", o_.secure_cookies,
                                                    /*clear=*/true));
  return r;
}

WebResponse WebApp::Route(const WebRequest& request) {
  const int64_t now = o_.clock();
  const std::string& path = request.path;
  if (path == "/static/ramette.css") {
    if (request.method != "GET" && request.method != "HEAD")
      return Text(405, "text/plain", "GET\n");
    return Text(200, "text/css; charset=utf-8", std::string(StyleSheet()));
  }
  if (path == "/favicon.ico") return Text(404, "text/plain; charset=utf-8", "no icon\n");
  if (path == "/login") {
    if (request.method == "POST") return Login(request, now);
    if (request.method != "GET") return Text(405, "text/plain", "GET or POST\n");
    const std::string id = CookieValue(request.cookie_header, kSessionCookie);
    if (!id.empty()) {
      if (auto s = sessions_.Find(id, now)) return Redirect(LandingPath(s->viewer));
    }
    return LoginForm(request, 200, "");
  }
  WebResponse refused;
  std::optional<Who> who = Authenticate(request, now, &refused);
  if (!who) return refused;
  if (path == "/logout") {
    if (request.method != "POST") return Text(405, "text/plain", "POST\n");
    return Logout(request, *who);
  }
  if (request.method != "GET" && request.method != "HEAD") {
    return Text(405, "text/plain", "GET\n");
  }
  if (IsApi(path)) return Api(request, *who, now);
  if (path.rfind("/download/", 0) == 0) return Download(request, *who, now);
  return Page(request, *who, now);
}

WebResponse WebApp::Page(const WebRequest& request, const Who& who, int64_t now) {
  const PageContext ctx = ContextFor(request, who, now);
  const std::string& path = request.path;
  std::optional<int> year;
  if (!ParseYear(Param(request, "year"), &year)) return HtmlError(400, "400 — bad year");
  store::Store& store = *o_.store;
  Result<web::Page> page = Status::NotFound("");
  if (path == "/") {
    if (!MayAccess(who.viewer, RouteKind::kOrganisation)) {
      return who.viewer.role == store::AccountRole::kIt ? Redirect(LandingPath(who.viewer))
                                                        : HtmlError(403, "403 — forbidden");
    }
    page = OrganisationPage(store, ctx, year);
  } else if (path == "/direction") {
    std::string name = Param(request, "name");
    if (name.empty() && who.viewer.role == store::AccountRole::kDirection) {
      name = who.viewer.direction;
    }
    if (name.empty()) return HtmlError(400, "400 — which direction?");
    if (!MayAccess(who.viewer, RouteKind::kDirection, name)) {
      return HtmlError(403, "403 — forbidden");
    }
    const std::string month = Param(request, "month");
    page = DirectionPage(store, ctx, name,
                         month.empty() ? std::nullopt : std::optional<std::string>(month));
  } else if (path == "/devices") {
    if (!MayAccess(who.viewer, RouteKind::kDevices)) return HtmlError(403, "403 — forbidden");
    page = DevicesPage(store, ctx, year);
  } else if (path == "/quality") {
    if (!MayAccess(who.viewer, RouteKind::kDataQuality)) return HtmlError(403, "403 — forbidden");
    page = DataQualityPage(store, ctx, year);
  } else if (path == "/servers") {
    if (!MayAccess(who.viewer, RouteKind::kServers)) return HtmlError(403, "403 — forbidden");
    page = ServersPage(store, ctx);
  } else {
    return HtmlError(404, "404 — not found");
  }
  if (!page.ok()) {
    if (page.status().code() == Status::Code::kInvalidArgument) {
      return HtmlError(400, "400 — bad request");
    }
    return HtmlError(500, "500 — the data cannot be read now");
  }
  return Text(page->http_status, "text/html; charset=utf-8", std::move(page->html));
}

WebResponse WebApp::Api(const WebRequest& request, const Who& who, int64_t now) {
  const std::string& path = request.path;
  if (path == "/api/v1/indicators") {
    std::optional<int> year;
    if (!ParseYear(Param(request, "year"), &year) || !year) {
      return JsonError(400, "year=N is required (a year from 2 to 9999)");
    }
    const std::string direction = Param(request, "direction");
    if (direction.empty() ? !MayAccess(who.viewer, RouteKind::kOrganisation)
                          : !MayAccess(who.viewer, RouteKind::kDirection, direction)) {
      return JsonError(403, "forbidden");
    }
    auto figures = figures_->Year(*year, IndicatorOptionsOf());
    if (!figures.ok()) return JsonError(500, "the data cannot be read now");
    const indicators::IndicatorReport& report = (*figures)->report;
    Result<indicators::IndicatorReport> shown =
        direction.empty() ? ReportForViewer(report, who.viewer)
                          : indicators::FilterDirection(report, direction);
    if (!shown.ok()) {
      return shown.status().code() == Status::Code::kNotFound ? JsonError(404, "unknown direction")
                                                              : JsonError(403, "forbidden");
    }
    return Text(200, "application/json", indicators::FormatIndicatorsJson(*shown) + "\n");
  }
  if (path == "/api/v1/status") {
    if (!MayAccess(who.viewer, RouteKind::kServers)) return JsonError(403, "forbidden");
    auto view = ServersViewOf(*o_.store, ContextFor(request, who, now));
    if (!view.ok()) return JsonError(500, "the data cannot be read now");
    return Text(
        200, "application/json",
        status::FormatStatusJson((*view)->servers, now, kSilentAfterSeconds, (*view)->last_sync));
  }
  return JsonError(404, "no such API");
}

WebResponse WebApp::Download(const WebRequest& request, const Who& who, int64_t now) {
  const std::string& path = request.path;
  if (path == "/download/export") {
    std::optional<int> year;
    if (!ParseYear(Param(request, "year"), &year) || !year || *year < 4) {
      return HtmlError(400, "400 — bad year");
    }
    const std::string format = Param(request, "format");
    if (format != "csv-fr" && format != "csv-en" && format != "json") {
      return HtmlError(400, "400 — format: csv-fr, csv-en or json");
    }
    if (!MayAccess(who.viewer, RouteKind::kExport)) return HtmlError(403, "403 — forbidden");
    auto history = reports::ComputeIndicatorHistory(o_.store->usage(), *year, IndicatorOptionsOf());
    if (!history.ok()) return HtmlError(500, "500 — the data cannot be read now");
    auto shown = HistoryForViewer(*history, who.viewer);
    if (!shown.ok()) return HtmlError(403, "403 — forbidden");
    const bool json = format == "json";
    WebResponse r =
        json ? Text(200, "application/json", reports::FormatIndicatorExportJson(*shown) + "\n")
             : Text(200, "text/csv; charset=utf-8",
                    reports::FormatIndicatorExportCsv(*shown, format == "csv-fr"));
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"ramette-indicators-" + std::to_string(*year) +
                               (json ? ".json" : "-" + format.substr(4) + ".csv") + "\"");
    return r;
  }
  if (path == "/download/report") {
    const std::string direction = Param(request, "direction");
    const std::string format = Param(request, "format");
    if (direction.empty()) return HtmlError(400, "400 — which direction?");
    if (format != "html" && format != "csv") return HtmlError(400, "400 — format: html or csv");
    if (!MayAccess(who.viewer, RouteKind::kDirection, direction)) {
      return HtmlError(403, "403 — forbidden");
    }
    std::optional<std::pair<int, int>> month;
    const std::string month_text = Param(request, "month");
    if (month_text.empty()) {
      const CivilDate today = CivilFromDays(o_.tz->LocalDay(now));
      month = today.month == 1 ? std::make_pair(today.year - 1, 12)
                               : std::make_pair(today.year, today.month - 1);
    } else {
      month = ParseMonthText(month_text);
      if (!month) return HtmlError(400, "400 — month: YYYY-MM");
    }
    auto report = figures_->Month(month->first, month->second);
    if (!report.ok()) {
      return report.status().code() == Status::Code::kInvalidArgument
                 ? HtmlError(400, "400 — bad month")
                 : HtmlError(500, "500 — the data cannot be read now");
    }
    auto shown = reports::FilterReportDirection(**report, direction);
    if (!shown.ok() || shown->directions.empty()) return HtmlError(404, "404 — unknown direction");
    const reports::ScopeMonth& scope = shown->directions.front();
    const bool html = format == "html";
    const reports::ReportLanguage lang = LangOf(request);
    std::string body;
    if (!html) {
      body = reports::RenderMonthlyReportCsv(*shown, scope, lang);
    } else if (who.viewer.role == store::AccountRole::kAdmin) {
      body = reports::RenderMonthlyReportHtml(*shown, scope, lang, o_.report);  // as mailed
    } else {
      // The same report without the ranking chart, which names the other directions.
      body = std::string("<!DOCTYPE html>\n<html lang=\"") +
             (lang == reports::ReportLanguage::kFrench ? "fr" : "en") +
             "\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>ramette</title>\n<style>" +
             std::string(reports::MonthlyReportCss()) + "</style>\n</head>\n<body>\n<main>" +
             reports::RenderMonthlyReportBody(*shown, scope, lang, o_.report,
                                              /*other_directions=*/false) +
             "</main>\n</body>\n</html>\n";
    }
    WebResponse r =
        Text(200, html ? "text/html; charset=utf-8" : "text/csv; charset=utf-8", std::move(body));
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" +
                                                      reports::ReportFileStem(*shown, scope) +
                                                      (html ? ".html" : ".csv") + "\"");
    return r;
  }
  return HtmlError(404, "404 — not found");
}

}  // namespace ramette::aggregator::web
