#include "net/smtp_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <tuple>

#include "core/file.h"
#include "serve/tls_identity.h"

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

class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/cordon-smtp-test-XXXXXX";
    EXPECT_NE(mkdtemp(tmpl), nullptr);
    path_ = tmpl;
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ + "/" + name) << text;
    return path_ + "/" + name;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A CA file is what OpenSSL parses, not what holds the marker (re-attack F3).
TEST(CaFile, TakesParsedCertificatesOnly) {
  ScratchDir dir;
  auto tls = serve::LoadOrCreateTlsIdentity(dir.path(), "relay.example",
                                            static_cast<int64_t>(time(nullptr)));
  ASSERT_TRUE(tls.ok()) << tls.error().message();
  auto pem = ReadFileLimited(tls->cert_file, 1 << 20);
  ASSERT_TRUE(pem.ok());
  const std::string cert(pem->begin(), pem->end());
  EXPECT_TRUE(CheckCaFile(tls->cert_file).ok());
  EXPECT_TRUE(CheckCaFile(dir.Write("two.pem", "# internal CAs\n" + cert + "\n" + cert)).ok());
  const std::string marker_only =
      "-----BEGIN CERTIFICATE-----\nMIIBbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
  for (const auto& [name, text, says] :
       {std::tuple<std::string, std::string, std::string>{"empty.pem", "", "no PEM certificate"},
        {"text.pem", "not a certificate\n", "no PEM certificate"},
        {"marker.pem", marker_only, "does not parse"},
        {"second.pem", cert + marker_only, "does not parse"},
        {"cut.pem", cert.substr(0, cert.size() / 2), "does not parse"},
        // Blocks the certificate reader alone would skip, and libcurl not.
        {"crl.pem", cert + "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n",
         "does not parse"},
        {"key.pem", cert + "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
         "does not parse"}}) {
    Status s = CheckCaFile(dir.Write(name, text));
    ASSERT_FALSE(s.ok()) << name;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument) << name;
    EXPECT_NE(s.error().message().find(says), std::string::npos) << s.error().message();
  }
  EXPECT_FALSE(CheckCaFile(dir.path() + "/missing.pem").ok());
  // A FIFO would block the start: refused without opening it for good.
  ASSERT_EQ(mkfifo((dir.path() + "/fifo.pem").c_str(), 0600), 0);
  Status fifo = CheckCaFile(dir.path() + "/fifo.pem");
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.error().message().find("pipe"), std::string::npos) << fifo.error().message();
}

// A relay that takes the whole message and then never answers: libcurl
// calls no progress callback while it waits (up to 2 minutes), so a
// stopping exchange would wait with it (re-attack F2). The transfer ends on
// `stop`, with the reason saying so, not on a timeout.
TEST(SendMail, StopsWhileARelayStallsAfterTheMessage) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::atomic<bool> stop{false};
  std::thread relay([&] {
    const int c = accept(listener, nullptr, nullptr);
    if (c < 0) return;
    auto say = [&](const std::string& line) { (void)!write(c, line.data(), line.size()); };
    say("220 relay.example ESMTP\r\n");
    std::string got;
    char buf[4096];
    bool in_data = false;
    while (true) {
      const ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      size_t end;
      while (!in_data && (end = got.find("\r\n")) != std::string::npos) {
        const std::string line = got.substr(0, end);
        got.erase(0, end + 2);
        if (line.rfind("EHLO", 0) == 0) {
          say("250 relay.example\r\n");
        } else if (line == "DATA") {
          say("354 go on\r\n");
          in_data = true;
        } else {
          say("250 ok\r\n");
        }
      }
      // The message's end: no answer, ever; the exchange is told to stop.
      if (in_data && got.find("\r\n.\r\n") != std::string::npos) stop = true;
    }
    close(c);
  });
  SmtpRelay r;
  r.endpoint = *ParseSmtpUrl("smtp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  r.timeout = std::chrono::seconds(600);
  Status s = SendMail(r, "a@b.example", "c@d.example", "Subject: x\r\n\r\nbody\r\n", &stop);
  shutdown(listener, SHUT_RDWR);  // an accept still waiting returns
  close(listener);
  relay.join();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("stopping"), std::string::npos) << s.error().message();
}

}  // namespace
}  // namespace cordon::net
