// Checking a recording against the anchors the ledger holds for it, without
// any key: the chain (chain.h) is recomputed over the file's ciphertext.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/io.h"
#include "core/result.h"
#include "recording/chain.h"

namespace cordon::recording {

// What the ledger recorded for one session: its anchors in order and whether
// it has an end event (whose anchor is then the last one).
struct AnchorSet {
  bool ended = false;
  std::vector<Anchor> anchors;
};

// {"chunks": N, "bytes": N, "head": "hex", "header_sha256": "hex"} (the last
// optional) — the shape of an anchor in ledger events and anchors files.
nlohmann::json AnchorToJson(const Anchor& anchor);
// kMalformed naming the field that is missing or wrong.
Result<Anchor> AnchorFromJson(const nlohmann::json& j);
// An anchors file: {"ended": bool, "anchors": [anchor, …]}.
Result<AnchorSet> ParseAnchorSet(std::string_view text);

struct VerifyReport {
  bool ended = false;
  uint64_t file_bytes = 0;
  uint64_t file_chunks = 0;  // units in the file, the header and a partial last one included
  std::string header_sha256;
  size_t anchors = 0;             // how many anchors were checked (all of them, on success)
  Anchor last;                    // the last anchor, which the file matches
  uint64_t unanchored_bytes = 0;  // after `last` (0 when ended)
  // One line for people: "verified: …".
  std::string Summary() const;
};

// Recomputes the chain over `in` and checks it against `anchors`, which
// must be in the order they were taken (kInvalidArgument if empty or out of
// order). With `ended`, the file must be exactly what the last anchor
// covers; otherwise (the bastion died before its end event) every anchor
// must be a prefix of the file, and bytes after the last one are reported,
// not refused. A mismatch is kAuthFailed with a message that says where
// (which chunk and byte range, truncated at a chunk boundary or inside a
// chunk, bytes appended); the source's own errors pass through.
Result<VerifyReport> VerifyRecording(ByteSource& in, const std::vector<Anchor>& anchors,
                                     bool ended);
Result<VerifyReport> VerifyRecording(const std::string& path, const std::vector<Anchor>& anchors,
                                     bool ended);

// Hex SHA-256 of the recording's unit 0 (age header and payload nonce): the
// name under which the ledger knows the session. kMalformed/kTruncated when
// the file does not start with an age header.
Result<std::string> HeaderSha256(ByteSource& in);
Result<std::string> HeaderSha256(const std::string& path);

}  // namespace cordon::recording
