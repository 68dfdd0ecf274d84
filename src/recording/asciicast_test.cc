#include "recording/asciicast.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace cordon::recording {
namespace {

using std::chrono::microseconds;

// A reference decoder written differently from the writer's: at each
// position, try every length 1–4, decode the code point naively, and keep
// it only if it re-encodes to the same bytes (no overlong) and is a scalar
// value; otherwise one U+FFFD for the byte.
std::string ReferenceDecode(ByteView in) {
  auto encode = [](uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
      s += char(cp);
    } else if (cp < 0x800) {
      s += char(0xC0 | (cp >> 6));
      s += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += char(0xE0 | (cp >> 12));
      s += char(0x80 | ((cp >> 6) & 0x3F));
      s += char(0x80 | (cp & 0x3F));
    } else {
      s += char(0xF0 | (cp >> 18));
      s += char(0x80 | ((cp >> 12) & 0x3F));
      s += char(0x80 | ((cp >> 6) & 0x3F));
      s += char(0x80 | (cp & 0x3F));
    }
    return s;
  };
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    bool found = false;
    for (size_t len = 1; len <= 4 && i + len <= in.size() && !found; ++len) {
      uint32_t cp = 0;
      const uint8_t b0 = in[i];
      if (len == 1) cp = b0;
      if (len == 2) cp = b0 & 0x1F;
      if (len == 3) cp = b0 & 0x0F;
      if (len == 4) cp = b0 & 0x07;
      for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (in[i + k] & 0x3F);
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) continue;
      const std::string enc = encode(cp);
      if (enc.size() == len && std::memcmp(enc.data(), in.data() + i, len) == 0) {
        out += enc;
        i += len;
        found = true;
      }
    }
    if (!found) {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

struct Parsed {
  nlohmann::json header;
  std::vector<nlohmann::json> events;
};

Parsed ParseLines(const std::string& text) {
  Parsed p;
  std::istringstream in(text);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);  // throws (fails the test) on invalid JSON or UTF-8
    if (first) {
      p.header = j;
      first = false;
    } else {
      p.events.push_back(j);
    }
  }
  return p;
}

TEST(AsciicastTest, HeaderHasTheV2FieldsAndEscapedTitle) {
  AsciicastHeader h{.width = 120,
                    .height = 40,
                    .timestamp = 1700000000,
                    .term = "xterm-256color",
                    .title = "pacs01 \"grant 42\"\n"};
  const std::string line = EncodeAsciicastHeader(h);
  ASSERT_EQ(line.back(), '\n');
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["version"], 2);
  EXPECT_EQ(j["width"], 120);
  EXPECT_EQ(j["height"], 40);
  EXPECT_EQ(j["timestamp"], 1700000000);
  EXPECT_EQ(j["env"]["TERM"], "xterm-256color");
  EXPECT_EQ(j["title"], "pacs01 \"grant 42\"\n");
  EXPECT_NE(line.find("\\n"), std::string::npos);
}

TEST(AsciicastTest, HeaderWithoutTitleOmitsIt) {
  auto j = nlohmann::json::parse(EncodeAsciicastHeader({}));
  EXPECT_FALSE(j.contains("title"));
  EXPECT_TRUE(j["env"].is_object());
}

TEST(AsciicastTest, TimeHasSixDecimals) {
  EXPECT_EQ(FormatEventTime(microseconds(0)), "0.000000");
  EXPECT_EQ(FormatEventTime(microseconds(12000345)), "12.000345");
  EXPECT_EQ(FormatEventTime(microseconds(-5)), "0.000000");
}

TEST(AsciicastTest, ControlCharactersAreEscapedAsUnicode) {
  std::string out;
  AppendJsonString(out, std::string("a\x1b[0m\r\n\t\"\\\x7f\0z", 13));
  EXPECT_EQ(out, R"("a\u001b[0m\r\n\t\"\\\u007f\u0000z")");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(),
            std::string("a\x1b[0m\r\n\t\"\\\x7f\0z", 13));
}

