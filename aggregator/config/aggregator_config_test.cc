// Configuration parsing: defaults, a full file, typos and wrong types, the loopback rule.
#include "aggregator/config/aggregator_config.h"

#include <gtest/gtest.h>

namespace ramette::aggregator::config {
namespace {

TEST(AggregatorConfigTest, EmptyFileKeepsDefaults) {
  auto c = ParseAggregatorConfig("", "agg.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->listen, "127.0.0.1:50551");
  EXPECT_EQ(c->database, "ramette.db");
  EXPECT_EQ(c->time_zone, "Europe/Paris");
  EXPECT_FALSE(c->store_titles);
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:9464");
  EXPECT_TRUE(c->users.identity());  // user names compared as sent
}

TEST(AggregatorConfigTest, FullFile) {
  auto c = ParseAggregatorConfig(R"(
[server]
listen = "127.0.0.1:6000"
[storage]
database = "/var/lib/ramette/ramette.db"
[organisation]
time_zone = "America/Cayenne"
[privacy]
store_titles = true
[log]
level = "debug"
[metrics]
listen = ""
)",
                                 "agg.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->listen, "127.0.0.1:6000");
  EXPECT_EQ(c->database, "/var/lib/ramette/ramette.db");
  EXPECT_EQ(c->time_zone, "America/Cayenne");
  EXPECT_TRUE(c->store_titles);
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->metrics_listen, "");
}

TEST(AggregatorConfigTest, TyposAndTypesAreErrorsWithLine) {
  auto c = ParseAggregatorConfig("[server]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "a.toml:3: unknown key 'server.lisen'");
  c = ParseAggregatorConfig("[privacy]\nstore_titles = \"yes\"\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("a.toml:2"), std::string::npos);
  c = ParseAggregatorConfig("[server\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("a.toml:1"), std::string::npos);
}

TEST(AggregatorConfigTest, UserNameNormalisation) {
  auto c = ParseAggregatorConfig("[users]\ncase = \"lower\"\nstrip_domain = true\n", "a.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->users.lower_case);
  EXPECT_TRUE(c->users.strip_domain);
  c = ParseAggregatorConfig("[users]\ncase = \"preserve\"\n", "a.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->users.identity());
  c = ParseAggregatorConfig("[users]\nstrip_domain = true\n\ncase = \"Lower\"\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "a.toml:4: 'users.case' must be \"lower\" or \"preserve\", not 'Lower'");
}

TEST(AggregatorConfigTest, IndicatorsPaperSource) {
  auto c = ParseAggregatorConfig("", "a.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->paper_source, "printing");
  c = ParseAggregatorConfig("[indicators]\npaper_source = \"purchases\"\n", "a.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->paper_source, "purchases");
  c = ParseAggregatorConfig("[indicators]\npaper_source = \"bought\"\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "a.toml:2: 'indicators.paper_source' must be \"printing\" or \"purchases\", not "
            "'bought'");
  // Large jobs: 500 sheets by default, 100 at least, a whole number.
  EXPECT_EQ(ParseAggregatorConfig("", "a.toml")->report.large_job_sheets, 500);
  c = ParseAggregatorConfig("[indicators]\nlarge_job_sheets = 100\n", "a.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->report.large_job_sheets, 100);
  c = ParseAggregatorConfig("[indicators]\nlarge_job_sheets = 99\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "a.toml:2: 'indicators.large_job_sheets' must be at least 100, not 99");
  c = ParseAggregatorConfig("[indicators]\nlarge_job_sheets = 1.5\n", "a.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "a.toml:2: 'indicators.large_job_sheets' must be a whole number");
  // The spend target, beside the recycled-share target.
  EXPECT_DOUBLE_EQ(ParseAggregatorConfig("", "a.toml")->report.targets.recycled_spend_share_min_pct,
                   40);
  c = ParseAggregatorConfig("[targets]\nrecycled_spend_share_min_pct = 25\n", "a.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_DOUBLE_EQ(c->report.targets.recycled_spend_share_min_pct, 25);
}

TEST(AggregatorConfigTest, ReportSettings) {
  auto d = ParseAggregatorConfig("", "agg.toml");
  ASSERT_TRUE(d.ok());
  EXPECT_DOUBLE_EQ(d->report.environment.co2e_kg_per_kg, 0.919);
  EXPECT_DOUBLE_EQ(d->report.environment.a4_sheets_per_tree, 8333);
  EXPECT_DOUBLE_EQ(d->report.targets.recycled_share_min_pct, 40);
  EXPECT_DOUBLE_EQ(d->report.targets.paper_change_max_pct, -30);
  EXPECT_EQ(d->report.targets.baseline_year, 0);
  EXPECT_TRUE(d->smtp.url.empty());
  auto c = ParseAggregatorConfig(R"(
[organisation]
name = "Ministère de l'Exemple"
[environment]
co2e_kg_per_kg = 1
co2e_kg_per_kg_recycled = 0.6
a4_sheets_per_tree = 10000
kwh_per_kg = 2.5
kwh_per_kg_recycled = 1.5
[targets]
recycled_share_min_pct = 25
paper_change_max_pct = -20
baseline_year = 2019
[smtp]
url = "smtp://relay.example.org:587"
from = "ramette@example.org"
user = "ramette"
password = "secret"
require_tls = true
)",
                                 "agg.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->report.organisation_name, "Ministère de l'Exemple");
  EXPECT_DOUBLE_EQ(c->report.environment.co2e_kg_per_kg, 1.0);
  EXPECT_DOUBLE_EQ(c->report.environment.co2e_kg_per_kg_recycled, 0.6);
  EXPECT_DOUBLE_EQ(c->report.environment.a4_sheets_per_tree, 10000);
  EXPECT_DOUBLE_EQ(c->report.environment.kwh_per_kg_recycled, 1.5);
  EXPECT_DOUBLE_EQ(c->report.targets.recycled_share_min_pct, 25);
  EXPECT_DOUBLE_EQ(c->report.targets.paper_change_max_pct, -20);
  EXPECT_EQ(c->report.targets.baseline_year, 2019);
  EXPECT_EQ(c->smtp.url, "smtp://relay.example.org:587");
  EXPECT_EQ(c->smtp.from, "ramette@example.org");
  EXPECT_EQ(c->smtp.user, "ramette");
  EXPECT_EQ(c->smtp.password, "secret");
  EXPECT_TRUE(c->smtp.require_tls);
  auto neg = ParseAggregatorConfig("[environment]\nkwh_per_kg = -1\n", "a.toml");
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.status().message(),
            "a.toml:2: 'environment.kwh_per_kg' must be a non-negative number");
  EXPECT_FALSE(ParseAggregatorConfig("[targets]\nbaseline_year = 2019.5\n", "a.toml").ok());
  EXPECT_FALSE(ParseAggregatorConfig("[targets]\nbaseline_year = \"2019\"\n", "a.toml").ok());
}

TEST(AggregatorConfigTest, PackagedExampleParsesToTheDefaults) {
  auto c = LoadAggregatorConfig(RAMETTE_SOURCE_DIR "/packaging/aggregator.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const reports::ReportSettings defaults;
  EXPECT_DOUBLE_EQ(c->report.environment.co2e_kg_per_kg, defaults.environment.co2e_kg_per_kg);
  EXPECT_DOUBLE_EQ(c->report.environment.co2e_kg_per_kg_recycled,
                   defaults.environment.co2e_kg_per_kg_recycled);
  EXPECT_DOUBLE_EQ(c->report.environment.a4_sheets_per_tree,
                   defaults.environment.a4_sheets_per_tree);
  EXPECT_DOUBLE_EQ(c->report.environment.kwh_per_kg, defaults.environment.kwh_per_kg);
  EXPECT_DOUBLE_EQ(c->report.targets.recycled_share_min_pct,
                   defaults.targets.recycled_share_min_pct);
  EXPECT_DOUBLE_EQ(c->report.targets.paper_change_max_pct, defaults.targets.paper_change_max_pct);
  EXPECT_EQ(c->report.targets.baseline_year, defaults.targets.baseline_year);
}

TEST(AggregatorConfigTest, ListenAddressesAreHostAndPort) {
  AggregatorConfig c;
  for (const char* ok : {"127.0.0.1:50551", "127.0.0.1:0", "localhost:65535", "[::1]:1",
                         "ramette.example.org:50551"}) {
    c.listen = ok;
    EXPECT_TRUE(CheckListenAddress("[server] listen", c.listen).ok()) << ok;
  }
  const std::pair<const char*, const char*> bad[] = {
      {"127.0.0.1:99999", "the port must be a number from 0 to 65535"},
      {"127.0.0.1:65536", "the port must be a number from 0 to 65535"},
      {"127.0.0.1:", "the port must be a number from 0 to 65535"},
      {"127.0.0.1:-1", "the port must be a number from 0 to 65535"},
      {"notahost", "no port"},
      {":50551", "no host"},
      {"::1:50551", "not a host name or an IPv4 address"},
      {"[::1:50551", "not an IPv6 address in brackets"},
      {"host name:1", "not a host name or an IPv4 address"}};
  for (const auto& [listen, why] : bad) {
    c.listen = listen;
    Status s = CheckListenAllowed(c);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << listen;
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("[server] listen '" + std::string(listen) + "'"), std::string::npos)
        << s.message();
  }
  c.listen = "127.0.0.1:50551";
  c.metrics_listen = "127.0.0.1:99999";
  EXPECT_NE(CheckListenAllowed(c).message().find("[metrics] listen"), std::string::npos);
  c.metrics_listen = "";  // no metrics endpoint
  EXPECT_TRUE(CheckListenAllowed(c).ok());
}

TEST(AggregatorConfigTest, ADirectoryIsNotAConfigurationFile) {
  auto c = LoadAggregatorConfig("/tmp");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "configuration file /tmp is a directory");
}

TEST(AggregatorConfigTest, LoopbackRule) {
  EXPECT_TRUE(IsLoopbackListenAddress("127.0.0.1:50551"));
  EXPECT_TRUE(IsLoopbackListenAddress("127.1.2.3:0"));
  EXPECT_TRUE(IsLoopbackListenAddress("localhost:50551"));
  EXPECT_TRUE(IsLoopbackListenAddress("[::1]:50551"));
  EXPECT_FALSE(IsLoopbackListenAddress("0.0.0.0:50551"));
  EXPECT_FALSE(IsLoopbackListenAddress("[::]:50551"));
  EXPECT_FALSE(IsLoopbackListenAddress("192.168.1.10:50551"));
  EXPECT_FALSE(IsLoopbackListenAddress("127.evil.com:50551"));
}

TEST(AggregatorConfigTest, TlsAndAuthKeys) {
  auto c = ParseAggregatorConfig(R"(
[server]
listen = "0.0.0.0:50551"
[tls]
cert_file = "/etc/ramette/tls/aggregator.pem"
key_file = "/etc/ramette/tls/aggregator.key"
client_ca_file = "/etc/ramette/tls/agents-ca.pem"
[auth]
require_tokens = true
)",
                                 "test.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->tls_cert_file, "/etc/ramette/tls/aggregator.pem");
  EXPECT_EQ(c->tls_key_file, "/etc/ramette/tls/aggregator.key");
  EXPECT_EQ(c->tls_client_ca_file, "/etc/ramette/tls/agents-ca.pem");
  EXPECT_TRUE(c->require_tokens);
  EXPECT_TRUE(CheckListenAllowed(*c).ok());
  EXPECT_FALSE(AggregatorConfig{}.require_tokens);
  EXPECT_EQ(ParseAggregatorConfig("[auth]\nrequire_tokens = \"yes\"\n", "t").status().code(),
            Status::Code::kInvalidArgument);
}

TEST(AggregatorConfigTest, NonLoopbackNeedsTlsAndCredentials) {
  AggregatorConfig c;
  EXPECT_TRUE(CheckListenAllowed(c).ok());  // loopback, plaintext, no tokens: single host
  c.listen = "0.0.0.0:50551";
  Status s = CheckListenAllowed(c);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("without TLS and agent tokens"), std::string::npos);
  c.require_tokens = true;  // tokens over plaintext: still refused
  s = CheckListenAllowed(c);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("without TLS:"), std::string::npos);
  c.require_tokens = false;
  c.tls_cert_file = "cert.pem";
  c.tls_key_file = "key.pem";  // TLS without agent credentials: refused
  s = CheckListenAllowed(c);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("without agent credentials"), std::string::npos);
  c.require_tokens = true;
  EXPECT_TRUE(CheckListenAllowed(c).ok());
  c.require_tokens = false;
  c.tls_client_ca_file = "ca.pem";  // mutual TLS alone is enough
  EXPECT_TRUE(CheckListenAllowed(c).ok());

  AggregatorConfig half;
  half.tls_key_file = "key.pem";
  EXPECT_EQ(CheckListenAllowed(half).code(), Status::Code::kInvalidArgument);
  AggregatorConfig ca_only;
  ca_only.tls_client_ca_file = "ca.pem";
  EXPECT_EQ(CheckListenAllowed(ca_only).code(), Status::Code::kInvalidArgument);
}

TEST(AggregatorConfigTest, DirectoryTableAsInDesign) {
  auto c = ParseAggregatorConfig(R"toml(
[directory]
uri = "ldap://dc1.example.org"
start_tls = true
ca_file = "/etc/ramette/tls/ldap-ca.pem"
bind_dn = "CN=ramette,OU=Services,DC=example,DC=org"
bind_password_file = "/etc/ramette/ldap.password"
base_dn = "OU=Staff,DC=example,DC=org"
filter = "(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
user_attribute = "sAMAccountName"
direction_attribute = "memberOf"
max_close_share = 0.1
[directory.directions]
"CN=Z-All,OU=Groups,DC=example,DC=org" = "DSI"
"CN=A-All,OU=Groups,DC=example,DC=org" = "DAF"
[directory.workstations]
base_dn = "OU=Computers,DC=example,DC=org"
)toml",
                                 "test.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const directory::DirectorySettings& d = c->directory;
  EXPECT_TRUE(d.configured);
  EXPECT_TRUE(d.start_tls);
  EXPECT_EQ(d.user_attribute, "sAMAccountName");
  EXPECT_EQ(d.max_close_share, 0.1);
  EXPECT_FALSE(d.follow_referrals);
  // The file's order, not the keys' order.
  ASSERT_EQ(d.directions.size(), 2u);
  EXPECT_EQ(d.directions[0].second, "DSI");
  EXPECT_EQ(d.directions[1].second, "DAF");
  EXPECT_TRUE(d.workstations);
  EXPECT_EQ(d.workstations_filter, "(objectClass=computer)");

  EXPECT_FALSE(ParseAggregatorConfig("", "x").value().directory.configured);
  for (const char* bad :
       {"[directory]\nbase_dn = \"dc=x\"\n", "[directory]\nuri = \"ldap://x\"\n",
        "[directory]\nuri = \"ldap://x\"\nbase_dn = \"dc=x\"\nmax_close_share = 2\n",
        "[directory]\nuri = \"ldap://x\"\nbase_dn = \"dc=x\"\nbind_dn = \"cn=a\"\n",
        "[directory]\nuri = \"ldap://x\"\nbase_dn = \"dc=x\"\nfoo = 1\n"}) {
    EXPECT_EQ(ParseAggregatorConfig(bad, "x").status().code(), Status::Code::kInvalidArgument)
        << bad;
  }
}

TEST(AggregatorConfigTest, WebTableDefaultsAndKeys) {
  auto d = ParseAggregatorConfig("", "agg.toml");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->web.listen, "127.0.0.1:8080");
  EXPECT_TRUE(d->web.trusted_user_header.empty());
  EXPECT_TRUE(d->web.trusted_proxies.empty());
  EXPECT_TRUE(CheckWebListenAllowed(d->web).ok());

  auto c = ParseAggregatorConfig(R"(
[web]
listen = "0.0.0.0:8443"
cert_file = "/etc/ramette/tls/web.pem"
key_file = "/etc/ramette/tls/web.key"
trusted_user_header = "X-Remote-User"
trusted_proxies = ["10.0.0.5", "::1"]
session_idle_minutes = 15
session_max_hours = 8
cache_seconds = 0
lang = "en"
)",
                                 "agg.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->web.listen, "0.0.0.0:8443");
  EXPECT_EQ(c->web.cert_file, "/etc/ramette/tls/web.pem");
  EXPECT_EQ(c->web.trusted_user_header, "X-Remote-User");
  EXPECT_EQ(c->web.trusted_proxies, (std::vector<std::string>{"10.0.0.5", "::1"}));
  EXPECT_EQ(c->web.session_idle_minutes, 15);
  EXPECT_EQ(c->web.session_max_hours, 8);
  EXPECT_EQ(c->web.cache_seconds, 0);
  EXPECT_EQ(c->web.lang, "en");
  EXPECT_TRUE(CheckWebListenAllowed(c->web).ok());

  for (const char* bad :
       {"[web]\nport = 1\n", "[web]\ntrusted_proxies = \"10.0.0.5\"\n",
        "[web]\ntrusted_proxies = [1]\n", "[web]\nsession_idle_minutes = 0\n",
        "[web]\nsession_max_hours = 1000\n", "[web]\ncache_seconds = -1\n",
        "[web]\ncache_seconds = 3601\n", "[web]\nlang = \"de\"\n", "[web]\nlisten = 8080\n"}) {
    EXPECT_FALSE(ParseAggregatorConfig(bad, "agg.toml").ok()) << bad;
  }
}

TEST(AggregatorConfigTest, WebNeedsTlsBeyondLoopbackAndProxiesForTheHeader) {
  WebSettings w;
  w.listen = "0.0.0.0:8080";
  EXPECT_EQ(CheckWebListenAllowed(w).code(), Status::Code::kFailedPrecondition);
  w.cert_file = "c.pem";
  EXPECT_EQ(CheckWebListenAllowed(w).code(), Status::Code::kInvalidArgument);  // no key
  w.key_file = "k.pem";
  EXPECT_TRUE(CheckWebListenAllowed(w).ok());
  w = WebSettings{};
  w.listen = "localhost:8080";
  EXPECT_TRUE(CheckWebListenAllowed(w).ok());
  w.trusted_user_header = "X-Remote-User";
  EXPECT_EQ(CheckWebListenAllowed(w).code(), Status::Code::kInvalidArgument);
  w.trusted_proxies = {"127.0.0.1"};
  EXPECT_TRUE(CheckWebListenAllowed(w).ok());
  w.listen = "nonsense";
  EXPECT_EQ(CheckWebListenAllowed(w).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace ramette::aggregator::config
