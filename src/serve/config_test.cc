#include "serve/config.h"

#include <gtest/gtest.h>

namespace cordon::serve {
namespace {

TEST(ServeConfigTest, EverySectionAndItsUnits) {
  auto c = ParseServeConfig(R"(
listen = "0.0.0.0:8443"
workers = 8
[tls]
cert = "/etc/cordon/cert.pem"
key = "/etc/cordon/key.pem"
[alerts]
file = "/var/log/cordon/alerts.jsonl"
syslog = false
webhook = "https://siem.example/hook"
download_mib_per_hour = 50
[accounts]
session_idle_minutes = 10
session_max_hours = 8
failures_before_delay = 4
failures_before_lock = 50
max_delay_minutes = 30
idle_lock_days = 30
[grants]
max_hours = 12
max_break_glass_hours = 2
[defender]
failures_before_ban = 20
window_minutes = 5
first_ban_minutes = 30
max_ban_hours = 48
)",
                            "serve.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(*c->listen, "0.0.0.0:8443");
  EXPECT_EQ(*c->workers, 8);
  EXPECT_EQ(*c->tls_key, "/etc/cordon/key.pem");
  EXPECT_FALSE(*c->syslog);
  EXPECT_EQ(*c->download_alert_mib, 50u);
  EXPECT_EQ(c->accounts.session_idle_seconds, 600);
  EXPECT_EQ(c->accounts.session_absolute_seconds, 8 * 3600);
  EXPECT_EQ(c->accounts.failures_before_delay, 4);
  EXPECT_EQ(c->accounts.failures_before_lock, 50);
  EXPECT_EQ(c->accounts.max_delay_seconds, 30 * 60);
  EXPECT_EQ(c->accounts.idle_account_seconds, 30 * 86400);
  EXPECT_EQ(c->grants.max_break_glass_seconds, 2 * 3600);
  EXPECT_EQ(c->defender.window_seconds, 300);
  EXPECT_EQ(c->defender.max_ban_seconds, 48 * 3600);
}

TEST(ServeConfigTest, MistakesNameTheirLine) {
  auto typo = ParseServeConfig("listen = \"127.0.0.1:1\"\n[accounts]\nsesion_idle_minutes = 5\n",
                               "serve.toml");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message().find("serve.toml line 3: unknown key \"sesion_idle_minutes\""),
            std::string::npos)
      << typo.error().message();
  auto range = ParseServeConfig("[accounts]\nsession_idle_minutes = 600\n", "serve.toml");
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message().find("line 2: session_idle_minutes must be a whole number "
                                         "from 1 to 30"),
            std::string::npos)
      << range.error().message();
  auto type = ParseServeConfig("workers = \"many\"\n", "serve.toml");
  ASSERT_FALSE(type.ok());
  auto toml = ParseServeConfig("listen = \n", "serve.toml");
  ASSERT_FALSE(toml.ok());
  EXPECT_NE(toml.error().message().find("not valid TOML"), std::string::npos);
  auto binary = ParseServeConfig(std::string("listen = \"a\"\n\x01", 14), "serve.toml");
  ASSERT_FALSE(binary.ok());
  auto section = ParseServeConfig("tls = 3\n", "serve.toml");
  ASSERT_FALSE(section.ok());
  EXPECT_TRUE(ParseServeConfig("", "serve.toml").ok());  // all defaults
}

ServeFlags DataOnly() {
  ServeFlags f;
  f.data = "/var/lib/cordon";
  return f;
}

TEST(ResolveServeOptionsTest, DefaultsWhenNeitherFlagNorConfigurationSaysAnything) {
  auto o = ResolveServeOptions(ServeConfig{}, DataOnly());
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 8443);
  EXPECT_TRUE(o->tls);
  EXPECT_EQ(o->workers, DefaultWorkers());
  EXPECT_GE(o->workers, 4);
  EXPECT_LE(o->workers, 16);
  EXPECT_EQ(o->trusted_proxies, "");
  EXPECT_FALSE(o->max_connections_per_address);
  EXPECT_EQ(o->tls_cert, "");
  EXPECT_EQ(o->alerts.file, "/var/lib/cordon/alerts.jsonl");
  EXPECT_TRUE(o->alerts.syslog);
  EXPECT_EQ(o->alerts.webhook, "");
  EXPECT_EQ(o->api.data_dir, "/var/lib/cordon");
  EXPECT_EQ(o->api.download_alert_bytes, uint64_t{10240} << 20);
  EXPECT_EQ(o->api.retention.max_days, ApiOptions{}.retention.max_days);
  EXPECT_EQ(o->api.max_staged_bytes, ApiOptions{}.max_staged_bytes);
}

