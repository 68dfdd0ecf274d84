#include "age/header.h"

#include "core/encoding.h"

namespace cordon::age {
namespace {

Error HeaderError(ErrorCode code, std::string_view why) {
  return Error(code, "header: " + std::string(why),
               "the file is not a valid age file, or it was damaged in transit");
}

bool IsVisibleAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

Result<std::string> NextLine(BufferedSource& in, size_t& total) {
  bool missing_newline = false;
  auto line = in.ReadLine(kMaxHeaderLine, &missing_newline);
  if (!line.ok()) return HeaderError(line.error().code(), line.error().message());
  if (!line->has_value() || missing_newline) {
    return HeaderError(ErrorCode::kTruncated, "ends before the header MAC line");
  }
  total += (*line)->size() + 1;
  if (total > kMaxHeaderSize) return HeaderError(ErrorCode::kLimitExceeded, "larger than 1 MiB");
  return std::move(**line);
}

Result<Stanza> ParseStanza(BufferedSource& in, std::string_view first, size_t& total,
                           std::string& mac_input) {
  Stanza stanza;
  std::string_view rest = first.substr(3);  // after "-> "
  std::vector<std::string> parts;
  for (;;) {
    size_t sp = rest.find(' ');
    std::string_view arg = rest.substr(0, sp);
    if (arg.empty() || !IsVisibleAscii(arg)) {
      return HeaderError(ErrorCode::kMalformed, "stanza has an empty or invalid argument");
    }
    parts.emplace_back(arg);
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  stanza.type = parts.front();
  stanza.args.assign(parts.begin() + 1, parts.end());
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(std::string line, NextLine(in, total));
    mac_input += line + "\n";
    if (line.size() > 64)
      return HeaderError(ErrorCode::kMalformed, "stanza body line longer than 64 columns");
    auto chunk = Base64Decode(line, Base64Padding::kUnpadded);
    if (!chunk.ok())
      return HeaderError(ErrorCode::kMalformed, "stanza body is not canonical base64");
    stanza.body.insert(stanza.body.end(), chunk->begin(), chunk->end());
    if (line.size() < 64) return stanza;  // a short line ends the body
  }
}

}  // namespace

Result<Header> ReadHeader(BufferedSource& in) {
  Header header;
  size_t total = 0;
  CORDON_ASSIGN_OR_RETURN(std::string version, NextLine(in, total));
  if (version != kVersionLine) {
    if (version.rfind("age-encryption.org/", 0) == 0) {
      return HeaderError(ErrorCode::kUnsupported, "unsupported age version");
    }
    return HeaderError(ErrorCode::kMalformed, "not an age file (no age-encryption.org/v1 line)");
  }
  header.mac_input = version + "\n";
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(std::string line, NextLine(in, total));
    if (line.rfind("-> ", 0) == 0) {
      header.mac_input += line + "\n";
      CORDON_ASSIGN_OR_RETURN(Stanza stanza, ParseStanza(in, line, total, header.mac_input));
      header.stanzas.push_back(std::move(stanza));
      continue;
    }
    if (line.rfind("--- ", 0) != 0) {
      return HeaderError(ErrorCode::kMalformed,
                         "expected a stanza (\"-> \") or the MAC line (\"--- \")");
    }
    header.mac_input += "---";
    auto mac = Base64Decode(std::string_view(line).substr(4), Base64Padding::kUnpadded);
    if (!mac.ok() || mac->size() != header.mac.size()) {
      return HeaderError(ErrorCode::kMalformed,
                         "the header MAC is not 32 bytes of canonical base64");
    }
    std::copy(mac->begin(), mac->end(), header.mac.begin());
    if (header.stanzas.empty()) return HeaderError(ErrorCode::kMalformed, "no recipient stanza");
    return header;
  }
}

std::string EncodeHeaderWithoutMac(const std::vector<Stanza>& stanzas) {
  std::string out = std::string(kVersionLine) + "\n";
  for (const Stanza& s : stanzas) {
    out += "-> " + s.type;
    for (const std::string& arg : s.args) out += " " + arg;
    out += "\n";
    std::string body = Base64Encode(s.body, Base64Padding::kUnpadded);
    size_t pos = 0;
    for (; body.size() - pos >= 64; pos += 64) out += body.substr(pos, 64) + "\n";
    out += body.substr(pos) + "\n";  // final short (maybe empty) line
  }
  out += "---";
  return out;
}

}  // namespace cordon::age
