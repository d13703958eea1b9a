// CupsClient: IPP requests through libcups and the parsing of cupsd's answers into plain structs.
#include "agent/capture/cups_client.h"

#include <cups/adminutil.h>
#include <cups/cups.h>
#include <cups/pwg.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string_view>
#include <utility>

namespace ramette::agent {
namespace {

constexpr char kServerUri[] = "ipp://localhost/";
constexpr int kDefaultPort = 631;

// Never prompt: the agent runs unattended.
const char* NoPassword(const char* /*prompt*/, http_t* /*http*/, const char* /*method*/,
                       const char* /*resource*/, void* /*data*/) {
  return nullptr;
}

// On a request timeout: give up (the call then fails with Unavailable).
int GiveUp(http_t* /*http*/, void* /*data*/) { return 0; }

std::string Text(ipp_attribute_t* a) {
  const char* s = ippGetString(a, 0, nullptr);
  return s != nullptr ? s : "";
}

bool IsInteger(ipp_attribute_t* a) {
  const ipp_tag_t t = ippGetValueTag(a);
  return t == IPP_TAG_INTEGER || t == IPP_TAG_ENUM;
}

// The error a failed request maps to.
Status Failure(ipp_status_t status, const std::string& what) {
  const std::string message =
      what + ": " + cupsLastErrorString() + " (" + ippErrorString(status) + ")";
  switch (status) {
    case IPP_STATUS_ERROR_NOT_FOUND:
      return Status::NotFound(message);
    case IPP_STATUS_ERROR_FORBIDDEN:
    case IPP_STATUS_ERROR_NOT_AUTHENTICATED:
    case IPP_STATUS_ERROR_NOT_AUTHORIZED:
    case IPP_STATUS_ERROR_CUPS_AUTHENTICATION_CANCELED:
      return Status::FailedPrecondition(
          message + "; the agent must run as root or as a member of cupsd's SystemGroup");
    case IPP_STATUS_ERROR_TOO_MANY_SUBSCRIPTIONS:
      return Status::FailedPrecondition(
          message + "; cupsd's MaxSubscriptions is reached (cancel stale ones or raise it)");
    default:
      break;
  }
  if (status >= IPP_STATUS_ERROR_INTERNAL) return Status::Unavailable(message);
  return Status::Internal(message);
}

// The destination name in a job-printer-uri ("ipp://host/printers/NAME" or ".../classes/NAME").
std::string QueueOf(const std::string& uri) {
  char scheme[32], userpass[256], host[256], resource[1024];
  int port = 0;
  if (httpSeparateURI(HTTP_URI_CODING_ALL, uri.c_str(), scheme, sizeof scheme, userpass,
                      sizeof userpass, host, sizeof host, &port, resource,
                      sizeof resource) < HTTP_URI_STATUS_OK) {
    return "";
  }
  std::string_view r(resource);
  for (std::string_view prefix : {"/printers/", "/classes/"}) {
    if (r.substr(0, prefix.size()) == prefix) return std::string(r.substr(prefix.size()));
  }
  const size_t slash = r.rfind('/');
  return std::string(slash == std::string_view::npos ? r : r.substr(slash + 1));
}

// The size name of a media-col: its media-size-name, else the PWG name of its media-size.
std::string MediaColName(ipp_attribute_t* a) {
  ipp_t* col = ippGetCollection(a, 0);
  if (col == nullptr) return "";
  if (ipp_attribute_t* n = ippFindAttribute(col, "media-size-name", IPP_TAG_ZERO)) return Text(n);
  ipp_attribute_t* size = ippFindAttribute(col, "media-size", IPP_TAG_BEGIN_COLLECTION);
  ipp_t* dims = size != nullptr ? ippGetCollection(size, 0) : nullptr;
  if (dims == nullptr) return "";
  ipp_attribute_t* x = ippFindAttribute(dims, "x-dimension", IPP_TAG_INTEGER);
  ipp_attribute_t* y = ippFindAttribute(dims, "y-dimension", IPP_TAG_INTEGER);
  if (x == nullptr || y == nullptr) return "";
  const int width = ippGetInteger(x, 0);
  const int length = ippGetInteger(y, 0);
  if (pwg_media_t* pwg = pwgMediaForSize(width, length)) return pwg->pwg;
  char name[128];
  if (pwgFormatSizeName(name, sizeof name, "custom", nullptr, width, length, nullptr)) {
    return name;
  }
  return "";
}

// Builds one CupsJob from consecutive job attributes.
class JobBuilder {
 public:
  void Add(ipp_attribute_t* a) {
    const char* n = ippGetName(a);
    if (n == nullptr) return;
    const std::string_view name(n);
    auto integer = [&]() -> int64_t { return IsInteger(a) ? ippGetInteger(a, 0) : 0; };
    if (name == "job-id") {
      job_.id = static_cast<int32_t>(integer());
    } else if (name == "job-printer-uri") {
      job_.queue = QueueOf(Text(a));
    } else if (name == "job-printer-uri-actual") {
      job_.printer = QueueOf(Text(a));
    } else if (name == "job-uuid") {
      job_.uuid = Text(a);
    } else if (name == "job-originating-user-name") {
      job_.user = Text(a);
    } else if (name == "job-originating-host-name") {
      job_.host = Text(a);
    } else if (name == "job-name") {
      job_.name = Text(a);
    } else if (name == "time-at-creation") {
      job_.created_at = integer();
    } else if (name == "time-at-processing") {
      job_.processing_at = integer();
    } else if (name == "time-at-completed") {
      job_.completed_at = integer();
    } else if (name == "job-state") {
      job_.state = static_cast<CupsJobState>(integer());
    } else if (name == "copies") {
      job_.copies = static_cast<int32_t>(integer());
    } else if (name == "sides") {
      job_.sides = Text(a);
    } else if (name == "media") {
      job_.media = Text(a);
    } else if (name == "media-col") {
      media_col_ = MediaColName(a);
    } else if (name == "print-color-mode") {
      job_.print_color_mode = Text(a);
    } else if (name == "number-up") {
      job_.number_up = static_cast<int32_t>(integer());
    } else if (name == "job-impressions-completed") {
      job_.impressions_completed = integer();
    } else if (name == "job-impressions") {
      job_.job_impressions = integer();
    } else if (name == "job-media-sheets-completed") {
      job_.media_sheets_completed = IsInteger(a) ? ippGetInteger(a, 0) : -1;
    }
  }
  bool empty() const { return job_.id == 0; }
  CupsJob Take() {
    if (job_.media.empty()) job_.media = media_col_;
    CupsJob out = std::move(job_);
    job_ = CupsJob();
    media_col_.clear();
    return out;
  }