TEST(ResolveServeOptionsTest, TheConfigurationWinsOverTheDefaults) {
  auto c = ParseServeConfig(R"(
listen = "0.0.0.0:9443"
workers = 4
[tls]
cert = "/etc/c.pem"
key = "/etc/k.pem"
[alerts]
file = "/var/log/a.jsonl"
syslog = false
webhook = "https://siem.example/hook"
download_mib_per_hour = 5
[accounts]
session_idle_minutes = 10
[packages]
max_retention_days = 30
[uploads]
max_staged_mib = 100
min_free_mib = 7
[connections]
per_address = 9
trusted_proxies = ["10.0.0.5"]
)",
                            "serve.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  auto o = ResolveServeOptions(*c, DataOnly());
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->host, "0.0.0.0");
  EXPECT_EQ(o->port, 9443);
  EXPECT_EQ(o->workers, 4);
  EXPECT_EQ(o->tls_cert, "/etc/c.pem");
  EXPECT_EQ(o->tls_key, "/etc/k.pem");
  EXPECT_EQ(o->alerts.file, "/var/log/a.jsonl");
  EXPECT_FALSE(o->alerts.syslog);
  EXPECT_EQ(o->alerts.webhook, "https://siem.example/hook");
  EXPECT_EQ(o->api.download_alert_bytes, uint64_t{5} << 20);
  EXPECT_EQ(o->api.accounts.session_idle_seconds, 600);
  EXPECT_EQ(o->api.retention.max_days, 30);
  EXPECT_EQ(o->api.max_staged_bytes, uint64_t{100} << 20);
  EXPECT_EQ(o->api.min_free_bytes, uint64_t{7} << 20);
  EXPECT_EQ(o->max_connections_per_address, 9u);
  EXPECT_EQ(o->trusted_proxies, "10.0.0.5/32");
}

TEST(ResolveServeOptionsTest, AFlagWinsOverTheConfiguration) {
  ServeConfig c;
  c.listen = "0.0.0.0:9443";
  c.workers = 4;
  c.tls_cert = "/etc/c.pem";
  c.tls_key = "/etc/k.pem";
  c.alerts_file = "/var/log/a.jsonl";
  c.webhook = "https://siem.example/hook";
  c.download_alert_mib = 5;
  c.trusted_proxies = {"10.0.0.5"};
  ServeFlags f = DataOnly();
  f.listen = "[::1]:0";
  f.workers = 2;
  f.tls_cert = "/mine/c.pem";
  f.tls_key = "/mine/k.pem";
  f.alerts_file = "/mine/a.jsonl";
  f.webhook = "https://other.example/";
  f.download_alert_mib = 1;
  f.trusted_proxies = {"192.0.2.1"};
  f.no_syslog = true;
  auto o = ResolveServeOptions(c, f);
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->port, 0);
  EXPECT_EQ(o->workers, 2);
  EXPECT_EQ(o->tls_cert, "/mine/c.pem");
  EXPECT_EQ(o->tls_key, "/mine/k.pem");
  EXPECT_EQ(o->alerts.file, "/mine/a.jsonl");
  EXPECT_EQ(o->alerts.webhook, "https://other.example/");
  EXPECT_FALSE(o->alerts.syslog);
  EXPECT_EQ(o->api.download_alert_bytes, uint64_t{1} << 20);
  EXPECT_EQ(o->trusted_proxies, "192.0.2.1/32");
  // A flag given empty still wins (it means "none").
  f.webhook = "";
  EXPECT_EQ(ResolveServeOptions(c, f)->alerts.webhook, "");
}

TEST(ResolveServeOptionsTest, PlainHttpListensOnLoopbackOnly) {
  ServeFlags f = DataOnly();
  f.insecure_http = true;
  for (const char* loopback : {"127.0.0.1:8080", "localhost:8080", "[::1]:8080"}) {
    f.listen = loopback;
    auto o = ResolveServeOptions(ServeConfig{}, f);
    ASSERT_TRUE(o.ok()) << loopback << ": " << o.error().message();
    EXPECT_FALSE(o->tls);
  }
  EXPECT_EQ(ResolveServeOptions(ServeConfig{}, f)->host, "::1");
  for (const char* open : {"0.0.0.0:8080", "[::]:8080", "192.0.2.7:80", "127.0.0.2:8080"}) {
    f.listen = open;
    auto o = ResolveServeOptions(ServeConfig{}, f);
    ASSERT_FALSE(o.ok()) << open;
    EXPECT_EQ(o.error().code(), ErrorCode::kRefused);
    EXPECT_NE(o.error().hint().find("reverse proxy"), std::string::npos);
  }
  // From the configuration too: the flag is what asks for plain HTTP.
  ServeConfig c;
  c.listen = "0.0.0.0:8080";
  f.listen.reset();
  EXPECT_EQ(ResolveServeOptions(c, f).error().code(), ErrorCode::kRefused);
}

