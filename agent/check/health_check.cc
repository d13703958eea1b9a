// The checks of `ramette-agent check`, each turning one question into one line.
#include "agent/check/health_check.h"

#include <sstream>

namespace ramette::agent {
namespace {

constexpr char kDefaultPageLogFormat[] =
    "PageLogFormat %p %u %j %T %P %C %{job-billing} %{job-originating-host-name} %{job-name} "
    "%{media} %{sides}";

Finding Ok(std::string text) { return {Finding::Level::kOk, std::move(text)}; }
Finding Warn(std::string text) { return {Finding::Level::kWarn, std::move(text)}; }
Finding Fail(std::string text) { return {Finding::Level::kFail, std::move(text)}; }

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string Age(int64_t seconds) {
  if (seconds < 120) return std::to_string(seconds) + " s";
  if (seconds < 7200) return std::to_string(seconds / 60) + " min";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + " h";
  return std::to_string(seconds / 86400) + " days";
}

void CheckNames(const CheckInputs& in, std::vector<Finding>& out) {
  auto jobs = in.cups->GetJobs(1, 500);
  if (!jobs.ok()) {
    out.push_back(Fail("cannot list cupsd's jobs: " + jobs.status().message()));
    return;
  }
  if (jobs->empty()) {
    out.push_back(Warn("cupsd holds no job yet: whether it shows user and job names to '" +
                       in.cups->user() + "' is checked once something was printed"));
    return;
  }
  int hidden = 0;
  for (const CupsJob& j : *jobs) {
    if (!j.user || !j.host) ++hidden;
  }
  if (hidden == 0) {
    out.push_back(Ok("cupsd shows user and job names to '" + in.cups->user() + "' (" +
                     std::to_string(jobs->size()) + " jobs read)"));
    return;
  }
  const std::string& user = in.cups->user();
  out.push_back(Fail(std::to_string(hidden) + " of " + std::to_string(jobs->size()) +
                     " jobs come back without their user: cupsd hides names from '" + user +
                     "'; in each <Policy> of cupsd.conf write \"JobPrivateAccess @OWNER @SYSTEM " +
                     user + "\" and \"JobPrivateValues default\" (or add '" + user +
                     "' to lpadmin), then restart cupsd"));
}

void CheckPageLog(const CheckInputs& in, std::vector<Finding>& out) {
  if (!in.cupsd_conf) {
    out.push_back(Warn("cannot read " + in.cupsd_conf_path + " (" + in.cupsd_conf_error +
                       "; run check as root): page logging not checked"));
    return;
  }
  std::optional<std::string> format = PageLogFormatOf(*in.cupsd_conf);
  if (format && format->empty()) {
    out.push_back(Warn("page logging is off (a bare PageLogFormat line in " + in.cupsd_conf_path +
                       "): backfill and audits need it; replace that line with '" +
                       kDefaultPageLogFormat + "' and restart cupsd"));
  } else {
    out.push_back(Ok("page logging is on (PageLogFormat " +
                     (format ? *format : std::string("default")) + ")"));
  }
}

void CheckHistory(const CheckInputs& in, std::vector<Finding>& out) {
  auto s = in.cups->GetServerSettings();
  if (!s.ok()) {
    out.push_back(Warn("cannot read cupsd's settings (" + s.status().message() +
                       "): MaxJobs and PreserveJobHistory not checked"));
    return;
  }
  if (s->preserve_job_history == 0) {
    out.push_back(
        Fail("cupsd.conf has 'PreserveJobHistory No': cupsd forgets each job as it "
             "finishes, often before the agent reads it; set 'PreserveJobHistory Yes' "
             "and restart cupsd"));
  } else if (s->preserve_job_history > 0 && s->preserve_job_history < 86400) {
    out.push_back(Warn("cupsd.conf has 'PreserveJobHistory " +
                       std::to_string(s->preserve_job_history) +
                       "': jobs finished while the agent is stopped longer are lost; set "
                       "'PreserveJobHistory Yes'"));
  }
  if (s->max_events == 0) {
    out.push_back(
        Warn("cupsd.conf has 'MaxEvents 0': jobs are only found by the periodic "
             "reconciliation; set 'MaxEvents 100' (the default)"));
  }
  if (s->max_jobs > 0 && s->max_jobs < in.min_safe_max_jobs) {
    out.push_back(Fail("cupsd.conf has 'MaxJobs " + std::to_string(s->max_jobs) +
                       "': jobs are lost when more finish while the agent is stopped; set "
                       "'MaxJobs " +
                       std::to_string(in.min_safe_max_jobs) + "' or more, or 'MaxJobs 0'"));
  } else {
    out.push_back(Ok("MaxJobs " +
                     (s->max_jobs > 0 ? std::to_string(s->max_jobs) : std::string("0 (no limit)")) +
                     " is safe"));
  }
}

}  // namespace

std::optional<std::string> PageLogFormatOf(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::optional<std::string> value;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t end = line.find_first_of(" \t");
    if (line.substr(0, end) != "PageLogFormat") continue;
    value = end == std::string::npos ? "" : Trim(line.substr(end));  // the last one wins
    if (*value == "\"\"") value = "";
  }
  return value;
}

