#include "serve/mail.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "core/encoding.h"

namespace cordon::serve {
namespace {

TEST(MailAddress, PlainAddressesOnly) {
  for (const char* ok : {"dpo@lab.example", "a.b+tag@x-y.example", "x@localhost",
                         "o'brien@hospital.example", "D.P.O@CHU.EXAMPLE"}) {
    EXPECT_TRUE(IsMailAddress(ok)) << ok;
  }
  // Whatever could carry a second address, a header or a line break.
  for (const char* bad : {"",
                          "dpo",
                          "@lab.example",
                          "dpo@",
                          "dpo@lab..example",
                          ".dpo@lab.example",
                          "dpo.@lab.example",
                          "d..po@lab.example",
                          "dpo@-lab.example",
                          "dpo@lab-.example",
                          "dpo@lab.example\r\nBcc: all@x.example",
                          "dpo@lab.example\n",
                          "\"dpo\"@lab.example",
                          "DPO <dpo@lab.example>",
                          "dpo@lab.example,other@x.example",
                          "dpo@[127.0.0.1]",
                          "dpo @lab.example",
                          "dpo@lab_example",
                          "dpô@lab.example",
                          "a@b@c.example",
                          "dpo@lab.example>",
                          "<dpo@lab.example"}) {
    EXPECT_FALSE(IsMailAddress(bad)) << bad;
  }
  EXPECT_TRUE(IsMailAddress(std::string(64, 'a') + "@x.example"));
  EXPECT_FALSE(IsMailAddress(std::string(65, 'a') + "@x.example"));
  EXPECT_FALSE(IsMailAddress("a@" + std::string(64, 'b') + ".example"));  // a label > 63
}

// The header block and the decoded body of a composed message.
struct Parsed {
  std::vector<std::string> headers;  // unfolded
  std::string body;
};

Parsed Parse(const std::string& message) {
  Parsed p;
  const size_t end = message.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos);
  std::string head = message.substr(0, end + 2);
  size_t at = 0;
  while (at < head.size()) {
    const size_t eol = head.find("\r\n", at);
    std::string line = head.substr(at, eol - at);
    if (!line.empty() && line[0] == ' ')
      p.headers.back() += line;
    else
      p.headers.push_back(line);
    at = eol + 2;
  }
  std::string b64;
  for (char c : message.substr(end + 4))
    if (c != '\r' && c != '\n') b64 += c;
  auto body = Base64Decode(b64);
  EXPECT_TRUE(body.ok());
  if (body.ok()) p.body = std::string(AsChars(*body));
  return p;
}

// The subject's text back from its encoded words.
std::string DecodeSubject(const std::string& header) {
  std::string out;
  size_t at = 0;
  while ((at = header.find("=?UTF-8?B?", at)) != std::string::npos) {
    const size_t end = header.find("?=", at + 10);
    auto text = Base64Decode(header.substr(at + 10, end - at - 10));
    EXPECT_TRUE(text.ok());
    // Each word holds whole UTF-8 characters (RFC 2047 §5).
    if (text.ok()) {
      const std::string word(AsChars(*text));
      EXPECT_NE(static_cast<unsigned char>(word[0]) & 0xC0, 0x80) << "a word starts mid-character";
      out += word;
    }
    at = end + 2;
  }
  return out;
}

TEST(ComposeMail, HeadersAndBodyReadBack) {
  Mail m = OrderSubmittedMail("dpo@lab.example", "LAB42-MIG", 3, "Laboratoire Alpha",
                              "https://cordon.lab.example");
  auto text = ComposeMail("cordon@vendor.example", m, 1796256000, "00ff");
  ASSERT_TRUE(text.ok()) << text.error().message();
  // Every line ends in CRLF and none is longer than RFC 5322's 78.
  size_t at = 0;
  while (at < text->size()) {
    const size_t eol = text->find("\r\n", at);
    ASSERT_NE(eol, std::string::npos);
    EXPECT_LE(eol - at, 78u) << text->substr(at, eol - at);
    EXPECT_EQ(text->substr(at, eol - at).find('\n'), std::string::npos);
    at = eol + 2;
  }
  const Parsed p = Parse(*text);
  auto has = [&](const std::string& h) {
    return std::find(p.headers.begin(), p.headers.end(), h) != p.headers.end();
  };
  EXPECT_TRUE(has("Date: Thu, 03 Dec 2026 00:00:00 +0000"));
  EXPECT_TRUE(has("From: cordon@vendor.example"));
  EXPECT_TRUE(has("To: dpo@lab.example"));
  EXPECT_TRUE(has("Message-ID: <00ff@vendor.example>"));
  EXPECT_TRUE(has("Auto-Submitted: auto-generated"));
  EXPECT_TRUE(has("Content-Transfer-Encoding: base64"));
  std::string subject;
  for (const auto& h : p.headers)
    if (h.starts_with("Subject: ")) subject = DecodeSubject(h);
  EXPECT_EQ(subject,
            "Commande LAB42-MIG (version 3) à valider / Order LAB42-MIG (version 3) awaits your "
            "validation");
  EXPECT_NE(p.body.find("https://cordon.lab.example/ui/#order=LAB42-MIG\r\n"), std::string::npos);
  EXPECT_NE(p.body.find("Laboratoire Alpha"), std::string::npos);
  EXPECT_NE(p.body.find("attend votre validation"), std::string::npos);
  EXPECT_NE(p.body.find("awaits your validation"), std::string::npos);
}

TEST(ComposeMail, DateIsRfc5322InEveryLocale) {
  auto text = ComposeMail("a@b.example", {"c@d.example", "s", "b"}, 0, "01");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos);
}