TEST(ResolveServeOptionsTest, RefusesWhatCannotWork) {
  EXPECT_EQ(ResolveServeOptions(ServeConfig{}, ServeFlags{}).error().code(),
            ErrorCode::kInvalidArgument);  // no --data
  ServeFlags f = DataOnly();
  f.listen = "8443";
  auto no_colon = ResolveServeOptions(ServeConfig{}, f);
  ASSERT_FALSE(no_colon.ok());
  EXPECT_NE(no_colon.error().hint().find("127.0.0.1:8443"), std::string::npos);
  for (const char* bad : {"127.0.0.1:http", "127.0.0.1:65536", "127.0.0.1:-1"}) {
    f.listen = bad;
    EXPECT_EQ(ResolveServeOptions(ServeConfig{}, f).error().code(), ErrorCode::kInvalidArgument)
        << bad;
  }
  f.listen.reset();
  f.trusted_proxies = {"not-an-address"};
  EXPECT_EQ(ResolveServeOptions(ServeConfig{}, f).error().code(), ErrorCode::kInvalidArgument);
  f.trusted_proxies.clear();
  // A certificate without its key (one from a flag, the other missing).
  f.tls_cert = "/mine/c.pem";
  auto half = ResolveServeOptions(ServeConfig{}, f);
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.error().message().find("both"), std::string::npos);
  ServeConfig c;
  c.tls_key = "/etc/k.pem";  // the key from the configuration completes it
  EXPECT_TRUE(ResolveServeOptions(c, f).ok());
}

TEST(ServeConfigTest, TheRemoteSection) {
  auto c = ParseServeConfig(R"(
[remote]
bastion_principal = "gate"
bastion_address = "bastion.chu.example:22"
bastion_source_address = "10.1.0.5,10.2.0.0/16"
certificate_hours = 4
recording_recipients = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]
)",
                            "serve.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->remote.bastion_principal, "gate");
  EXPECT_EQ(c->remote.bastion_address, "bastion.chu.example:22");
  EXPECT_EQ(c->remote.bastion_source_address, "10.1.0.5/32,10.2.0.0/16");
  EXPECT_EQ(c->remote.max_certificate_seconds, 4 * 3600);
  EXPECT_EQ(c->remote.recording_recipients.size(), 1u);
  ServeFlags f;
  f.data = "/srv/cordon";
  EXPECT_EQ(ResolveServeOptions(*c, f)->api.remote.bastion_principal, "gate");
  EXPECT_EQ(ParseServeConfig("", "s.toml")->remote.bastion_principal, "bastion");
  for (const char* bad :
       {"[remote]\nrecording_recipients = [\"age1nope\"]\n", "[remote]\ncertificate_hours = 9\n",
        "[remote]\nbastion_principal = \"a b\"\n", "[remote]\nbastion_source_address = \"x\"\n",
        "[remote]\nrecipients = []\n"}) {
    auto r = ParseServeConfig(bad, "s.toml");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("line 2"), std::string::npos) << r.error().message();
  }
}

TEST(ServeConfigTest, TheMailSection) {
  auto c = ParseServeConfig(R"([mail]
relay = "smtp://relay.chu.example:587"
from = "cordon@vendor.example"
ca_file = "/etc/cordon/relay-ca.pem"
user = "cordon"
password_file = "/etc/cordon/relay.password"
)",
                            "serve.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->mail.relay, "smtp://relay.chu.example:587");
  EXPECT_EQ(c->mail.from, "cordon@vendor.example");
  EXPECT_EQ(c->mail.ca_file, "/etc/cordon/relay-ca.pem");
  EXPECT_EQ(c->mail.user, "cordon");
  EXPECT_EQ(c->mail.password_file, "/etc/cordon/relay.password");
  auto o = ResolveServeOptions(*c, DataOnly());
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_TRUE(o->mail.on());
  EXPECT_EQ(o->mail.user, "cordon");

  // Flags win over the file.
  ServeFlags f = DataOnly();
  f.smtp_relay = "smtps://other.example";
  f.mail_from = "notices@vendor.example";
  f.smtp_ca_file = "/mine/ca.pem";
  o = ResolveServeOptions(*c, f);
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->mail.relay, "smtps://other.example");
  EXPECT_EQ(o->mail.from, "notices@vendor.example");
  EXPECT_EQ(o->mail.ca_file, "/mine/ca.pem");

  // Half a section, a typo, a user without a password file: errors.
  for (const char* bad :
       {"[mail]\nrelay = \"smtp://r.example\"\n", "[mail]\nfrom = \"a@b.example\"\n",
        "[mail]\nrelay = \"smtp://r.example\"\nfrom = \"a@b.example\"\nport = 25\n",
        "[mail]\nrelay = \"smtp://r.example\"\nfrom = \"a@b.example\"\nuser = \"u\"\n"}) {
    EXPECT_FALSE(ParseServeConfig(bad, "serve.toml").ok()) << bad;
  }
  // Off by default; a sender alone, or one that is not an address, refused.
  o = ResolveServeOptions(ServeConfig{}, DataOnly());
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->mail.on());
  f = DataOnly();
  f.mail_from = "a@b.example";
  EXPECT_EQ(ResolveServeOptions(ServeConfig{}, f).error().code(), ErrorCode::kInvalidArgument);
  f.smtp_relay = "smtp://r.example";
  f.mail_from = "A <a@b.example>";
  EXPECT_EQ(ResolveServeOptions(ServeConfig{}, f).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cordon::serve
