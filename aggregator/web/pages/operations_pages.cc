// The pages for IT: devices (by direction and class, volume, in service, the queues to
// classify), data quality (counts only) and the print servers (`ramette status`'s rows).
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "aggregator/indicators/indicators.h"
#include "aggregator/indicators/usage_attribution.h"
#include "aggregator/model/inventory.h"
#include "aggregator/status/server_status.h"
#include "aggregator/store/store_copy.h"
#include "aggregator/web/pages/page_layout.h"
#include "aggregator/web/pages/web_pages.h"

namespace ramette::aggregator::web {
namespace {

using L = reports::ReportLanguage;
using page_layout::Begin;
using page_layout::Cell;
using page_layout::End;
using page_layout::Href;
using page_layout::KeptOrNow;
using page_layout::LangCode;
using page_layout::LatestYearWithData;
using page_layout::LocalTime;
using page_layout::MachineValue;
using page_layout::MaySee;
using page_layout::MonthlyReportOf;
using page_layout::NotFoundPage;
using page_layout::Num;
using page_layout::OptionsOf;
using page_layout::PageId;
using page_layout::SettingsOf;
using page_layout::Today;
using page_layout::Tr;
using page_layout::UrlEncode;
using page_layout::YearFiguresOf;
using page_layout::YearHeader;
using page_layout::YearInRange;
using page_layout::YearOf;
using page_layout::ZoneOf;
using reports::FormatCount;
using reports::FormatNumber;
using reports::FormatOptional;
using reports::FormatPercent;
using reports::HtmlEscape;

std::string ClassName(const model::Device& d, L lang) {
  if (!d.classified) return Tr(lang, "non classé", "unclassified");
  switch (d.device_class) {
    case model::DeviceClass::kDesktopPrinter:
      return Tr(lang, "imprimante de bureau", "desktop printer");
    case model::DeviceClass::kMfp:
      return Tr(lang, "copieur multifonction", "multifunction copier");
    case model::DeviceClass::kPrintShop:
      return Tr(lang, "reprographie", "print shop");
    case model::DeviceClass::kOther:
      break;
  }
  return Tr(lang, "autre", "other");
}

// The date devices are counted in service on for year N: 31 December, or today in the current
// year.
Day CountDateOf(int year, const PageContext& ctx) {
  const CivilDate today = Today(ctx);
  if (year == today.year) return ZoneOf(ctx).LocalDay(ctx.now);
  return DaysFromCivil(year, 12, 31);
}

// Each device id once, with the service period that applies on `date` (its latest period when
// none does).
std::map<int64_t, const model::Device*> DevicesOn(const model::Inventory& inv, Day date) {
  std::map<int64_t, std::vector<const model::Device*>> periods;
  for (const model::Device& d : inv.devices) periods[d.id].push_back(&d);
  std::map<int64_t, const model::Device*> out;
  for (const auto& [id, list] : periods) {
    out[id] = list[model::DevicePeriodOn(list, date)];
  }
  return out;
}

bool InServiceOnDate(const model::Inventory& inv, int64_t id, Day date) {
  for (const model::Device& d : inv.devices) {
    if (d.id == id && d.classified && model::InServiceOn(d, date)) return true;
  }
  return false;
}

std::string DeviceName(const model::Device& d) { return d.server + "/" + d.queue; }

// Quarantined records by reason ("(got N)" details dropped), read through the store's table
// rows; empty when the store cannot list its tables (the in-memory one).
std::optional<std::map<std::string, int64_t>> QuarantineByReason(store::Store& store) {
  const store::CopyTable* table = nullptr;
  for (const store::CopyTable& t : store::CopiedTables()) {
    if (t.name == "quarantine") table = &t;
  }
  if (table == nullptr) return std::nullopt;
  size_t reason_column = table->columns.size();
  for (size_t i = 0; i < table->columns.size(); ++i) {
    if (table->columns[i].name == "reason") reason_column = i;
  }
  if (reason_column == table->columns.size()) return std::nullopt;
  std::map<std::string, int64_t> counts;
  store::CopyRow after;
  for (;;) {
    auto rows = store.table_rows().ReadRows(*table, after, {}, 2000);
    if (!rows.ok()) return std::nullopt;
    if (rows->empty()) break;
    for (const store::CopyRow& row : *rows) {
      std::string reason;
      if (const auto* text = std::get_if<std::string>(&row[reason_column])) reason = *text;
      const size_t got = reason.find(" (got ");
      if (got != std::string::npos) reason.erase(got);
      ++counts[reason];
    }
    after.assign(rows->back().begin(), rows->back().begin() + table->key_size);
    if (rows->size() < 2000) break;
  }
  return counts;
}

}  // namespace

Result<Page> DevicesPage(store::Store& store, const PageContext& ctx, std::optional<int> year_arg) {
  const L lang = ctx.lang;
  auto year = YearOf(store, ctx, year_arg);
  if (!year.ok()) return year.status();
  if (!YearInRange(*year, ctx)) {
    return NotFoundPage(ctx, Tr(lang, "Aucune donnée pour cette année.", "No data for this year."));
  }
  const int n = *year;
  store::UsageSource* source = &store.usage();
  auto inventory =
      KeptOrNow<model::Inventory>(ctx, "inventory", [source] { return source->LoadInventory(); });
  if (!inventory.ok()) return inventory.status();
  // The indicators and the year's sums per device, from one attribution pass.
  auto figures = YearFiguresOf(store, ctx, n, OptionsOf(ctx));
  if (!figures.ok()) return figures.status();
  const indicators::IndicatorReport* report = &(*figures)->report;

  std::map<int64_t, int64_t> sheets;  // device id -> sheets of N, every direction
  for (const auto& [id, sums] : (*figures)->usage.by_device) {
    sheets[id] = sums.sheets;
  }
  const Day date = CountDateOf(n, ctx);
  const std::map<int64_t, const model::Device*> devices = DevicesOn(**inventory, date);

  struct Row {
    std::string direction;
    std::string cls;
    std::string name;
    bool in_service = false;
    int64_t sheets = 0;
  };
  std::vector<Row> rows;
  for (const auto& [id, d] : devices) {
    Row r;
    r.direction = d->direction.empty() ? std::string(reports::kMissingValue) : d->direction;
    r.cls = ClassName(*d, lang);
    r.name = DeviceName(*d);
    r.in_service = InServiceOnDate(**inventory, id, date);
    auto it = sheets.find(id);
    r.sheets = it == sheets.end() ? 0 : it->second;
    if (!r.in_service && r.sheets == 0 && d->classified) continue;  // retired, silent all year
    rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.direction != b.direction) return a.direction < b.direction;
    if (a.sheets != b.sheets) return a.sheets > b.sheets;
    return a.name < b.name;
  });

  const std::string title = Tr(lang, "Appareils ", "Devices ") + std::to_string(n);
  std::string h = Begin(ctx, title, PageId::kDevices, "/devices", "year=" + std::to_string(n));
  h += YearHeader(ctx, "/devices", "", title, n);

  // By direction and class.
  struct Group {
    int64_t devices = 0;
    int64_t in_service = 0;
    int64_t sheets = 0;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const Row& r : rows) {
    Group& g = groups[{r.direction, r.cls}];
    ++g.devices;
    g.in_service += r.in_service ? 1 : 0;
    g.sheets += r.sheets;
  }
  h += "<h2>" + Tr(lang, "Par direction et par classe", "By direction and class") +
       "</h2><p class=\"note\">" + Tr(lang, "En service le ", "In service on ") +
       FormatIsoDate(date) + ". " +
       Tr(lang, "Feuilles : toute l'année, tous utilisateurs confondus.",
          "Sheets: the whole year, all users together.") +
       "</p><div class=\"scroll\"><table class=\"groups\"><thead><tr><th>" +
       Tr(lang, "Direction", "Direction") + "</th><th>" + Tr(lang, "Classe", "Class") +
       "</th><th>" + Tr(lang, "En service", "In service") + "</th><th>" +
       Tr(lang, "Feuilles", "Sheets") + "</th></tr></thead><tbody>";
  for (const auto& [key, g] : groups) {
    h += "<tr><td>" + HtmlEscape(key.first) + "</td><td>" + HtmlEscape(key.second) + "</td><td>" +
         FormatCount(g.in_service, lang) + "</td><td>" + FormatCount(g.sheets, lang) + "</td></tr>";
  }
  h += "</tbody></table></div>\n";

  // Every device.
  h += "<h2>" + Tr(lang, "Appareils par volume", "Devices by volume") +
       "</h2><div class=\"scroll\"><table class=\"devices\"><thead><tr><th>" +
       Tr(lang, "Appareil", "Device") + "</th><th>" + Tr(lang, "Direction", "Direction") +
       "</th><th>" + Tr(lang, "Classe", "Class") + "</th><th>" +
       Tr(lang, "En service", "In service") + "</th><th>" + Tr(lang, "Feuilles", "Sheets") +
       "</th></tr></thead><tbody>";
  for (const Row& r : rows) {
    h += "<tr><td>" + HtmlEscape(r.name) + "</td><td>" + HtmlEscape(r.direction) + "</td><td>" +
         HtmlEscape(r.cls) + "</td><td>" +
         (r.in_service ? Tr(lang, "oui", "yes") : Tr(lang, "non", "no")) +
         "</td><td data-key=\"device_sheets\" data-value=\"" + std::to_string(r.sheets) + "\">" +
         FormatCount(r.sheets, lang) + "</td></tr>";
  }
  h += "</tbody></table></div>\n";

  // The queues IT must classify.
  h += "<h2>" + Tr(lang, "Files à classer", "Queues to classify") + "</h2>";
  if (report->unclassified_queues.empty()) {
    h += "<p class=\"note\">" +
         Tr(lang, "Aucune : toutes les files sont classées.", "None: every queue is classified.") +
         "</p>";
  } else {
    h += "<p class=\"note\">" +
         Tr(lang,
            "Files signalées par les agents que l'import des appareils ne classe pas encore "
            "(comptées en « autre », papier 80 g non recyclé) :",
            "Queues reported by the agents that the devices import has not classified yet "
            "(counted as “other”, 80 g non-recycled paper):") +
         "</p><ul class=\"unclassified\">";
    for (const std::string& q : report->unclassified_queues) {
      h += "<li>" + HtmlEscape(q) + "</li>";
    }
    h += "</ul>";
  }
  h += End();
  return Page{200, std::move(h)};
}

