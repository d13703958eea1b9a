// `ramette-agent check`: is cupsd reachable, are user and job names visible, is page logging
// on, does cupsd keep finished jobs long enough, does the aggregator answer and accept this
// agent, how deep and how old is the outbox. Core: works on the CupsSource, Outbox and Uplink
// interfaces and on cupsd.conf's text; check_command.cc wires the real ones.
#ifndef RAMETTE_AGENT_CHECK_HEALTH_CHECK_H_
#define RAMETTE_AGENT_CHECK_HEALTH_CHECK_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/capture/cups_source.h"
#include "agent/outbox/outbox.h"
#include "agent/uplink/uplink.h"

namespace ramette::agent {

struct Finding {
  enum class Level { kOk, kWarn, kFail };
  Level level = Level::kOk;
  std::string text;  // one line
};

struct CheckInputs {
  CupsSource* cups = nullptr;  // required
  // cupsd.conf's path and text; text nullopt when it could not be read (conf_error says why).
  std::string cupsd_conf_path = "/etc/cups/cupsd.conf";
  std::optional<std::string> cupsd_conf;
  std::string cupsd_conf_error;
  // The outbox; null when none could be opened (outbox_error says why, empty: no file yet).
  Outbox* outbox = nullptr;
  std::string outbox_path;
  std::string outbox_error;
  Uplink* uplink = nullptr;  // required
  // Optional: when the aggregator is Unavailable, says why in one sentence (a TLS diagnosis:
  // wrong CA, wrong name, expired certificate...); empty when it cannot tell.
  std::function<std::string()> explain_unavailable;
  std::string aggregator;  // HOST:PORT, for the messages
  std::string server_id;
  int64_t now_unix = 0;
  // An outbox whose oldest record waits longer than this is reported.
  int64_t max_outbox_age_seconds = 3600;
  int64_t min_safe_max_jobs = 500;
};

// Runs every check, in the order of the issue; one finding per line of output.
std::vector<Finding> RunChecks(const CheckInputs& in);

// "ok: ...", "warn: ...", "fail: ...".
std::string FormatFinding(const Finding& f);

// Whether every finding is ok (the command's exit status 0).
bool AllOk(const std::vector<Finding>& findings);

// The PageLogFormat directive's value in cupsd.conf `text`: nullopt when the directive is absent
// (cupsd then logs pages in its default format), "" when it is there bare (page logging off).
std::optional<std::string> PageLogFormatOf(const std::string& text);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_CHECK_HEALTH_CHECK_H_
