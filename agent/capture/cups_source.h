// CupsSource: what the capture needs from cupsd, as an interface with plain structs (no libcups
// types), so that the core is tested against tests/fakes/fake_cups_source.h. CupsClient
// (cups_client.h) implements it over IPP with libcups.
#ifndef RAMETTE_AGENT_CAPTURE_CUPS_SOURCE_H_
#define RAMETTE_AGENT_CAPTURE_CUPS_SOURCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace ramette::agent {

// The IPP notify-events the capture subscribes to (kOther: any event it does not use).
enum class CupsEventKind {
  kOther = 0,
  kJobCompleted,  // a job reached canceled, aborted or completed
  kPrinterAdded,
  kPrinterModified,
  kPrinterDeleted,
  kServerStarted,    // cupsd started: its event cache is new (persisted subscriptions survive)
  kServerRestarted,  // cupsd reloaded its configuration
};

// The IPP keyword of `kind` ("job-completed", ...); "" for kOther.
inline const char* CupsEventName(CupsEventKind kind) {
  switch (kind) {
    case CupsEventKind::kJobCompleted:
      return "job-completed";
    case CupsEventKind::kPrinterAdded:
      return "printer-added";
    case CupsEventKind::kPrinterModified:
      return "printer-modified";
    case CupsEventKind::kPrinterDeleted:
      return "printer-deleted";
    case CupsEventKind::kServerStarted:
      return "server-started";
    case CupsEventKind::kServerRestarted:
      return "server-restarted";
    case CupsEventKind::kOther:
      break;
  }
  return "";
}

// One event of a subscription (an Event Notification group of Get-Notifications).
struct CupsEvent {
  int32_t sequence = 0;  // notify-sequence-number: 1, 2, ... per subscription
  CupsEventKind kind = CupsEventKind::kOther;
  int32_t job_id = 0;        // notify-job-id; 0 for printer and server events
  std::string printer_name;  // printer-name; empty for server events
  int64_t time = 0;          // printer-up-time: when cupsd made the event (seconds since epoch)
};

// The answer of Get-Notifications for one subscription.
struct CupsNotifications {
  std::vector<CupsEvent> events;  // sequence order
  int32_t get_interval = 0;       // notify-get-interval (seconds) cupsd asks for; 0: not given
};

// IPP job-state values.
enum class CupsJobState {
  kUnknown = 0,
  kPending = 3,
  kHeld = 4,
  kProcessing = 5,
  kStopped = 6,
  kCanceled = 7,
  kAborted = 8,
  kCompleted = 9,
};

// True for canceled, aborted and completed: the job will not print any more.
inline bool IsFinished(CupsJobState s) {
  return s == CupsJobState::kCanceled || s == CupsJobState::kAborted ||
         s == CupsJobState::kCompleted;
}

// A job's attributes as cupsd reports them. Keywords are kept as cupsd sends them; the capture
// maps them to a JobRecord. Absent attributes keep the default shown.
struct CupsJob {
  int32_t id = 0;     // job-id
  std::string queue;  // the destination of job-printer-uri (printer or class name)
  // The member printer that printed a job sent to a class (job-printer-uri-actual, which cupsd
  // sets when it starts a class's job on a member); "" for a job sent to a printer, or when
  // cupsd does not say (a remote class).
  std::string printer;
  std::string uuid;  // job-uuid
  // job-originating-user-name, -host-name and job-name: nullopt when cupsd did not return them,
  // which it does only to hide them (JobPrivateAccess/JobPrivateValues): it stores all three.
  std::optional<std::string> user;
  std::optional<std::string> host;
  std::optional<std::string> name;
  int64_t created_at = 0;     // time-at-creation (seconds since epoch)
  int64_t processing_at = 0;  // time-at-processing
  int64_t completed_at = 0;   // time-at-completed
  CupsJobState state = CupsJobState::kUnknown;
  int32_t copies = 0;            // copies; 0 when absent
  std::string sides;             // "one-sided", "two-sided-long-edge", ...; "" when absent
  std::string media;             // media, else media-col's size name; "" when neither
  std::string print_color_mode;  // "color", "monochrome", ...
  int32_t number_up = 0;
  int64_t impressions_completed = 0;    // job-impressions-completed (all copies, N-up applied)
  int64_t job_impressions = 0;          // job-impressions (one copy, as announced); 0 when absent
  int64_t media_sheets_completed = -1;  // job-media-sheets-completed; -1 when absent
};

