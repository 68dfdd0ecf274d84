#include "recording/verify.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "age/header.h"
#include "core/buffered_source.h"
#include "core/encoding.h"
#include "core/file.h"

namespace cordon::recording {
namespace {

constexpr size_t kPayloadNonceSize = 16;

// The header unit is at most an age header and a nonce.
constexpr size_t kMaxHeaderUnit = age::kMaxHeaderSize + kPayloadNonceSize;

Error Tampered(std::string message) { return Error(ErrorCode::kAuthFailed, std::move(message)); }

std::string Range(uint64_t from, uint64_t to) {
  return "bytes " + std::to_string(from) + "–" + std::to_string(to);
}

// Reads the start of the file and returns unit 0 (the age header and the
// payload nonce), leaving what followed it in *rest.
Result<Bytes> ReadHeaderUnit(ByteSource& in, Bytes* rest) {
  Bytes start(kMaxHeaderUnit);
  CORDON_ASSIGN_OR_RETURN(size_t n, ReadFull(in, start));
  start.resize(n);
  MemorySource mem(start);
  BufferedSource buffered(mem);
  auto header = age::ReadHeader(buffered);
  if (!header.ok()) {
    return Error(header.error().code() == ErrorCode::kTruncated ? ErrorCode::kTruncated
                                                                : ErrorCode::kMalformed,
                 "the file does not start with an age header (" + header.error().message() + ")");
  }
  // The MAC line is "--- " + 43 base64 characters + "\n"; mac_input ends at "---".
  const size_t unit0 = header->mac_input.size() + 1 + 43 + 1 + kPayloadNonceSize;
  if (start.size() < unit0) {
    return Error(ErrorCode::kTruncated, "the file ends inside its age header and payload nonce");
  }
  rest->assign(start.begin() + static_cast<std::ptrdiff_t>(unit0), start.end());
  start.resize(unit0);
  return start;
}

Status CheckOrder(const std::vector<Anchor>& anchors) {
  if (anchors.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no anchor to verify the recording against");
  }
  for (size_t i = 0; i < anchors.size(); ++i) {
    const Anchor& a = anchors[i];
    if (a.chunks == 0) {
      return Error(ErrorCode::kInvalidArgument,
                   "anchor " + std::to_string(i + 1) + " covers no chunk (the header is chunk 0)");
    }
    if (i > 0 && (a.chunks < anchors[i - 1].chunks || a.bytes < anchors[i - 1].bytes)) {
      return Error(ErrorCode::kInvalidArgument,
                   "anchor " + std::to_string(i + 1) + " comes before anchor " + std::to_string(i) +
                       " in the file: anchors must be given in the order they were taken");
    }
  }
  return Ok();
}

// The first anchor the file's chain does not match.
struct Mismatch {
  size_t index;   // into anchors
  Anchor actual;  // the file's chain at that chunk count
};

}  // namespace

nlohmann::json AnchorToJson(const Anchor& anchor) {
  nlohmann::json j = {{"chunks", anchor.chunks}, {"bytes", anchor.bytes}, {"head", anchor.head}};
  if (!anchor.header_sha256.empty()) j["header_sha256"] = anchor.header_sha256;
  return j;
}

Result<Anchor> AnchorFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Error(ErrorCode::kMalformed, "an anchor must be a JSON object");
  Anchor a;
  for (const char* name : {"chunks", "bytes"}) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_number_unsigned()) {
      return Error(ErrorCode::kMalformed,
                   std::string("an anchor's \"") + name + "\" must be a non-negative integer");
    }
    (std::string_view(name) == "chunks" ? a.chunks : a.bytes) = it->get<uint64_t>();
  }
  auto hex_field = [&](const char* name, bool required, std::string* out) -> Status {
    auto it = j.find(name);
    if (it == j.end() && !required) return Ok();
    if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().size() != 64 ||
        !HexDecode(it->get_ref<const std::string&>()).ok()) {
      return Error(ErrorCode::kMalformed,
                   std::string("an anchor's \"") + name + "\" must be 64 hex digits");
    }
    *out = it->get<std::string>();
    for (char& c : *out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return Ok();
  };
  CORDON_TRY(hex_field("head", true, &a.head));
  CORDON_TRY(hex_field("header_sha256", false, &a.header_sha256));
  return a;
}