 private:
  CupsJob job_;
  std::string media_col_;
};

// Jobs of a response, one per job group (groups are separated by a nameless attribute).
std::vector<CupsJob> ParseJobs(ipp_t* response) {
  std::vector<CupsJob> jobs;
  JobBuilder b;
  for (ipp_attribute_t* a = ippFirstAttribute(response); a != nullptr;
       a = ippNextAttribute(response)) {
    if (ippGetGroupTag(a) != IPP_TAG_JOB || ippGetName(a) == nullptr) {
      if (!b.empty()) jobs.push_back(b.Take());
      continue;
    }
    b.Add(a);
  }
  if (!b.empty()) jobs.push_back(b.Take());
  return jobs;
}

CupsEventKind EventKind(std::string_view keyword) {
  for (CupsEventKind k : {CupsEventKind::kJobCompleted, CupsEventKind::kPrinterAdded,
                          CupsEventKind::kPrinterModified, CupsEventKind::kPrinterDeleted,
                          CupsEventKind::kServerStarted, CupsEventKind::kServerRestarted}) {
    if (keyword == CupsEventName(k)) return k;
  }
  return CupsEventKind::kOther;
}

void AddRequested(ipp_t* request, const std::vector<std::string>& names) {
  std::vector<const char*> values;
  for (const std::string& n : names) values.push_back(n.c_str());
  ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                static_cast<int>(values.size()), nullptr, values.data());
}

int64_t ParseCount(const std::string& v, int64_t fallback) {
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (errno != 0 || end == v.c_str() || *end != '\0' || n < 0) return fallback;
  return n;
}

// host and port of `server` ("/path", "host", "host:port", "[v6]:port").
void SplitServer(const std::string& server, std::string* host, int* port) {
  *port = kDefaultPort;
  if (server.empty() || server[0] == '/') {
    *host = server;
    return;
  }
  if (server[0] == '[') {
    const size_t close = server.find(']');
    *host = server.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < server.size() && server[close + 1] == ':') {
      *port = std::atoi(server.c_str() + close + 2);
    }
    return;
  }
  const size_t colon = server.rfind(':');
  if (colon != std::string::npos && server.find(':') == colon) {
    *host = server.substr(0, colon);
    *port = std::atoi(server.c_str() + colon + 1);
  } else {
    *host = server;
  }
}