TEST(ComposeMail, HostileTextStaysInert) {
  // A name or an organisation holding header breaks, a lone "." line (the
  // end of DATA), and a long line: none may shape the message.
  Mail m;
  m.to = "dpo@lab.example";
  m.subject = "Order é \xe2\x82\xac" + std::string(100, 'x') + "\xf0\x9f\x98\x80 end";
  m.body = "line\n.\nBcc: everyone@x.example\r\n\r\nQUIT\n" + std::string(2000, 'y');
  auto text = ComposeMail("cordon@vendor.example", m, 0, "ab");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find("\r\n.\r\n"), std::string::npos);
  EXPECT_EQ(text->find("Bcc"), std::string::npos);
  EXPECT_EQ(text->find("QUIT"), std::string::npos);
  const Parsed p = Parse(*text);
  EXPECT_EQ(p.body,
            "line\r\n.\r\nBcc: everyone@x.example\r\n\r\nQUIT\r\n" + std::string(2000, 'y'));
  std::string subject;
  for (const auto& h : p.headers)
    if (h.starts_with("Subject: ")) subject = DecodeSubject(h);
  EXPECT_EQ(subject, m.subject);

  m.subject = "two\r\nBcc: x@y.example";
  EXPECT_FALSE(ComposeMail("cordon@vendor.example", m, 0, "ab").ok());
  m.subject = "ok";
  m.to = "dpo@lab.example\r\nBcc: x@y.example";
  EXPECT_FALSE(ComposeMail("cordon@vendor.example", m, 0, "ab").ok());
  m.to = "dpo@lab.example";
  EXPECT_FALSE(ComposeMail("Cordon <cordon@vendor.example>", m, 0, "ab").ok());
  EXPECT_FALSE(ComposeMail("cordon@vendor.example", m, 0, "ab>\r\nX: y").ok());
}

TEST(OrderSubmittedMail, WithoutOriginSaysWhereToGo) {
  Mail m = OrderSubmittedMail("dpo@lab.example", "O-1", 1, "Lab", "");
  EXPECT_EQ(m.body.find("http"), std::string::npos);
  EXPECT_NE(m.body.find("Ouvrez les pages"), std::string::npos);
  EXPECT_NE(m.body.find("Open the cordon exchange's pages"), std::string::npos);
}

struct Delivered {
  std::mutex mu;
  std::vector<std::string> to, messages;
};

