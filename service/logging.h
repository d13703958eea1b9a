// Logging set-up shared by the daemons: under systemd, straight to the journal with a priority
// per level; otherwise to stderr with a timestamp.
#ifndef RAMETTE_SERVICE_LOGGING_H_
#define RAMETTE_SERVICE_LOGGING_H_

#include <string>

namespace ramette::service {

// Makes spdlog's default logger write to the journal (sd_journal_send, PRIORITY= from the level,
// SYSLOG_IDENTIFIER=`program`) when stderr is the journal stream ($JOURNAL_STREAM names it), and
// to stderr with "TIME level message" lines otherwise. Call once, first thing in main.
// Nothing is logged here that callers did not write: callers keep titles and tokens out.
void SetUpLogging(const std::string& program);

// Whether stderr is connected to the systemd journal.
bool StderrIsJournal();

}  // namespace ramette::service

#endif  // RAMETTE_SERVICE_LOGGING_H_