ipp_t* NewRequest(ipp_op_t op, const std::string& user) {
  ipp_t* r = ippNewRequest(op);
  ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, kServerUri);
  ippAddString(r, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, user.c_str());
  return r;
}

}  // namespace

// The connection to cupsd, made when needed and dropped after a transport failure.
struct CupsClient::Connection {
  explicit Connection(const CupsClientOptions& o) : options(o) {}
  ~Connection() { Close(); }

  Result<http_t*> Http() {
    if (http != nullptr) return http;
    std::string host;
    int port;
    SplitServer(options.server, &host, &port);
    http = httpConnect2(host.c_str(), port, nullptr, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED, 1,
                        static_cast<int>(options.connect_timeout.count()), nullptr);
    if (http == nullptr) {
      return Status::Unavailable("cannot connect to cupsd at " + options.server + ": " +
                                 cupsLastErrorString());
    }
    httpSetTimeout(http, static_cast<double>(options.request_timeout.count()) / 1000.0, GiveUp,
                   nullptr);
    return http;
  }

  // Sends `request` (consumed) and returns cupsd's successful answer, owned by the caller.
  Result<ipp_t*> Send(ipp_t* request, const std::string& what) {
    Result<http_t*> h = Http();
    if (!h.ok()) {
      ippDelete(request);
      return h.status();
    }
    cupsSetPasswordCB2(NoPassword, nullptr);  // per thread in libcups: set before each request
    ipp_t* response = cupsDoRequest(*h, request, "/");
    const ipp_status_t status = response != nullptr ? ippGetStatusCode(response) : cupsLastError();
    if (response != nullptr && status <= IPP_STATUS_OK_EVENTS_COMPLETE) return response;
    if (response != nullptr) ippDelete(response);
    return Dropped(Failure(status, what));
  }

  // `st`, after closing the connection when it says cupsd could not be reached.
  Status Dropped(Status st) {
    if (st.code() == Status::Code::kUnavailable) Close();
    return st;
  }

  void Close() {
    if (http != nullptr) httpClose(http);
    http = nullptr;
  }

  const CupsClientOptions& options;
  http_t* http = nullptr;
};

CupsClient::CupsClient(CupsClientOptions options)
    : options_(std::move(options)),
      user_(options_.user.empty() ? std::string(cupsUser()) : options_.user),
      conn_(std::make_unique<Connection>(options_)) {}

CupsClient::~CupsClient() = default;

const std::vector<std::string>& CupsClient::JobAttributes() {
  static const std::vector<std::string> kAttrs = {"job-id",
                                                  "job-printer-uri",
                                                  "job-printer-uri-actual",
                                                  "job-uuid",
                                                  "job-originating-user-name",
                                                  "job-originating-host-name",
                                                  "job-name",
                                                  "time-at-creation",
                                                  "time-at-processing",
                                                  "time-at-completed",
                                                  "job-state",
                                                  "copies",
                                                  "sides",
                                                  "media",
                                                  "media-col",
                                                  "print-color-mode",
                                                  "number-up",
                                                  "job-impressions-completed",
                                                  "job-impressions",
                                                  "job-media-sheets-completed"};
  return kAttrs;
}

