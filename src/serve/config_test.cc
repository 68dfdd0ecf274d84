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

}  // namespace
}  // namespace cordon::serve