TEST(Mailer, SendsInOrderRetriesAndLogsFailures) {
  auto delivered = std::make_shared<Delivered>();
  auto log = std::make_shared<std::vector<std::string>>();
  auto log_mu = std::make_shared<std::mutex>();
  std::atomic<int> calls{0};
  {
    MailOptions o;
    o.from = "cordon@vendor.example";
    o.retry_after = std::chrono::milliseconds(1);
    o.clock = [] { return int64_t{0}; };
    o.log = [log, log_mu](std::string_view m) {
      std::lock_guard lock(*log_mu);
      log->emplace_back(m);
    };
    o.deliver = [&calls, delivered](const std::string&, const std::string& to,
                                    const std::string& message,
                                    const std::atomic<bool>&) -> Status {
      // The first attempt of each mail fails: the second gets through;
      // mails to "never@" never do.
      const int n = ++calls;
      if (to.starts_with("never@") || n % 2 == 1) return Error(ErrorCode::kIo, "relay down");
      std::lock_guard lock(delivered->mu);
      delivered->to.push_back(to);
      delivered->messages.push_back(message);
      return Ok();
    };
    auto mailer = Mailer::Open(std::move(o));
    ASSERT_TRUE(mailer.ok());
    (*mailer)->Send({"a@x.example", "s", "b"});
    (*mailer)->Send({"not an address", "s", "b"});
    (*mailer)->Send({"b@x.example", "s", "b"});
    // Retries happen while the server runs (a stopping one tries once).
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(delivered->mu);
        if (delivered->to.size() == 2) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  std::lock_guard lock(delivered->mu);
  EXPECT_EQ(delivered->to, (std::vector<std::string>{"a@x.example", "b@x.example"}));
  ASSERT_FALSE(log->empty());
  EXPECT_NE((*log)[0].find("not a plain e-mail address"), std::string::npos);
}

TEST(Mailer, GivesUpAfterItsAttemptsAndSaysSo) {
  auto log = std::make_shared<std::vector<std::string>>();
  std::atomic<int> calls{0};
  {
    MailOptions o;
    o.from = "cordon@vendor.example";
    o.attempts = 3;
    o.retry_after = std::chrono::milliseconds(1);
    o.log = [log](std::string_view m) { log->emplace_back(m); };
    o.deliver = [&calls](const std::string&, const std::string&, const std::string&,
                         const std::atomic<bool>&) -> Status {
      ++calls;
      return Error(ErrorCode::kIo, "relay down");
    };
    auto mailer = Mailer::Open(std::move(o));
    ASSERT_TRUE(mailer.ok());
    (*mailer)->Send({"a@x.example", "s", "b"});
    // Let the sender thread take it before the destructor asks it to stop.
    for (int i = 0; i < 500 && calls < 3; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(calls, 3);
  ASSERT_EQ(log->size(), 1u);
  EXPECT_NE((*log)[0].find("could not be sent (relay down)"), std::string::npos);
}

TEST(Mailer, StoppingDoesNotWaitForASlowRelay) {
  auto log = std::make_shared<std::vector<std::string>>();
  auto log_mu = std::make_shared<std::mutex>();
  std::atomic<int> started{0};
  std::atomic<bool> aborted{false};
  {
    MailOptions o;
    o.from = "cordon@vendor.example";
    o.log = [log, log_mu](std::string_view m) {
      std::lock_guard lock(*log_mu);
      log->emplace_back(m);
    };
    // A relay that takes each mail after a minute, unless told to stop.
    o.deliver = [&started, &aborted](const std::string&, const std::string&, const std::string&,
                                     const std::atomic<bool>& stop) -> Status {
      ++started;
      for (int i = 0; i < 6000 && !stop; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      aborted = stop.load();
      return stop ? Status(Error(ErrorCode::kIo, "stopped")) : Ok();
    };
    auto mailer = Mailer::Open(std::move(o));
    ASSERT_TRUE(mailer.ok());
    for (int i = 0; i < 5; ++i) (*mailer)->Send({"a@x.example", "s", "b"});
    for (int i = 0; i < 500 && started == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(aborted) << "the delivery in progress is told to stop, not waited for";
  EXPECT_EQ(started, 1) << "queued mails are not tried once stopping";
  std::lock_guard lock(*log_mu);
  bool said = false;
  for (const auto& line : *log) said = said || line.find("4 queued mails were not sent") == 0;
  EXPECT_TRUE(said) << "the mails left behind are reported";
}

TEST(Mailer, RefusesOptionsThatWouldLoseMail) {
  MailOptions o;
  o.from = "cordon@vendor.example";
  o.deliver = [](const std::string&, const std::string&, const std::string&,
                 const std::atomic<bool>&) { return Ok(); };
  EXPECT_FALSE(Mailer::Open(o).ok());  // no log
  o.log = [](std::string_view) {};
  o.from = "Cordon <cordon@vendor.example>";
  EXPECT_FALSE(Mailer::Open(o).ok());
  o.from = "cordon@vendor.example";
  o.deliver = nullptr;
  EXPECT_FALSE(Mailer::Open(o).ok());
}

}  // namespace
}  // namespace cordon::serve