const std::vector<std::string>& CupsClient::PrinterAttributes() {
  static const std::vector<std::string> kAttrs = {
      "printer-name",     "printer-uuid",  "printer-make-and-model", "device-uri",
      "printer-location", "printer-info",  "color-supported",        "sides-supported",
      "printer-type",     "media-default", "sides-default"};
  return kAttrs;
}

Result<int32_t> CupsClient::CreateSubscription(const std::vector<CupsEventKind>& events) {
  ipp_t* request = NewRequest(IPP_OP_CREATE_PRINTER_SUBSCRIPTIONS, user_);
  std::vector<const char*> names;
  for (CupsEventKind k : events) {
    if (k != CupsEventKind::kOther) names.push_back(CupsEventName(k));
  }
  ippAddString(request, IPP_TAG_SUBSCRIPTION, IPP_TAG_KEYWORD, "notify-pull-method", nullptr,
               "ippget");
  ippAddStrings(request, IPP_TAG_SUBSCRIPTION, IPP_TAG_KEYWORD, "notify-events",
                static_cast<int>(names.size()), nullptr, names.data());
  ippAddInteger(request, IPP_TAG_SUBSCRIPTION, IPP_TAG_INTEGER, "notify-lease-duration", 0);
  // Tells an administrator's Get-Subscriptions, and a later agent, whose subscription this is.
  ippAddOctetString(request, IPP_TAG_SUBSCRIPTION, "notify-user-data", kSubscriptionTag,
                    sizeof kSubscriptionTag - 1);
  Result<ipp_t*> sent = conn_->Send(request, "Create-Printer-Subscriptions");
  if (!sent.ok()) return sent.status();
  ipp_t* response = *sent;
  ipp_attribute_t* id = ippFindAttribute(response, "notify-subscription-id", IPP_TAG_INTEGER);
  const int32_t value = id != nullptr ? ippGetInteger(id, 0) : 0;
  ippDelete(response);
  if (value <= 0)
    return Status::Internal("cupsd created no subscription (no notify-subscription-id)");
  return value;
}

Status CupsClient::CancelSubscription(int32_t subscription_id) {
  ipp_t* request = NewRequest(IPP_OP_CANCEL_SUBSCRIPTION, user_);
  ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "notify-subscription-id",
                subscription_id);
  Result<ipp_t*> sent = conn_->Send(request, "Cancel-Subscription");
  if (!sent.ok()) return sent.status();
  ipp_t* response = *sent;
  ippDelete(response);
  return Status::Ok();
}

Result<std::vector<CupsSubscription>> CupsClient::GetSubscriptions() {
  ipp_t* request = NewRequest(IPP_OP_GET_SUBSCRIPTIONS, user_);
  ippAddBoolean(request, IPP_TAG_OPERATION, "my-subscriptions", 1);
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", nullptr, "all");
  Result<ipp_t*> sent = conn_->Send(request, "Get-Subscriptions");
  // cupsd answers client-error-not-found when there is none.
  if (!sent.ok() && sent.status().code() == Status::Code::kNotFound) {
    return std::vector<CupsSubscription>{};
  }
  if (!sent.ok()) return sent.status();
  ipp_t* response = *sent;
  std::vector<CupsSubscription> out;
  CupsSubscription* sub = nullptr;
  for (ipp_attribute_t* a = ippFirstAttribute(response); a != nullptr;
       a = ippNextAttribute(response)) {
    const char* n = ippGetName(a);
    if (ippGetGroupTag(a) != IPP_TAG_SUBSCRIPTION || n == nullptr) {
      sub = nullptr;
      continue;
    }
    if (sub == nullptr) sub = &out.emplace_back();
    const std::string_view name(n);
    if (name == "notify-subscription-id") {
      sub->id = ippGetInteger(a, 0);
    } else if (name == "notify-subscriber-user-name") {
      sub->owner = Text(a);
    } else if (name == "notify-pull-method") {
      sub->pull_method = Text(a);
    } else if (name == "notify-job-id") {
      sub->job_id = ippGetInteger(a, 0);
    } else if (name == "notify-user-data") {
      int size = 0;
      const void* data = ippGetOctetString(a, 0, &size);
      if (data != nullptr && size > 0) {
        sub->user_data.assign(static_cast<const char*>(data), static_cast<size_t>(size));
      }
    }
  }
  ippDelete(response);
  return out;
}