Result<Page> DataQualityPage(store::Store& store, const PageContext& ctx,
                             std::optional<int> year_arg) {
  const L lang = ctx.lang;
  auto year = YearOf(store, ctx, year_arg);
  if (!year.ok()) return year.status();
  if (!YearInRange(*year, ctx)) {
    return NotFoundPage(ctx, Tr(lang, "Aucune donnée pour cette année.", "No data for this year."));
  }
  const int n = *year;
  // The indicators and the year's users without a direction, from one attribution pass.
  auto figures = YearFiguresOf(store, ctx, n, OptionsOf(ctx));
  if (!figures.ok()) return figures.status();
  const indicators::IndicatorReport* report = &(*figures)->report;
  struct Quarantine {
    int64_t records = 0;
    std::optional<std::map<std::string, int64_t>> by_reason;
  };
  store::Store* from = &store;
  auto quarantine = KeptOrNow<Quarantine>(ctx, "quarantine", [from]() -> Result<Quarantine> {
    auto records = from->CountQuarantined();
    if (!records.ok()) return records.status();
    return Quarantine{*records, QuarantineByReason(*from)};
  });
  if (!quarantine.ok()) return quarantine.status();
  const int64_t* quarantined = &(*quarantine)->records;
  const std::optional<std::map<std::string, int64_t>>& reasons = (*quarantine)->by_reason;

  const indicators::ScopeFigures& org = report->organisation;
  const std::string title = Tr(lang, "Qualité des données ", "Data quality ") + std::to_string(n);
  std::string h = Begin(ctx, title, PageId::kQuality, "/quality", "year=" + std::to_string(n));
  h += YearHeader(ctx, "/quality", "", title, n);
  auto line = [&](std::string_view key, int64_t v, std::string_view fr, std::string_view en) {
    h += "<tr><td>" + Tr(lang, fr, en) + "</td><td data-key=\"" + std::string(key) +
         "\" data-value=\"" + std::to_string(v) + "\">" + FormatCount(v, lang) + "</td></tr>";
  };
  h += "<h2>" + Tr(lang, "L'organisation", "The organisation") +
       "</h2><div class=\"scroll\"><table class=\"quality\"><tbody>";
  line("unknown_media_jobs", org.unknown_media_jobs,
       "Travaux au format de papier inconnu (comptés en A4)",
       "Jobs with unknown paper size (counted as A4)");
  line("unclassified_queues", static_cast<int64_t>(report->unclassified_queues.size()),
       "Files d'impression non classées", "Unclassified print queues");
  line("jobs_on_unclassified_devices", org.jobs_on_unclassified_devices,
       "Travaux sur des files non classées (comptés en « autre »)",
       "Jobs on unclassified queues (counted as “other”)");
  line("users_without_direction", (*figures)->usage.users_without_direction,
       "Utilisateurs sans direction à la date de leurs travaux",
       "Users without a direction on their jobs' dates");
  line("jobs_without_user_direction", org.jobs_without_user_direction,
       "Travaux d'utilisateurs sans direction (attribués à la direction de l'appareil)",
       "Jobs by users without a direction (attributed to the device's direction)");
  line("oversized_media_jobs", org.oversized_media_jobs,
       "Travaux sur un papier plus grand que A0 (à vérifier)",
       "Jobs on sheets larger than A0 (to check)");
  line("meters_devices_without_start_reading", org.meters.devices_without_start_reading,
       "Copieurs sans relevé de compteur au début de l'année (laissés de côté)",
       "Copiers without a meter reading at the start of the year (left out)");
  line("quarantined_records", *quarantined,
       "Enregistrements refusés et mis en quarantaine (depuis toujours)",
       "Records rejected and quarantined (all time)");
  h += "</tbody></table></div>\n";

  h += "<h2>" + Tr(lang, "Quarantaine par motif", "Quarantine by reason") + "</h2>";
  if (!reasons) {
    h += "<p class=\"note\">" +
         Tr(lang, "Le détail par motif n'est pas disponible avec ce stockage.",
            "The detail by reason is not available with this store.") +
         "</p>";
  } else if (reasons->empty()) {
    h += "<p class=\"note\">" + Tr(lang, "Aucun enregistrement.", "No record.") + "</p>";
  } else {
    h += "<div class=\"scroll\"><table class=\"reasons\"><thead><tr><th>" +
         Tr(lang, "Motif", "Reason") + "</th><th>" + Tr(lang, "Enregistrements", "Records") +
         "</th></tr></thead><tbody>";
    for (const auto& [reason, count] : *reasons) {
      h += "<tr><td>" + HtmlEscape(reason) + "</td><td>" + FormatCount(count, lang) + "</td></tr>";
    }
    h += "</tbody></table></div>";
  }

  h += "<h2>" + Tr(lang, "Par direction", "By direction") +
       "</h2><div class=\"scroll\"><table class=\"bydirection\"><thead><tr><th>" +
       Tr(lang, "Direction", "Direction") + "</th><th>" +
       Tr(lang, "Format inconnu", "Unknown media") + "</th><th>" +
       Tr(lang, "Files non classées", "Unclassified queues") + "</th><th>" +
       Tr(lang, "Sans direction d'utilisateur", "Without a user direction") + "</th><th>" +
       Tr(lang, "Plus grand que A0", "Larger than A0") + "</th></tr></thead><tbody>";
  for (const auto& d : report->directions) {
    h += "<tr><td>" + HtmlEscape(d.direction) + "</td><td>" +
         FormatCount(d.unknown_media_jobs, lang) + "</td><td>" +
         FormatCount(d.jobs_on_unclassified_devices, lang) + "</td><td>" +
         FormatCount(d.jobs_without_user_direction, lang) + "</td><td>" +
         FormatCount(d.oversized_media_jobs, lang) + "</td></tr>";
  }
  h += "</tbody></table></div>\n";
  if (!report->unclassified_queues.empty()) {
    h += "<p class=\"note\">" + Tr(lang, "Files à classer : ", "Queues to classify: ");
    for (size_t i = 0; i < report->unclassified_queues.size(); ++i) {
      if (i > 0) h += ", ";
      h += HtmlEscape(report->unclassified_queues[i]);
    }
    h += ".</p>";
  }
  h += End();
  return Page{200, std::move(h)};
}

