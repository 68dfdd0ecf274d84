#include "net/smtp_client.h"

#include <gtest/gtest.h>

namespace cordon::net {
namespace {

TEST(SmtpUrl, PortsAndTlsPolicy) {
  auto e = ParseSmtpUrl("smtp://Relay.CHU.example:587");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->host, "relay.chu.example");
  EXPECT_EQ(e->port, "587");
  EXPECT_FALSE(e->implicit_tls);
  EXPECT_TRUE(e->tls_required);  // STARTTLS, or nothing is sent
  EXPECT_EQ(e->Url(), "smtp://relay.chu.example:587");

  e = ParseSmtpUrl("smtp://relay.chu.example");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, "25");  // SMTP's, not HTTP's 80
  e = ParseSmtpUrl("smtps://relay.chu.example/");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, "465");
  EXPECT_TRUE(e->implicit_tls);
  EXPECT_EQ(e->Url(), "smtps://relay.chu.example:465");

  // Plain SMTP only to this machine's MTA.
  for (const char* local : {"smtp://127.0.0.1:2525", "smtp://localhost", "smtp://[::1]:25"}) {
    e = ParseSmtpUrl(local);
    ASSERT_TRUE(e.ok()) << local;
    EXPECT_FALSE(e->tls_required) << local;
  }
  e = ParseSmtpUrl("smtp://[::1]");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, "25");
  EXPECT_EQ(e->Url(), "smtp://[::1]:25");
  e = ParseSmtpUrl("smtp://localhost.attacker.example:25");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->tls_required);
  EXPECT_TRUE(ParseSmtpUrl("smtps://127.0.0.1")->tls_required);
}

TEST(SmtpUrl, RefusesWhatIsNotARelay) {
  for (const char* bad :
       {"", "relay.example:25", "http://relay.example", "https://relay.example",
        "file:///etc/passwd", "smtp://", "smtp://user:pw@relay.example", "smtp://relay.example:0",
        "smtp://relay.example:70000", "smtp://relay.example/path", "smtp://relay.example?x=1",
        "smtp://[::1", "SMTP-x://relay.example", "smtp://relay.example#x", "smtp://rel ay.example",
        "smtp://relay.example\r\n", "smtp://%6c%6fcalhost", "smtp://relay_x.example",
        "smtp://relay.example\\@evil.example"}) {
    auto e = ParseSmtpUrl(bad);
    EXPECT_FALSE(e.ok()) << bad;
    if (!e.ok()) {
      EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument) << bad;
    }
  }
}

TEST(SmtpUrl, ErrorsNameTheUrlGiven) {
  auto e = ParseSmtpUrl("smtp://relay.example:99999");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message().rfind("smtp://relay.example:99999: ", 0), 0u)
      << e.error().message();
}

TEST(SendMail, AnUnreachableRelayIsAnIoError) {
  // A loopback port nothing listens on (the discard port, unprivileged
  // tests cannot bind it and no Debian service does by default).
  SmtpRelay relay;
  relay.endpoint = *ParseSmtpUrl("smtp://127.0.0.1:9");
  relay.timeout = std::chrono::seconds(5);
  Status s = SendMail(relay, "a@b.example", "c@d.example", "Subject: x\r\n\r\nbody\r\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kIo);
  EXPECT_NE(s.error().message().find("smtp://127.0.0.1:9"), std::string::npos)
      << s.error().message();
}

}  // namespace
}  // namespace cordon::net