TEST(AsciicastTest, WriterWritesEventsInOrder) {
  MemorySink sink;
  auto w = AsciicastWriter::Create({.width = 80, .height = 24}, sink);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Event(microseconds(1500), EventType::kOutput, AsBytes("hi\r\n")).ok());
  ASSERT_TRUE((*w)->Event(microseconds(2000000), EventType::kInput, AsBytes("ls\r")).ok());
  ASSERT_TRUE((*w)->Event(microseconds(2500000), EventType::kResize, AsBytes("100x30")).ok());
  // A clock that went backwards does not make times go backwards.
  ASSERT_TRUE((*w)->Event(microseconds(1000), EventType::kOutput, AsBytes("x")).ok());
  ASSERT_TRUE((*w)->Close().ok());
  Parsed p = ParseLines(sink.str());
  ASSERT_EQ(p.events.size(), 4u);
  EXPECT_EQ(p.events[0], nlohmann::json::parse(R"([0.0015, "o", "hi\r\n"])"));
  EXPECT_EQ(p.events[1], nlohmann::json::parse(R"([2.0, "i", "ls\r"])"));
  EXPECT_EQ(p.events[2], nlohmann::json::parse(R"([2.5, "r", "100x30"])"));
  EXPECT_EQ(p.events[3][0], 2.5);
  EXPECT_NE(sink.str().find("[0.001500, \"o\", \"hi\\r\\n\"]\n"), std::string::npos);
}

TEST(AsciicastTest, SplitSequenceIsCarriedToTheNextEvent) {
  MemorySink sink;
  auto w = AsciicastWriter::Create({}, sink);
  ASSERT_TRUE(w.ok());
  const std::string euro = "\xE2\x82\xAC";  // €
  ASSERT_TRUE(
      (*w)->Event(microseconds(1), EventType::kOutput, AsBytes("a" + euro.substr(0, 2))).ok());
  // Input has its own carry: it does not complete the output's sequence.
  ASSERT_TRUE((*w)->Event(microseconds(2), EventType::kInput, AsBytes(euro.substr(2))).ok());
  ASSERT_TRUE((*w)->Event(microseconds(3), EventType::kOutput, AsBytes(euro.substr(2) + "b")).ok());
  ASSERT_TRUE((*w)->Close().ok());
  Parsed p = ParseLines(sink.str());
  ASSERT_EQ(p.events.size(), 3u);
  EXPECT_EQ(p.events[0][2], "a");
  EXPECT_EQ(p.events[1][2], "\xEF\xBF\xBD");  // a lone continuation byte
  EXPECT_EQ(p.events[2][2], euro + "b");
}

