// ramette: the administrator's command line (imports, indicators, reports, export, status,
// backup, tokens, store copy, directory sync, web accounts). Argument parsing only; the actions are
// in commands.cc.
#include <curl/curl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>

#include "aggregator/cli/commands.h"
#include "common/version.h"

int main(int argc, char** argv) {
  // Results go to stdout (they may be piped into a file); diagnostics to stderr, warnings only.
  spdlog::set_default_logger(spdlog::stderr_color_mt("ramette"));
  spdlog::set_pattern("ramette: %l: %v");
  spdlog::set_level(spdlog::level::warn);
  CLI::App app{"ramette: print accounting for CUPS print servers — imports, indicators, reports"};
  app.require_subcommand(1);
  std::string db = "ramette.db";
  bool version = false;
  app.add_option("--db", db, "the store: a SQLite file path, or a postgresql:// URI")
      ->capture_default_str();
  app.add_flag("--version", version, "print the version and exit");
  std::string config;
  app.add_option("--config", config,
                 "aggregator TOML configuration: report factors, targets, SMTP relay "
                 "(default: embedded defaults)");

  auto* import = app.add_subcommand("import", "import reference data from a CSV file");
  import->require_subcommand(1);
  std::string file;
  std::string kind;
  const char* kinds[][2] = {
      {"papers", "paper stocks: paper_id,recycled,grammage_gsm"},
      {"devices", "devices: server,queue,class,direction,paper_id,in_service,out_of_service"},
      {"users", "users' directions: user,direction[,valid_from[,valid_to]]"},
      {"workstations", "workstation counts: direction,date,count"},
      {"directions", "where the monthly reports go: direction,email (several addresses allowed)"},
      {"purchases",
       "paper bought: date,direction,paper_id,format,quantity,unit,amount_eur_ht,use "
       "(replaces the purchases of the years the file covers)"},
      {"meters", "copier meter readings: server,queue,date,total_impressions"},
  };
  for (auto& k : kinds) {
    auto* sub = import->add_subcommand(k[0], k[1]);
    sub->add_option("FILE", file, "CSV file with a header row, ',' or ';' separated, UTF-8")
        ->required();
    sub->callback([&kind, name = std::string(k[0])] { kind = name; });
  }

  auto* indicators =
      app.add_subcommand("indicators", "I1-I5 for a year, organisation and directions");
  int year = 0;
  std::string direction;
  std::string format = "table";
  indicators->add_option("--year", year, "calendar year N")
      ->required()
      ->check(CLI::Range(1990, 2200));
  indicators->add_option("--direction", direction,
                         "show only this direction (and the organisation)");
  indicators->add_option("--format", format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();

  auto* report = app.add_subcommand("report", "reports for people");
  report->require_subcommand(1);
  auto* monthly = report->add_subcommand(
      "monthly", "one HTML and one CSV report per direction for a month, optionally e-mailed");
  std::string month;
  std::string lang = "fr";
  std::string out_dir;
  bool send = false;
  monthly->add_option("--month", month, "YYYY-MM, or last (the previous month)")->required();
  monthly->add_option("--direction", direction, "only this direction");
  monthly->add_option("--lang", lang, "fr or en")
      ->check(CLI::IsMember({"fr", "en"}))
      ->capture_default_str();
  monthly->add_option("--out", out_dir, "directory for the files (created if needed)")->required();
  monthly->add_flag("--send", send,
                    "e-mail each direction its report through [smtp] (needs --config)");

  auto* exp = app.add_subcommand("export", "exports for publication");
  exp->require_subcommand(1);
  auto* exp_indicators = exp->add_subcommand(
      "indicators", "I1-I5 and supporting figures for N-2, N-1 and N, indicators as rows");
  int export_year = 0;
  std::string export_format;
  std::string export_out;
  exp_indicators->add_option("--year", export_year, "calendar year N")
      ->required()
      ->check(CLI::Range(1990, 2200));
  exp_indicators->add_option("--format", export_format, "csv-fr, csv-en or json")
      ->required()
      ->check(CLI::IsMember({"csv-fr", "csv-en", "json"}));
  exp_indicators->add_option("--out", export_out, "output file (default: standard output)");
  auto* status = app.add_subcommand(
      "status", "one row per print server: last contact, jobs, backlog; flags silent ones");
  std::string silent_after = "15m";
  std::string status_format = "table";
  status
      ->add_option("--silent-after", silent_after,
                   "flag servers whose agent has not called for longer (90s, 15m, 2h, 1d)")
      ->capture_default_str();
  status->add_option("--format", status_format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  auto* backup = app.add_subcommand(
      "backup", "copy the database to FILE (SQLite online backup, safe while the aggregator runs)");
  std::string backup_file;
  backup->add_option("FILE", backup_file, "the copy to create (never overwritten)")->required();

  auto* token = app.add_subcommand("token", "agent tokens: create, list, revoke");
  token->require_subcommand(1);
  auto* token_create =
      token->add_subcommand("create", "a new token for one print server, printed once");
  std::string token_server;
  token_create->add_option("--server-id", token_server, "the print server the token is for")
      ->required();
  auto* token_list = token->add_subcommand("list", "every token: id, server id, created, revoked");
  auto* token_revoke =
      token->add_subcommand("revoke", "revoke a token by its id, or every token of a server id");
  std::string token_id;
  token_revoke->add_option("ID", token_id, "the token's id (from `ramette token list`)");
  token_revoke->add_option("--server-id", token_server, "revoke every token of this server id");

  auto* user = app.add_subcommand("user", "ramette-web accounts: add, list, remove, passwd");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand(
      "add",
      "a dashboard account; the password is the first line of --password-file, or one line "
      "read from standard input (at least 10 bytes); only its Argon2id hash is stored");
  std::string user_name;
  std::string user_role;
  std::string user_direction;
  std::string password_file;
  user_add->add_option("NAME", user_name, "the login name")->required();
  user_add
      ->add_option("--role", user_role,
                   "admin (everything), it (print servers, devices, data quality) or direction "
                   "(its own direction and the organisation's totals)")
      ->required()
      ->check(CLI::IsMember({"admin", "it", "direction"}));
  user_add->add_option("--direction", user_direction,
                       "the direction of a direction account (one the store knows)");
  user_add->add_option("--password-file", password_file,
                       "read the password from the first line of this file");
  auto* user_list = user->add_subcommand(
      "list", "every account: name, role, direction, created, updated (never a password)");
  auto* user_remove = user->add_subcommand("remove", "remove an account");
  user_remove->add_option("NAME", user_name, "the account's name")->required();
  auto* user_passwd = user->add_subcommand(
      "passwd", "a new password for an account (from --password-file or standard input)");
  user_passwd->add_option("NAME", user_name, "the account's name")->required();
  user_passwd->add_option("--password-file", password_file,
                          "read the password from the first line of this file");

  auto* store_cmd = app.add_subcommand("store", "the database itself: move it between engines");
  store_cmd->require_subcommand(1);
  auto* store_copy = store_cmd->add_subcommand(
      "copy",
      "copy an installation to another store (SQLite <-> PostgreSQL), then verify row counts and "
      "every year's indicators on both sides. Idempotent and resumable: run it again after an "
      "interruption. Stop the aggregators first. Exit 65 when the target holds other values for "
      "a key (the first conflict is named; nothing is merged) or the verification differs");
  std::string copy_from;
  std::string copy_to;
  store_copy->add_option("--from", copy_from, "the source: a SQLite file or a postgresql:// URI")
      ->required();
  store_copy
      ->add_option("--to", copy_to,
                   "the target: a SQLite file (created when missing) or a postgresql:// URI "
                   "(an empty database is initialised)")
      ->required();

  auto* directory_cmd =
      app.add_subcommand("directory", "users' directions from LDAP or Active Directory");
  directory_cmd->require_subcommand(1);
  auto* directory_sync = directory_cmd->add_subcommand(
      "sync",
      "sync users' directions (and workstation counts) from the [directory] server of --config: "
      "effective-dated, idempotent; users.csv rows are kept. Exit 65 when it would close more "
      "than max_close_share of the users (nothing written; --force), 75 when unreachable");
  bool dry_run = false;
  bool force = false;
  std::string sync_date;
  directory_sync->add_flag("--dry-run", dry_run, "print the changes, write nothing");
  directory_sync->add_flag("--force", force, "apply even beyond max_close_share");
  directory_sync->add_option("--date", sync_date,
                             "the sync date YYYY-MM-DD (default: today in the organisation's "
                             "time zone); never before an earlier sync");

  try {
    if (argc >= 2 && std::string(argv[1]) == "--version") {
      std::cout << "ramette " << ramette::kVersion << "\n";
      return 0;
    }
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (monthly->parsed()) {
    std::optional<std::string> dir;
    if (!direction.empty()) dir = direction;
    return ramette::aggregator::cli::RunReportMonthly(db, config, month, dir, lang, out_dir, send,
                                                      std::cout, std::cerr);
  }
  if (exp_indicators->parsed()) {
    return ramette::aggregator::cli::RunExportIndicators(db, export_year, export_format, export_out,
                                                         std::cout, std::cerr, config);
  }
  if (import->parsed()) {
    return ramette::aggregator::cli::RunImport(db, kind, file, std::cout, std::cerr);
  }
  if (indicators->parsed()) {
    std::optional<std::string> dir;
    if (!direction.empty()) dir = direction;
    return ramette::aggregator::cli::RunIndicators(db, year, dir, format, std::cout, std::cerr,
                                                   config);
  }
  if (status->parsed()) {
    return ramette::aggregator::cli::RunStatus(db, silent_after, status_format,
                                               static_cast<int64_t>(std::time(nullptr)), std::cout,
                                               std::cerr);
  }
  if (directory_sync->parsed()) {
    return ramette::aggregator::cli::RunDirectorySyncCommand(
        db, config, dry_run, force, sync_date, static_cast<int64_t>(std::time(nullptr)), std::cout,
        std::cerr);
  }
  if (backup->parsed()) {
    return ramette::aggregator::cli::RunBackup(db, backup_file, std::cout, std::cerr);
  }
  if (store_copy->parsed()) {
    return ramette::aggregator::cli::RunStoreCopy(copy_from, copy_to, std::cout, std::cerr);
  }
  const auto now = static_cast<int64_t>(std::time(nullptr));
  if (token_create->parsed()) {
    return ramette::aggregator::cli::RunTokenCreate(db, token_server, now, std::cout, std::cerr);
  }
  if (token_list->parsed()) return ramette::aggregator::cli::RunTokenList(db, std::cout, std::cerr);
  if (token_revoke->parsed()) {
    return ramette::aggregator::cli::RunTokenRevoke(db, token_id, token_server, now, std::cout,
                                                    std::cerr);
  }
  ramette::aggregator::cli::PasswordInput password;
  password.file = password_file;
  password.in = &std::cin;
  password.terminal = isatty(STDIN_FILENO) == 1;
  if (user_add->parsed()) {
    return ramette::aggregator::cli::RunUserAdd(db, user_name, user_role, user_direction, password,
                                                now, std::cout, std::cerr);
  }
  if (user_list->parsed()) return ramette::aggregator::cli::RunUserList(db, std::cout, std::cerr);
  if (user_remove->parsed()) {
    return ramette::aggregator::cli::RunUserRemove(db, user_name, std::cout, std::cerr);
  }
  if (user_passwd->parsed()) {
    return ramette::aggregator::cli::RunUserPasswd(db, user_name, password, now, std::cout,
                                                   std::cerr);
  }
  return 2;
}