Result<AnchorSet> ParseAnchorSet(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(ErrorCode::kMalformed, "anchors: not a JSON object",
                 R"(expected {"ended": true|false, "anchors": [{"chunks", "bytes", "head"}, …]})");
  }
  AnchorSet set;
  auto ended = j.find("ended");
  if (ended == j.end() || !ended->is_boolean()) {
    return Error(ErrorCode::kMalformed, "anchors: \"ended\" must be true or false");
  }
  set.ended = ended->get<bool>();
  auto list = j.find("anchors");
  if (list == j.end() || !list->is_array()) {
    return Error(ErrorCode::kMalformed, "anchors: \"anchors\" must be an array");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    auto a = AnchorFromJson((*list)[i]);
    if (!a.ok()) return a.error().WithContext("anchors: anchor " + std::to_string(i + 1));
    set.anchors.push_back(std::move(*a));
  }
  return set;
}

std::string VerifyReport::Summary() const {
  const std::string where =
      std::to_string(last.chunks) + " chunks, " + std::to_string(last.bytes) + " bytes";
  if (ended) {
    return "verified: the recording is complete and unchanged (" + where + ", " +
           std::to_string(anchors) + " anchors)";
  }
  return "verified up to anchor " + std::to_string(anchors) + " (" + where + "); " +
         std::to_string(unanchored_bytes) +
         " bytes after it are not anchored (the session has no end event)";
}

