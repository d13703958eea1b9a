// Formatting with snprintf on the C locale, then grouping and decimal marks by hand, so that
// the output never depends on the process's locale.
#include "aggregator/reports/report_text.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace ramette::aggregator::reports {
namespace {

// "-1234.50" -> sign, integer digits, fractional digits.
std::string Group(const std::string& plain, ReportLanguage lang) {
  std::string sign, digits = plain, frac;
  if (!digits.empty() && digits[0] == '-') {
    sign = "-";
    digits.erase(0, 1);
  }
  const size_t dot = digits.find('.');
  if (dot != std::string::npos) {
    frac = digits.substr(dot + 1);
    digits.resize(dot);
  }
  const std::string_view sep = lang == ReportLanguage::kFrench ? kNarrowNbsp : ",";
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += sep;
    grouped += digits[i];
  }
  std::string out = sign + grouped;
  if (!frac.empty()) out += (lang == ReportLanguage::kFrench ? "," : ".") + frac;
  return out;
}

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string text = buf;
  if (text[0] == '-' && text.find_first_of("123456789") == std::string::npos) text.erase(0, 1);
  return text;
}

}  // namespace

std::optional<ReportLanguage> ParseReportLanguage(std::string_view code) {
  if (code == "fr") return ReportLanguage::kFrench;
  if (code == "en") return ReportLanguage::kEnglish;
  return std::nullopt;
}

std::string FormatNumber(double value, int decimals, ReportLanguage lang) {
  if (!std::isfinite(value)) return std::string(kMissingValue);
  return Group(Fixed(value, decimals), lang);
}

std::string FormatCount(int64_t value, ReportLanguage lang) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRId64, value);
  return Group(buf, lang);
}

std::string FormatPercent(std::optional<double> value, ReportLanguage lang, bool sign,
                          int decimals) {
  if (!value || !std::isfinite(*value)) return std::string(kMissingValue);
  std::string text = FormatNumber(std::fabs(*value), decimals, lang);
  const bool zero = text.find_first_of("123456789") == std::string::npos;
  if (sign && !zero) {
    text = (*value > 0 ? "+" : "\u2212") + text;
  } else if (!sign && *value < 0 && !zero) {
    text = "\u2212" + text;
  }
  return text + (lang == ReportLanguage::kFrench ? "\u202f%" : "%");
}

std::string FormatPoints(double value, ReportLanguage lang) {
  std::string text = FormatNumber(std::fabs(value), 1, lang);
  const bool zero = text.find_first_of("123456789") == std::string::npos;
  if (!zero) text = (value > 0 ? "+" : "\u2212") + text;
  return text + (lang == ReportLanguage::kFrench ? "\u202fpts" : " pts");
}

std::string FormatOptional(std::optional<double> value, int decimals, ReportLanguage lang) {
  if (!value) return std::string(kMissingValue);
  return FormatNumber(*value, decimals, lang);
}

std::string_view MonthName(int month, ReportLanguage lang) {
  static constexpr std::string_view kFr[] = {"janvier",   "février", "mars",     "avril",
                                             "mai",       "juin",    "juillet",  "août",
                                             "septembre", "octobre", "novembre", "décembre"};
  static constexpr std::string_view kEn[] = {"January",   "February", "March",    "April",
                                             "May",       "June",     "July",     "August",
                                             "September", "October",  "November", "December"};
  if (month < 1 || month > 12) return "?";
  return lang == ReportLanguage::kFrench ? kFr[month - 1] : kEn[month - 1];
}

std::string MonthLabel(int32_t month_index, ReportLanguage lang) {
  return std::string(MonthName(month_index % 12 + 1, lang)) + " " +
         std::to_string(month_index / 12);
}

std::string ShortMonthLabel(int32_t month_index, ReportLanguage lang) {
  static constexpr std::string_view kFr[] = {"janv.", "févr.", "mars",  "avr.", "mai",  "juin",
                                             "juil.", "août",  "sept.", "oct.", "nov.", "déc."};
  static constexpr std::string_view kEn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const int m = month_index % 12;
  char year[8];
  std::snprintf(year, sizeof year, "%02d", month_index / 12 % 100);
  return std::string(lang == ReportLanguage::kFrench ? kFr[m] : kEn[m]) + " " + year;
}

std::string CsvNumber(std::optional<double> value, int decimals,
                      const indicators::CsvConventions& conv) {
  if (!value || !std::isfinite(*value)) return "";
  std::string text = Fixed(*value, decimals);
  for (char& c : text) {
    if (c == '.') c = conv.decimal_mark;
  }
  return text;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&#39;";
          break;
        default:
          if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += static_cast<char>(c);
          if (c == 0x7f) out.pop_back();
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence (no overlongs, no surrogates) is copied; else U+FFFD.
    int len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
    if (c >= 0xf5) len = 0;
    bool ok = len > 0 && i + len <= text.size();
    for (int k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    }
    if (ok && len == 3) {
      const unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
    }
    if (ok && len == 4) {
      const unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\ufffd";
      ++i;
    }
  }
  return out;
}

}  // namespace ramette::aggregator::reports
