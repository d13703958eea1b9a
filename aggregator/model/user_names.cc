// User-name normalisation: byte-level rules on UTF-8 names.
#include "aggregator/model/user_names.h"

namespace ramette::aggregator::model {

std::string NormalizeUserName(std::string_view name, const UserNameRule& rule) {
  std::string_view kept = name;
  if (rule.strip_domain) {
    const size_t backslash = kept.rfind('\\');
    if (backslash != std::string_view::npos && backslash + 1 < kept.size()) {
      kept = kept.substr(backslash + 1);
    }
    const size_t at = kept.find('@');
    if (at != std::string_view::npos && at > 0) kept = kept.substr(0, at);
  }
  std::string out(kept);
  if (rule.lower_case) {
    for (size_t i = 0; i < out.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(out[i]);
      if (c >= 'A' && c <= 'Z') {
        out[i] = static_cast<char>(c - 'A' + 'a');
      } else if (c == 0xC3 && i + 1 < out.size()) {
        // U+00C0..U+00DE (À..Þ, but not U+00D7 ×) are 0xC3 0x80..0x9E; their small letters
        // are 0x20 further.
        const unsigned char next = static_cast<unsigned char>(out[i + 1]);
        if (next >= 0x80 && next <= 0x9E && next != 0x97)
          out[i + 1] = static_cast<char>(next + 0x20);
        ++i;
      }
    }
  }
  return out;
}

std::string UserNameRuleText(const UserNameRule& rule) {
  if (rule.identity()) return "";
  std::string text = rule.lower_case ? "case=lower" : "case=preserve";
  if (rule.strip_domain) text += ",strip_domain";
  return text;
}

Result<UserNameRule> ParseUserNameRuleText(std::string_view text) {
  UserNameRule rule;
  if (text.empty()) return rule;
  std::string_view rest = text;
  const size_t comma = rest.find(',');
  const std::string_view first = rest.substr(0, comma);
  if (first == "case=lower") {
    rule.lower_case = true;
  } else if (first != "case=preserve") {
    return Status::InvalidArgument("unknown user-name rule '" + std::string(text) + "'");
  }
  if (comma != std::string_view::npos) {
    if (rest.substr(comma + 1) != "strip_domain") {
      return Status::InvalidArgument("unknown user-name rule '" + std::string(text) + "'");
    }
    rule.strip_domain = true;
  }
  return rule;
}

}  // namespace ramette::aggregator::model