std::vector<Finding> RunChecks(const CheckInputs& in) {
  std::vector<Finding> out;
  auto printers = in.cups->GetPrinters();
  if (!printers.ok()) {
    out.push_back(Fail("cupsd at " + in.cups->server() +
                       " is not reachable: " + printers.status().message()));
  } else if (printers->empty()) {
    out.push_back(Warn("cupsd at " + in.cups->server() +
                       " answers but has no queues yet: add the print queues (lpadmin, or the "
                       "CUPS web interface); the agent captures their jobs as soon as they exist"));
  } else {
    out.push_back(Ok("cupsd at " + in.cups->server() + " answers (" +
                     std::to_string(printers->size()) + " queues)"));
    CheckNames(in, out);
  }
  CheckPageLog(in, out);
  if (printers.ok()) CheckHistory(in, out);

  AgentStatus status;
  std::optional<OutboxStats> stats;
  if (in.outbox != nullptr) {
    auto s = in.outbox->Stats();
    if (s.ok()) {
      stats = *s;
      status.outbox_records = s->depth;
      status.oldest_record_unix = s->oldest_enqueued_at_ms / 1000;
    }
  }
  Status sent = in.uplink->ReportStatus(in.server_id, status);
  if (sent.ok()) {
    out.push_back(Ok("aggregator " + in.aggregator + " accepts server id '" + in.server_id + "'"));
  } else if (sent.code() == Status::Code::kInvalidArgument) {
    out.push_back(Fail("aggregator " + in.aggregator + " refuses server id '" + in.server_id +
                       "': " + sent.message()));
  } else if (sent.code() == Status::Code::kUnauthenticated ||
             sent.code() == Status::Code::kPermissionDenied) {
    // Reached, TLS and all: the token (or client certificate) is what it refuses.
    out.push_back(
        Fail("aggregator " + in.aggregator + " answers but refuses this agent: " + sent.message()));
  } else {
    std::string why = in.explain_unavailable ? in.explain_unavailable() : "";
    out.push_back(Fail("aggregator " + in.aggregator +
                       " is not reachable: " + (why.empty() ? sent.message() : why)));
  }

  if (in.outbox == nullptr) {
    if (in.outbox_error.empty()) {
      out.push_back(Warn("no outbox at " + in.outbox_path +
                         ": the agent has not run with this state directory yet"));
    } else {
      out.push_back(Fail("outbox " + in.outbox_path + ": " + in.outbox_error));
    }
  } else if (!stats) {
    out.push_back(Fail("outbox " + in.outbox_path + " cannot be read"));
  } else if (stats->depth == 0) {
    out.push_back(Ok("outbox is empty: every captured job reached the aggregator"));
  } else {
    const int64_t age = in.now_unix - stats->oldest_enqueued_at_ms / 1000;
    std::string text = "outbox holds " + std::to_string(stats->depth) +
                       " records, the oldest captured " + Age(age) + " ago";
    const bool nearly_full = stats->depth * 10 >= stats->limits.max_records * 8 ||
                             stats->bytes * 10 >= stats->limits.max_bytes * 8;
    if (nearly_full) {
      out.push_back(Fail(text + ": over 80% of its limits; the agent will soon stop taking jobs"));
    } else if (age > in.max_outbox_age_seconds) {
      out.push_back(Warn(text + ": the aggregator has not taken them"));
    } else {
      out.push_back(Ok(text));
    }
  }
  return out;
}

std::string FormatFinding(const Finding& f) {
  switch (f.level) {
    case Finding::Level::kOk:
      return "ok: " + f.text;
    case Finding::Level::kWarn:
      return "warn: " + f.text;
    case Finding::Level::kFail:
      break;
  }
  return "fail: " + f.text;
}

bool AllOk(const std::vector<Finding>& findings) {
  for (const Finding& f : findings) {
    if (f.level != Finding::Level::kOk) return false;
  }
  return true;
}

}  // namespace ramette::agent