TEST(AsciicastTest, InvalidBytesBecomeReplacementCharacters) {
  Utf8Carry c;
  // Overlong "/", a surrogate, above U+10FFFF, a stray continuation, 0xFF.
  EXPECT_EQ(
      c.Feed(AsBytes(std::string("\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|\x80|\xFF"))),
      ReferenceDecode(AsBytes(std::string("\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|\x80|\xFF"))));
  EXPECT_EQ(c.Feed(AsBytes(std::string("\xC3"))), "");
  EXPECT_EQ(c.carried(), 1u);
  // An incomplete sequence followed by a byte that cannot continue it.
  EXPECT_EQ(c.Feed(AsBytes(std::string("A"))),
            "\xEF\xBF\xBD"
            "A");
  EXPECT_EQ(c.Feed(AsBytes(std::string("\xF0\x9F\x98"))), "");
  EXPECT_EQ(c.Flush(), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

// Property: however terminal bytes are split into reads, the events'
// concatenated text is the reference decoding of the whole stream, and
// every line is valid JSON (which nlohmann checks, UTF-8 included).
TEST(AsciicastTest, SplitInvarianceAgainstReferenceDecoder) {
  std::mt19937 rng(1234);
  const std::vector<std::string> pieces = {
      "a",           "\n", "\x1b[", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xED\x9F\xBF",
      "\xEF\xBF\xBF"};
  for (int round = 0; round < 400; ++round) {
    Bytes data;
    const int n = std::uniform_int_distribution<int>(0, 60)(rng);
    for (int i = 0; i < n; ++i) {
      if (rng() % 3 == 0) {
        data.push_back(static_cast<uint8_t>(rng()));  // any byte
      } else {
        const std::string& p = pieces[rng() % pieces.size()];
        data.insert(data.end(), p.begin(), p.end());
      }
    }
    MemorySink sink;
    auto w = AsciicastWriter::Create({}, sink);
    ASSERT_TRUE(w.ok());
    size_t pos = 0;
    int64_t t = 0;
    while (pos < data.size()) {
      const size_t len = std::min<size_t>(data.size() - pos, 1 + rng() % 7);
      ASSERT_TRUE(
          (*w)->Event(microseconds(t++), EventType::kOutput, ByteView(data).subspan(pos, len))
              .ok());
      pos += len;
    }
    ASSERT_TRUE((*w)->Close().ok());
    std::string got;
    for (const auto& e : ParseLines(sink.str()).events) got += e[2].get<std::string>();
    ASSERT_EQ(got, ReferenceDecode(data)) << "round " << round;
  }
}

// A byte-at-a-time JSON string escape, as the writer's was before it skipped
// runs a word at a time.
std::string ReferenceEscape(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    char buf[8];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Every byte that ends a plain run, at every offset of the words the writer
// skips, after and before plain text of every length up to three words.
TEST(AsciicastTest, EverySpecialByteAtEveryOffsetIsEscaped) {
  std::string specials = "\"\\\x7f";
  for (int c = 0; c < 0x20; ++c) specials += static_cast<char>(c);
  for (char special : specials) {
    for (size_t before = 0; before < 24; ++before) {
      for (size_t after : {0, 1, 7, 8, 9, 17}) {
        const std::string text =
            std::string(before, 'a') + special + std::string(after, '\xC3') + "z";
        std::string json;
        AppendJsonString(json, text);
        ASSERT_EQ(json, ReferenceEscape(text)) << int(special) << " after " << before;
      }
    }
  }
  // Bytes just past the ranges: 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7E, 0x80 need no escape.
  const std::string near = std::string(16, ' ') + "!#[]~\x80" + std::string(16, '~');
  std::string json;
  AppendJsonString(json, near);
  EXPECT_EQ(json, "\"" + near + "\"");
}

// The writer copies runs that need neither decoding nor escaping at once:
// long runs, with every byte that breaks one at their edges, must come out
// exactly as a byte-at-a-time escape of the reference decoding.
TEST(AsciicastTest, LongRunsMatchByteAtATimeDecodingAndEscaping) {
  std::mt19937 rng(99);
  const std::vector<std::string> breakers = {"\"",       "\\",   "\x7f", "\xC3\xA9",
                                             "\xE2\x82", "\xFF", "\x80", "\xF0\x9F\x98\x80"};
  for (int round = 0; round < 200; ++round) {
    Bytes data;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 20); i < n; ++i) {
      for (size_t k = 0, run = rng() % 300; k < run; ++k) data.push_back(0x20 + rng() % 0x5F);
      if (rng() % 2) {
        data.push_back(static_cast<uint8_t>(rng() % 0x20));  // a control
      } else {
        const std::string& b = breakers[rng() % breakers.size()];
        data.insert(data.end(), b.begin(), b.end());
      }
    }
    std::string json;
    AppendJsonString(json, std::string(data.begin(), data.end()));
    EXPECT_EQ(json, ReferenceEscape(std::string(data.begin(), data.end()))) << "round " << round;
    Utf8Carry carry;
    std::string decoded;
    for (size_t pos = 0; pos < data.size();) {
      const size_t len = std::min<size_t>(data.size() - pos, 1 + rng() % 700);
      decoded += carry.Feed(ByteView(data).subspan(pos, len));
      pos += len;
    }
    decoded += carry.Flush();
    ASSERT_EQ(decoded, ReferenceDecode(data)) << "round " << round;
  }
}

// FeedView is Feed without the copy: the same text whatever the split, a view
// of the caller's bytes when they are valid, the scratch string otherwise.
TEST(AsciicastTest, FeedViewIsFeedWithoutACopyOfValidText) {
  Utf8Carry view_carry;
  std::string scratch;
  const std::string valid = "ab\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" + std::string(40, 'x');
  std::string_view v = view_carry.FeedView(AsBytes(valid), scratch);
  EXPECT_EQ(v, valid);
  EXPECT_EQ(static_cast<const void*>(v.data()), static_cast<const void*>(valid.data()));
  // A split sequence: the valid part is still a view, the tail is carried.
  const std::string split = "abc\xE2\x82";
  v = view_carry.FeedView(AsBytes(split), scratch);
  EXPECT_EQ(v, "abc");
  EXPECT_EQ(static_cast<const void*>(v.data()), static_cast<const void*>(split.data()));
  EXPECT_EQ(view_carry.carried(), 2u);
  // With something carried, or an invalid byte, the text is built in scratch.
  v = view_carry.FeedView(AsBytes(std::string("\xAC!")), scratch);
  EXPECT_EQ(v, "\xE2\x82\xAC!");
  EXPECT_EQ(static_cast<const void*>(v.data()), static_cast<const void*>(scratch.data()));
  v = view_carry.FeedView(AsBytes(std::string("a\xFF"
                                              "b")),
                          scratch);
  EXPECT_EQ(v,
            "a\xEF\xBF\xBD"
            "b");

  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {
      "a", "\n", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xED\xA0\x80", "\xFF"};
  for (int round = 0; round < 300; ++round) {
    Bytes data;
    for (int i = 0, n = static_cast<int>(rng() % 80); i < n; ++i) {
      const std::string& p = pieces[rng() % pieces.size()];
      data.insert(data.end(), p.begin(), p.end());
    }
    Utf8Carry a, b;
    std::string fed, viewed;
    for (size_t pos = 0; pos < data.size();) {
      const size_t len = std::min<size_t>(data.size() - pos, 1 + rng() % 9);
      fed += a.Feed(ByteView(data).subspan(pos, len));
      viewed += b.FeedView(ByteView(data).subspan(pos, len), scratch);
      ASSERT_EQ(a.carried(), b.carried()) << "round " << round;
      pos += len;
    }
    ASSERT_EQ(viewed, fed) << "round " << round;
    ASSERT_EQ(b.Flush(), a.Flush());
  }
}

Result<std::vector<AsciicastEvent>> ReadAllEvents(const std::string& text,
                                                  AsciicastHeader* header = nullptr) {
  MemorySource src(AsBytes(text));
  CORDON_ASSIGN_OR_RETURN(auto r, AsciicastReader::Open(src));
  if (header) *header = r->header();
  std::vector<AsciicastEvent> out;
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(auto e, r->Next());
    if (!e) return out;
    out.push_back(std::move(*e));
  }
}

TEST(AsciicastTest, ReaderReadsWhatTheWriterWrote) {
  MemorySink sink;
  auto w = AsciicastWriter::Create(
      {.width = 100, .height = 30, .timestamp = 5, .term = "vt100", .title = "t"}, sink);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Event(microseconds(1), EventType::kOutput, AsBytes("\x1b[1mhi\r\n")).ok());
  ASSERT_TRUE((*w)->Event(microseconds(1234567), EventType::kInput, AsBytes("\x03")).ok());
  ASSERT_TRUE((*w)->Event(microseconds(1234568), EventType::kResize, AsBytes("80x24")).ok());
  ASSERT_TRUE((*w)->Close().ok());
  AsciicastHeader h;
  auto events = ReadAllEvents(sink.str(), &h);
  ASSERT_TRUE(events.ok()) << events.error().message();
  EXPECT_EQ(h.width, 100);
  EXPECT_EQ(h.height, 30);
  EXPECT_EQ(h.timestamp, 5);
  EXPECT_EQ(h.term, "vt100");
  EXPECT_EQ(h.title, "t");
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].data, "\x1b[1mhi\r\n");
  EXPECT_EQ((*events)[1].time, microseconds(1234567));
  EXPECT_EQ((*events)[1].type, EventType::kInput);
  EXPECT_EQ((*events)[2].type, EventType::kResize);
}