Result<std::shared_ptr<const ServersView>> ServersViewOf(store::Store& store,
                                                         const PageContext& ctx) {
  const store::StatusPeriods periods = status::PeriodsAt(ctx.now, ZoneOf(ctx));
  store::Store* from = &store;
  return KeptOrNow<ServersView>(
      ctx,
      "servers/" + std::to_string(periods.month_start) + "/" + std::to_string(periods.day_start),
      [from, periods]() -> Result<ServersView> {
        ServersView v;
        auto servers = from->status().ServerStatuses(periods, /*count_jobs=*/true);
        if (!servers.ok()) return servers.status();
        v.servers = std::move(*servers);
        auto sync = from->directory().LastDirectorySync();
        if (!sync.ok()) return sync.status();
        v.last_sync = std::move(*sync);
        return v;
      });
}

Result<Page> ServersPage(store::Store& store, const PageContext& ctx) {
  const L lang = ctx.lang;
  const TimeZone& tz = ZoneOf(ctx);
  auto view = ServersViewOf(store, ctx);
  if (!view.ok()) return view.status();
  const std::vector<store::ServerStatus>* servers = &(*view)->servers;
  const std::optional<store::DirectorySyncRecord>* sync = &(*view)->last_sync;

  const std::string title = Tr(lang, "Serveurs d'impression", "Print servers");
  std::string h = Begin(ctx, title, PageId::kServers, "/servers", "");
  h += "<header><h1>" + HtmlEscape(title) + "</h1></header>\n";
  int silent = 0;
  for (const auto& s : *servers) silent += status::IsSilent(s, ctx.now, ctx.silent_after_seconds);
  if (servers->empty()) {
    h += "<p class=\"note\">" +
         Tr(lang, "Aucun serveur d'impression ne s'est encore manifesté.",
            "No print server has reported yet.") +
         "</p>";
  } else {
    h += "<p class=\"" + std::string(silent > 0 ? "alert" : "note") + "\">" +
         FormatCount(silent, lang) +
         Tr(lang, " serveur(s) silencieux depuis plus de ", " server(s) silent for more than ") +
         FormatCount(ctx.silent_after_seconds / 60, lang) + " min.</p>";
    h += "<div class=\"scroll\"><table class=\"servers\"><thead><tr><th>" +
         Tr(lang, "Serveur", "Server") + "</th><th>" + Tr(lang, "État", "State") + "</th><th>" +
         Tr(lang, "Dernier contact", "Last contact") + "</th><th>" +
         Tr(lang, "Version de l'agent", "Agent version") + "</th><th>" +
         Tr(lang, "Travaux aujourd'hui", "Jobs today") + "</th><th>" +
         Tr(lang, "Travaux ce mois", "Jobs this month") + "</th><th>" +
         Tr(lang, "En attente chez l'agent", "Waiting at the agent") + "</th><th>" +
         Tr(lang, "Plus ancien en attente", "Oldest waiting") + "</th><th>" +
         Tr(lang, "Files non classées", "Unclassified queues") + "</th></tr></thead><tbody>";
    for (const auto& s : *servers) {
      const bool is_silent = status::IsSilent(s, ctx.now, ctx.silent_after_seconds);
      h += std::string("<tr") + (is_silent ? " class=\"silent\"" : "") + "><td>" +
           HtmlEscape(s.server) + "</td><td>" +
           (is_silent ? "<strong>" + Tr(lang, "SILENCIEUX", "SILENT") + "</strong>"
                      : Tr(lang, "actif", "active")) +
           "</td><td>" + LocalTime(s.last_contact, tz) + "</td><td>" + HtmlEscape(s.agent_version) +
           "</td><td>" + FormatCount(s.jobs_today, lang) + "</td><td>" +
           FormatCount(s.jobs_this_month, lang) + "</td><td>" +
           (s.outbox_records ? FormatCount(*s.outbox_records, lang)
                             : std::string(reports::kMissingValue)) +
           "</td><td>" +
           (s.oldest_record_unix && *s.oldest_record_unix > 0
                ? LocalTime(*s.oldest_record_unix, tz)
                : std::string(reports::kMissingValue)) +
           "</td><td>" + FormatCount(s.unclassified_queues, lang) + "</td></tr>";
    }
    h += "</tbody></table></div>\n";
  }
  h += "<h2>" + Tr(lang, "Synchronisation de l'annuaire", "Directory sync") + "</h2><p>";
  if (lang == L::kEnglish) {
    h += HtmlEscape(status::FormatDirectorySyncLine(*sync, ctx.now, tz));
  } else if (!*sync) {
    h += "synchronisation de l'annuaire : jamais";
  } else {
    const store::DirectorySyncRecord& r = **sync;
    h += "dernière synchronisation : " + LocalTime(r.synced_at, tz) + ", " +
         FormatCount(r.users_seen, lang) + " utilisateurs, " + FormatCount(r.added, lang) +
         " ajoutés, " + FormatCount(r.moved, lang) + " changés de direction, " +
         FormatCount(r.closed, lang) + " partis, " + FormatCount(r.unmapped, lang) +
         " sans direction reconnue, " + FormatCount(r.skipped, lang) + " écartés";
  }
  h += "</p>\n" + End();
  return Page{200, std::move(h)};
}

}  // namespace ramette::aggregator::web