Result<CupsNotifications> CupsClient::GetNotifications(int32_t subscription_id,
                                                       int32_t first_sequence) {
  ipp_t* request = NewRequest(IPP_OP_GET_NOTIFICATIONS, user_);
  ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "notify-subscription-ids",
                subscription_id);
  ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "notify-sequence-numbers",
                first_sequence);
  Result<ipp_t*> sent = conn_->Send(request, "Get-Notifications");
  if (!sent.ok()) return sent.status();
  ipp_t* response = *sent;
  CupsNotifications out;
  if (ipp_attribute_t* i = ippFindAttribute(response, "notify-get-interval", IPP_TAG_INTEGER)) {
    out.get_interval = ippGetInteger(i, 0);
  }
  CupsEvent* event = nullptr;
  for (ipp_attribute_t* a = ippFirstAttribute(response); a != nullptr;
       a = ippNextAttribute(response)) {
    const char* n = ippGetName(a);
    if (ippGetGroupTag(a) != IPP_TAG_EVENT_NOTIFICATION || n == nullptr) {
      event = nullptr;
      continue;
    }
    if (event == nullptr) event = &out.events.emplace_back();
    const std::string_view name(n);
    if (name == "notify-sequence-number") {
      event->sequence = ippGetInteger(a, 0);
    } else if (name == "notify-subscribed-event") {
      event->kind = EventKind(Text(a));
    } else if (name == "notify-job-id") {
      event->job_id = ippGetInteger(a, 0);
    } else if (name == "printer-name") {
      event->printer_name = Text(a);
    } else if (name == "printer-up-time") {
      event->time = ippGetInteger(a, 0);
    }
  }
  ippDelete(response);
  return out;
}

Result<CupsJob> CupsClient::GetJob(int32_t job_id) {
  ipp_t* request = NewRequest(IPP_OP_GET_JOB_ATTRIBUTES, user_);
  ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
  AddRequested(request, JobAttributes());
  Result<ipp_t*> sent = conn_->Send(request, "Get-Job-Attributes of job " + std::to_string(job_id));
  if (!sent.ok()) return sent.status();
  ipp_t* response = *sent;
  std::vector<CupsJob> jobs = ParseJobs(response);
  ippDelete(response);
  if (jobs.size() != 1 || jobs[0].id != job_id) {
    return Status::Internal("cupsd answered Get-Job-Attributes of job " + std::to_string(job_id) +
                            " without that job");
  }
  return std::move(jobs[0]);
}

Result<std::vector<CupsJob>> CupsClient::GetJobs(int32_t first_job_id, int32_t limit) {
  ipp_t* request = NewRequest(IPP_OP_GET_JOBS, user_);
  ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nullptr, "all");
  ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "first-job-id",
                first_job_id < 1 ? 1 : first_job_id);
  ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "limit",
                limit < 1 || limit > 500 ? 500 : limit);
  AddRequested(request, JobAttributes());
  Result<ipp_t*> sent = conn_->Send(request, "Get-Jobs");
  if (!sent.ok()) return sent.status();
  ipp_t* response = *sent;
  std::vector<CupsJob> jobs = ParseJobs(response);
  ippDelete(response);
  return jobs;
}