// The notify-user-data the agent puts on its subscriptions: it tells them from other programs'
// subscriptions in cupsd (an administrator's `Get-Subscriptions`, and the agent itself when its
// cursor was lost and it cancels the subscriptions an earlier run left behind).
inline constexpr char kSubscriptionTag[] = "ramette-agent";

// A subscription of this user (Get-Subscriptions).
struct CupsSubscription {
  int32_t id = 0;           // notify-subscription-id
  std::string owner;        // notify-subscriber-user-name
  std::string user_data;    // notify-user-data ("" when absent)
  std::string pull_method;  // notify-pull-method ("" for push subscriptions)
  int32_t job_id = 0;       // notify-job-id: 0 unless it follows one job
};

// printer-type's bit for a class (CUPS_PTYPE_CLASS): CUPS-Get-Printers lists classes too.
inline constexpr int32_t kPrinterTypeClass = 0x0001;

// A print queue (CUPS-Get-Printers).
struct CupsPrinter {
  std::string name;        // printer-name
  std::string uuid;        // printer-uuid
  std::string make_model;  // printer-make-and-model
  std::string device_uri;  // device-uri, as cupsd gives it (it may hold credentials)
  std::string location;    // printer-location
  std::string info;        // printer-info
  bool color_supported = false;
  std::vector<std::string> sides_supported;
  int32_t printer_type = 0;
  // What the queue applies to a job that names none: the capture completes a job without sides
  // or media with them (QueueDefaults), and sends them with the queue record.
  std::string media_default;
  std::string sides_default;
};

// The cupsd.conf settings that decide whether finished jobs stay long enough to be captured.
struct CupsServerSettings {
  int64_t max_jobs = 500;  // MaxJobs; 0 = no limit
  // PreserveJobHistory: -1 = Yes (until MaxJobs purges), 0 = No (gone at completion), N seconds.
  int64_t preserve_job_history = -1;
  int64_t max_events = 100;  // MaxEvents: events cached per subscription; 0 = none
};

// Errors of every operation: Unavailable (cupsd cannot be reached now: it restarts daily and may
// exit when idle; retry later), NotFound (the subscription or job does not exist, or no longer),
// FailedPrecondition (cupsd refused the request: permissions), Internal (cupsd answered
// something unexpected). Implementations need not be thread-safe.
class CupsSource {
 public:
  virtual ~CupsSource() = default;

  // Creates a server-wide pull subscription (printer-uri ipp://localhost/, notify-pull-method
  // ippget, notify-lease-duration 0: it does not expire unless cupsd caps leases) to `events`
  // and returns its notify-subscription-id.
  virtual Result<int32_t> CreateSubscription(const std::vector<CupsEventKind>& events) = 0;

  // Cancels a subscription. NotFound when it is already gone.
  virtual Status CancelSubscription(int32_t subscription_id) = 0;

  // The subscriptions of this user (user()) on the whole server, in id order; empty when there
  // are none.
  virtual Result<std::vector<CupsSubscription>> GetSubscriptions() = 0;

  // The events of `subscription_id` whose sequence number is `first_sequence` or more, among
  // those cupsd still caches (MaxEvents per subscription; none from before its last start).
  // When it no longer caches `first_sequence`, the first event returned has a larger number.
  virtual Result<CupsNotifications> GetNotifications(int32_t subscription_id,
                                                     int32_t first_sequence) = 0;

  // One job (Get-Job-Attributes). NotFound when cupsd no longer has it (purged).
  virtual Result<CupsJob> GetJob(int32_t job_id) = 0;

  // Up to `limit` jobs (1..500; cupsd caps at 500) with job-id >= `first_job_id`, in every
  // state (which-jobs=all), in increasing job-id order.
  virtual Result<std::vector<CupsJob>> GetJobs(int32_t first_job_id, int32_t limit) = 0;

  // Every print queue (printers; classes are not included).
  virtual Result<std::vector<CupsPrinter>> GetPrinters() = 0;

  // The settings of the server's cupsd.conf. FailedPrecondition when this user may not read it.
  virtual Result<CupsServerSettings> GetServerSettings() = 0;

  // Which cupsd this is ("/run/cups/cups.sock", "127.0.0.1:631"): stored in the cursor so that a
  // cursor is not applied to another server.
  virtual std::string server() const = 0;

  // The user name cupsd sees for these requests (requesting-user-name).
  virtual std::string user() const = 0;
};

}  // namespace ramette::agent

#endif  // RAMETTE_AGENT_CAPTURE_CUPS_SOURCE_H_