Result<VerifyReport> VerifyRecording(ByteSource& in, const std::vector<Anchor>& anchors,
                                     bool ended) {
  CORDON_TRY(CheckOrder(anchors));
  Bytes rest;
  auto unit0 = ReadHeaderUnit(in, &rest);
  if (!unit0.ok()) return Tampered("chunk 0 (the age header): " + unit0.error().message());
  ChunkChain chain(*unit0);

  VerifyReport report;
  report.ended = ended;
  report.header_sha256 = chain.anchor().header_sha256;
  std::optional<Mismatch> mismatch;
  size_t next = 0;  // the first anchor not yet matched
  auto check = [&]() {
    const Anchor actual = chain.anchor();
    while (!mismatch && next < anchors.size() && anchors[next].chunks == actual.chunks) {
      const Anchor& want = anchors[next];
      const bool header_ok =
          want.header_sha256.empty() || want.header_sha256 == actual.header_sha256;
      if (want.bytes != actual.bytes || want.head != actual.head || !header_ok) {
        mismatch = Mismatch{next, actual};
      } else {
        ++next;
      }
    }
  };
  check();
  auto feed = [&](ByteView data) {
    while (!data.empty()) {
      data = data.subspan(chain.Append(data));
      if (chain.pending_bytes() == 0) check();
    }
  };
  feed(rest);
  Bytes buffer(1 << 20);
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(size_t n, in.Read(buffer));
    if (n == 0) break;
    feed(ByteView(buffer).first(n));
  }
  chain.Close();
  check();

  const Anchor file = chain.anchor();
  report.file_bytes = file.bytes;
  report.file_chunks = file.chunks;

  auto changed = [&](const Mismatch& m) {
    const Anchor& want = anchors[m.index];
    const bool first = m.index == 0;
    const uint64_t from_chunk = first ? 0 : anchors[m.index - 1].chunks;
    const uint64_t from_byte = first ? 0 : anchors[m.index - 1].bytes;
    std::string what = "anchor " + std::to_string(m.index + 1) + " of " +
                       std::to_string(anchors.size()) + " (" + std::to_string(want.chunks) +
                       " chunks, " + std::to_string(want.bytes) + " bytes) does not match: ";
    if (!want.header_sha256.empty() && want.header_sha256 != m.actual.header_sha256) {
      return Tampered(what + "chunk 0 (the age header) was changed or replaced");
    }
    if (want.bytes != m.actual.bytes) {
      return Tampered(what + "the file's first " + std::to_string(want.chunks) +
                      " chunks end at byte " + std::to_string(m.actual.bytes) +
                      " (chunks were cut, moved or resized)");
    }
    const std::string last_good =
        first ? "" : " (anchor " + std::to_string(m.index) + " before it matches)";
    return Tampered(what + "content changed in chunks " + std::to_string(from_chunk) + "–" +
                    std::to_string(want.chunks - 1) + ", " + Range(from_byte, want.bytes) +
                    last_good);
  };
  // A unit that ends where its anchor says but hashes differently: changed
  // content. Otherwise sizes explain it better (cut or appended bytes).
  if (mismatch && mismatch->actual.bytes == anchors[mismatch->index].bytes) {
    return changed(*mismatch);
  }

  const Anchor& required = anchors.back();
  if (file.bytes < required.bytes) {
    // Where the file was cut: at a chunk boundary, or inside a chunk.
    const uint64_t payload = file.bytes - unit0->size();
    const bool boundary = payload % kUnitSize == 0;
    const std::string cut =
        boundary ? "at a chunk boundary, after chunk " + std::to_string(file.chunks - 1)
                 : "inside chunk " + std::to_string(file.chunks - 1);
    std::string verified = next == 0   ? std::string("no anchor matches")
                           : next == 1 ? std::string("anchor 1 matches")
                                       : "anchors 1–" + std::to_string(next) + " match";
    return Tampered("truncated " + cut + ": the file has " + std::to_string(file.bytes) +
                    " bytes, anchor " + std::to_string(anchors.size()) +
                    (ended ? " (the end)" : "") + " covers " + std::to_string(required.bytes) +
                    " (" + std::to_string(required.bytes - file.bytes) + " bytes missing; " +
                    verified + ")");
  }
  if (ended && file.bytes > required.bytes) {
    return Tampered(std::to_string(file.bytes - required.bytes) +
                    " bytes after the recording's end (the end anchor covers " +
                    std::to_string(required.bytes) + " bytes, the file has " +
                    std::to_string(file.bytes) + ")");
  }
  if (mismatch) return changed(*mismatch);
  if (next < anchors.size()) {
    // Every byte is there but the chain never reached the anchor's chunk
    // count: chunks of the wrong sizes.
    return Tampered("anchor " + std::to_string(next + 1) + " (" +
                    std::to_string(anchors[next].chunks) +
                    " chunks) is never reached: the file's " + std::to_string(file.bytes) +
                    " bytes make " + std::to_string(file.chunks) + " chunks");
  }
  report.anchors = anchors.size();
  report.last = anchors.back();
  report.unanchored_bytes = file.bytes - required.bytes;
  return report;
}

Result<VerifyReport> VerifyRecording(const std::string& path, const std::vector<Anchor>& anchors,
                                     bool ended) {
  CORDON_ASSIGN_OR_RETURN(auto file, FileSource::Open(path));
  auto report = VerifyRecording(*file, anchors, ended);
  if (!report.ok()) return report.error().WithContext("recording " + path);
  return report;
}

Result<std::string> HeaderSha256(ByteSource& in) {
  Bytes rest;
  CORDON_ASSIGN_OR_RETURN(Bytes unit0, ReadHeaderUnit(in, &rest));
  return ChunkChain(unit0).anchor().header_sha256;
}

Result<std::string> HeaderSha256(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(auto file, FileSource::Open(path));
  auto h = HeaderSha256(*file);
  if (!h.ok()) return h.error().WithContext("recording " + path);
  return h;
}

}  // namespace cordon::recording
