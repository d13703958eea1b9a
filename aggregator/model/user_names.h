// The user-name normalisation (DESIGN.md "[users]"): one rule, applied the same way to job
// records at ingest, to the directory CSV import and the directory sync, and when usage is
// attributed to directions. Windows clients send `EXAMPLE\jdupont`, `jdupont@EXAMPLE.ORG` or
// `JDupont` for the person the directory calls `jdupont`. Core: no I/O.
#ifndef RAMETTE_AGGREGATOR_MODEL_USER_NAMES_H_
#define RAMETTE_AGGREGATOR_MODEL_USER_NAMES_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace ramette::aggregator::model {

struct UserNameRule {
  // [users] case = "lower": ASCII letters and the Latin-1 capitals (À..Þ, UTF-8) are lowered;
  // "preserve" (the default) keeps the name as sent.
  bool lower_case = false;
  // [users] strip_domain = true: `DOMAIN\name` keeps what follows the last backslash and
  // `name@realm` what precedes the first '@'.
  bool strip_domain = false;

  bool operator==(const UserNameRule&) const = default;
  // No normalisation at all: names are compared as sent.
  bool identity() const { return !lower_case && !strip_domain; }
};

// The name `name` is compared and stored as. Idempotent: Normalize(Normalize(x)) == Normalize(x).
// A name that would become empty (`EXAMPLE\`, `@realm`) is kept whole rather than merged with
// the unknown user "".
std::string NormalizeUserName(std::string_view name, const UserNameRule& rule);

// The rule as the store keeps it beside the time zone (meta key "user_names"): "case=lower" /
// "case=preserve", then ",strip_domain" when set. The empty string is the default rule.
std::string UserNameRuleText(const UserNameRule& rule);
// InvalidArgument naming the text when it is not one UserNameRuleText wrote.
Result<UserNameRule> ParseUserNameRuleText(std::string_view text);

}  // namespace ramette::aggregator::model

#endif  // RAMETTE_AGGREGATOR_MODEL_USER_NAMES_H_
