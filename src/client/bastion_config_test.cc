#include "client/bastion_config.h"

#include <gtest/gtest.h>

namespace cordon::client {
namespace {

constexpr const char* kGood =
    "server = \"https://10.0.0.1:8443\"\n"
    "fingerprint = \"abc\"\n"
    "token_file = \"/etc/cordon/bastion.token\"\n"
    "known_hosts = \"/etc/cordon/known_hosts\"\n"
    "recordings = \"/var/lib/cordon/recordings\"\n";

TEST(BastionConfig, ReadsEveryKeyWithDefaults) {
  auto c = ParseBastionConfig(std::string(kGood) + "anchor_seconds = 5\ntarget_user = \"m\"\n",
                              "b.toml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->server, "https://10.0.0.1:8443");
  EXPECT_EQ(c->token_file, "/etc/cordon/bastion.token");
  EXPECT_EQ(c->anchor_seconds, 5);
  EXPECT_EQ(c->target_user, "m");
  EXPECT_EQ(c->ssh, "/usr/bin/ssh");
  auto d = ParseBastionConfig(kGood, "b.toml");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->anchor_seconds, 60);
  EXPECT_EQ(d->target_user, "cordon-maint");
}

TEST(BastionConfig, RefusesWhatWouldSilentlyFallBack) {
  // A misspelt key, a missing required one, a wrong type, a period out of
  // bounds, non-ASCII text: each an error naming the line.
  const std::string cases[] = {
      std::string(kGood) + "recording = \"/x\"\n",
      "server = \"https://h:1\"\ntoken_file = \"t\"\nknown_hosts = \"k\"\n",
      std::string(kGood) + "target_user = 7\n",
      std::string(kGood) + "anchor_seconds = 0\n",
      std::string(kGood) + "anchor_seconds = 61\n",
      std::string(kGood) + "anchor_seconds = \"5\"\n",
      std::string(kGood) + "ssh = \"/usr/bin/s\xc3\xa9\"\n",
      "server = [\n",
  };
  for (const auto& text : cases) {
    auto c = ParseBastionConfig(text, "b.toml");
    EXPECT_FALSE(c.ok()) << text;
    if (!c.ok()) {
      EXPECT_NE(c.error().message().find("b.toml"), std::string::npos) << text;
    }
  }
}

}  // namespace
}  // namespace cordon::client