TEST(AsciicastTest, ReaderRefusesMalformedInputWithTheLineNumber) {
  const std::string header = "{\"version\":2,\"width\":80,\"height\":24}\n";
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "empty input"},
      {"{\"version\":1,\"width\":80,\"height\":24}\n", "version 1"},
      {"{\"version\":2,\"width\":0,\"height\":24}\n", "width"},
      {"{\"version\":2,\"height\":24}\n", "\"width\""},
      {"[2]\n", "line 1: the header is not a JSON object"},
      {header + "[0.5, \"o\", \"a\"]\nnot json\n", "line 3: not valid JSON"},
      {header + "[0.5, \"o\"]\n", "line 2: an event must be"},
      {header + "[-1, \"o\", \"a\"]\n", "line 2: the event time"},
      {header + "[1, \"o\", \"a\"]\n[0.5, \"o\", \"a\"]\n",
       "line 3: the event time goes backwards"},
      {header + "[1, \"x\", \"a\"]\n", "line 2: the event type"},
      {header + "[1, \"o\", 5]\n", "line 2: the event data"},
      {header + "[1, \"r\", \"80 by 24\"]\n", "line 2: a resize"},
      {header + "[1, \"o\", \"\xFF\"]\n", "line 2: not valid JSON"},
      {header + "[1, \"o\", \"a\"]", "line 2: the last line has no newline"},
  };
  for (const Case& c : cases) {
    auto r = ReadAllEvents(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.error().message().find(c.message), std::string::npos)
        << c.text << " → " << r.error().message();
  }
}

}  // namespace
}  // namespace cordon::recording