Result<std::vector<CupsPrinter>> CupsClient::GetPrinters() {
  ipp_t* request = NewRequest(IPP_OP_CUPS_GET_PRINTERS, user_);
  AddRequested(request, PrinterAttributes());
  Result<ipp_t*> sent = conn_->Send(request, "CUPS-Get-Printers");
  // A cupsd without any queue answers client-error-not-found ("No destinations added."): it
  // answered, and its list of queues is empty.
  if (!sent.ok() && sent.status().code() == Status::Code::kNotFound) {
    return std::vector<CupsPrinter>{};
  }
  if (!sent.ok()) return sent.status();
  ipp_t* response = *sent;
  std::vector<CupsPrinter> out;
  CupsPrinter* p = nullptr;
  for (ipp_attribute_t* a = ippFirstAttribute(response); a != nullptr;
       a = ippNextAttribute(response)) {
    const char* n = ippGetName(a);
    if (ippGetGroupTag(a) != IPP_TAG_PRINTER || n == nullptr) {
      p = nullptr;
      continue;
    }
    if (p == nullptr) p = &out.emplace_back();
    const std::string_view name(n);
    if (name == "printer-name") {
      p->name = Text(a);
    } else if (name == "printer-uuid") {
      p->uuid = Text(a);
    } else if (name == "printer-make-and-model") {
      p->make_model = Text(a);
    } else if (name == "device-uri") {
      p->device_uri = Text(a);
    } else if (name == "printer-location") {
      p->location = Text(a);
    } else if (name == "printer-info") {
      p->info = Text(a);
    } else if (name == "color-supported") {
      p->color_supported = ippGetBoolean(a, 0) != 0;
    } else if (name == "sides-supported") {
      for (int i = 0; i < ippGetCount(a); ++i) {
        const char* s = ippGetString(a, i, nullptr);
        if (s != nullptr) p->sides_supported.emplace_back(s);
      }
    } else if (name == "printer-type") {
      p->printer_type = ippGetInteger(a, 0);
    } else if (name == "media-default") {
      p->media_default = Text(a);
    } else if (name == "sides-default") {
      p->sides_default = Text(a);
    }
  }
  ippDelete(response);
  std::erase_if(out, [](const CupsPrinter& q) { return q.name.empty(); });
  return out;
}

Result<CupsServerSettings> CupsClient::GetServerSettings() {
  Result<http_t*> http = conn_->Http();
  if (!http.ok()) return http.status();
  cupsSetPasswordCB2(NoPassword, nullptr);
  int count = 0;
  cups_option_t* settings = nullptr;
  if (!cupsAdminGetServerSettings(*http, &count, &settings)) {
    return conn_->Dropped(Failure(cupsLastError(), "reading cupsd.conf"));
  }
  CupsServerSettings out;
  if (const char* v = cupsGetOption("MaxJobs", count, settings)) {
    out.max_jobs = ParseCount(v, out.max_jobs);
  }
  if (const char* v = cupsGetOption("MaxEvents", count, settings)) {
    out.max_events = ParseCount(v, out.max_events);
  }
  if (const char* v = cupsGetOption("PreserveJobHistory", count, settings)) {
    Result<int64_t> d = ParseCupsdDuration(v);
    if (d.ok()) out.preserve_job_history = *d;
  }
  cupsFreeOptions(count, settings);
  return out;
}

Result<int64_t> ParseCupsdDuration(const std::string& value) {
  std::string v;
  for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "yes" || v == "on" || v == "true") return int64_t{-1};
  if (v == "no" || v == "off" || v == "false") return int64_t{0};
  char* end = nullptr;
  errno = 0;
  const double n = std::strtod(v.c_str(), &end);
  if (errno != 0 || end == v.c_str() || n < 0) {
    return Status::InvalidArgument("not a cupsd.conf duration: '" + value + "'");
  }
  const std::string unit(end);
  double factor = 1;
  if (unit == "w") {
    factor = 7 * 86400;
  } else if (unit == "d") {
    factor = 86400;
  } else if (unit == "h") {
    factor = 3600;
  } else if (unit == "m") {
    factor = 60;
  } else if (!unit.empty() && unit != "s") {
    return Status::InvalidArgument("not a cupsd.conf duration: '" + value + "'");
  }
  return static_cast<int64_t>(n * factor);
}

}  // namespace ramette::agent
