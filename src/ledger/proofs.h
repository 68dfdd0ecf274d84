// The evidence an auditor checks without cordon (tests/ledger_verifier.py
// does, from the RFCs alone): that an entry is in the log — its RFC 6962
// audit path to the root of the latest signed checkpoint — and that the log
// today extends a checkpoint someone kept — the consistency proof between
// the two roots. Each proof is verified before it is handed out, so a
// damaged index can never produce evidence that does not check.
// `cordon ledger prove` and `cordon ledger consistency` print these.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"

namespace cordon::ledger {

struct InclusionEvidence {
  uint64_t index = 0;
  uint64_t tree_size = 0;  // the latest checkpoint's
  Hash leaf_hash{};
  Hash root{};
  std::vector<Hash> proof;  // leaf to root
  std::string checkpoint;   // the signed note
  Bytes entry;              // the exact bytes the leaf hash covers

  // {"index", "tree_size", "leaf_hash", "root", "proof", "checkpoint",
  // "entry"}: hashes and the entry in base64.
  nlohmann::ordered_json Json() const;
};

// kNotFound when the ledger has no checkpoint or the latest one does not
// cover `index`; kAuthFailed when the proof would not verify.
Result<InclusionEvidence> ProveInclusion(const Ledger& ledger, uint64_t index);

struct ConsistencyEvidence {
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  Hash old_root{};
  Hash new_root{};
  std::vector<Hash> proof;
  std::string checkpoint;  // the latest signed note

  // {"old_size", "new_size", "old_root", "new_root", "proof", "checkpoint"}.
  nlohmann::ordered_json Json() const;
};

// Proves that the ledger extends `old_note` (a checkpoint signed by this
// ledger's key, named `old_name` in errors). kAuthFailed when it does not:
// entries were removed or rewritten since — keep the old checkpoint, it is
// the evidence.
Result<ConsistencyEvidence> ProveConsistency(const Ledger& ledger, std::string_view old_note,
                                             const std::string& old_name);

}  // namespace cordon::ledger
