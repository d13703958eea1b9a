// CupsClient: CupsSource over IPP with libcups, to the local cupsd's socket (the default) or to a
// HOST:PORT. The only file of the capture that includes <cups/cups.h>.
#ifndef RAMETTE_AGENT_CAPTURE_CUPS_CLIENT_H_
#define RAMETTE_AGENT_CAPTURE_CUPS_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/capture/cups_source.h"
#include "common/status.h"

namespace ramette::agent {

struct CupsClientOptions {
  // A local socket path ("/run/cups/cups.sock", where systemd starts cupsd on demand), or
  // "HOST", "HOST:PORT" (default port 631), "[IPv6]:PORT".
  std::string server = "/run/cups/cups.sock";
  // requesting-user-name; empty: the user this process runs as. cupsd shows job owners, hosts
  // and titles only to the owner and to JobPrivateAccess (by default @OWNER @SYSTEM: root and the
  // SystemGroup members, e.g. lpadmin).
  std::string user;
  std::chrono::milliseconds connect_timeout{5000};
  // How long one request may wait for cupsd's answer before failing with Unavailable.
  std::chrono::milliseconds request_timeout{10000};
};

// Keeps one connection, made on first use and again after a failure. Requests that need
// authentication (Get-Notifications and Cancel-Subscription under the default policy) use
// libcups's local authentication (root's certificate, or peer credentials on the socket); it
// never prompts for a password. Not thread-safe: use it from one thread.
class CupsClient final : public CupsSource {
 public:
  explicit CupsClient(CupsClientOptions options = {});
  ~CupsClient() override;
  CupsClient(const CupsClient&) = delete;
  CupsClient& operator=(const CupsClient&) = delete;

  Result<int32_t> CreateSubscription(const std::vector<CupsEventKind>& events) override;
  Status CancelSubscription(int32_t subscription_id) override;
  Result<std::vector<CupsSubscription>> GetSubscriptions() override;
  Result<CupsNotifications> GetNotifications(int32_t subscription_id,
                                             int32_t first_sequence) override;
  Result<CupsJob> GetJob(int32_t job_id) override;
  Result<std::vector<CupsJob>> GetJobs(int32_t first_job_id, int32_t limit) override;
  Result<std::vector<CupsPrinter>> GetPrinters() override;
  // Reads the top-level directives of cupsd.conf (GET /admin/conf/cupsd.conf, as cupsctl does);
  // absent ones have cupsd's defaults.
  Result<CupsServerSettings> GetServerSettings() override;
  std::string server() const override { return options_.server; }
  std::string user() const override { return user_; }

  // The attributes asked for every job (requested-attributes of Get-Job-Attributes and
  // Get-Jobs).
  static const std::vector<std::string>& JobAttributes();
  // The attributes asked for every queue (CUPS-Get-Printers).
  static const std::vector<std::string>& PrinterAttributes();

 private:
  struct Connection;

  const CupsClientOptions options_;
  const std::string user_;
  std::unique_ptr<Connection> conn_;
};

// The seconds of a cupsd.conf time value: "Yes"/"On"/"True" -1 (forever), "No"/"Off"/"False" 0,
// "3600", "90m", "2h", "1d", "1w". InvalidArgument otherwise.
Result<int64_t> ParseCupsdDuration(const std::string& value);

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_CAPTURE_CUPS_CLIENT_H_
