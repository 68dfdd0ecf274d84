#include "ledger/proofs.h"

#include "core/encoding.h"
#include "ledger/checkpoint.h"

namespace cordon::ledger {
namespace {

nlohmann::ordered_json Base64List(const std::vector<Hash>& hashes) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& h : hashes) out.push_back(Base64Encode(h));
  return out;
}

Result<std::string> LatestCheckpoint(const Ledger& ledger) {
  if (ledger.checkpoints().empty()) {
    return Error(ErrorCode::kNotFound, "the ledger has no checkpoint",
                 "sign one with any command that appends, or `cordon ledger append`");
  }
  return ledger.checkpoints().back();
}

}  // namespace

nlohmann::ordered_json InclusionEvidence::Json() const {
  return {{"index", index},
          {"tree_size", tree_size},
          {"leaf_hash", Base64Encode(leaf_hash)},
          {"root", Base64Encode(root)},
          {"proof", Base64List(proof)},
          {"checkpoint", checkpoint},
          {"entry", Base64Encode(entry)}};
}

nlohmann::ordered_json ConsistencyEvidence::Json() const {
  return {{"old_size", old_size},
          {"new_size", new_size},
          {"old_root", Base64Encode(old_root)},
          {"new_root", Base64Encode(new_root)},
          {"proof", Base64List(proof)},
          {"checkpoint", checkpoint}};
}

Result<InclusionEvidence> ProveInclusion(const Ledger& ledger, uint64_t index) {
  InclusionEvidence e;
  e.index = index;
  CORDON_ASSIGN_OR_RETURN(e.checkpoint, LatestCheckpoint(ledger));
  CORDON_ASSIGN_OR_RETURN(Checkpoint cp, OpenCheckpoint(e.checkpoint, ledger.verifier()));
  if (index >= cp.size) {
    return Error(ErrorCode::kNotFound, "entry " + std::to_string(index) +
                                           " is not covered by the latest checkpoint (size " +
                                           std::to_string(cp.size) + ")");
  }
  e.tree_size = cp.size;
  e.root = cp.root;
  CORDON_ASSIGN_OR_RETURN(e.leaf_hash, ledger.LeafHashAt(index));
  CORDON_ASSIGN_OR_RETURN(e.proof, ledger.InclusionProof(index, cp.size));
  // Never hand out a proof that does not check (a damaged index would).
  if (!VerifyInclusion(index, cp.size, e.leaf_hash, e.proof, cp.root)) {
    return Error(ErrorCode::kAuthFailed,
                 "the inclusion proof does not verify against the checkpoint",
                 "run `cordon ledger verify`");
  }
  CORDON_ASSIGN_OR_RETURN(e.entry, ledger.Entry(index));
  return e;
}

Result<ConsistencyEvidence> ProveConsistency(const Ledger& ledger, std::string_view old_note,
                                             const std::string& old_name) {
  ConsistencyEvidence e;
  CORDON_ASSIGN_OR_RETURN(e.checkpoint, LatestCheckpoint(ledger));
  auto old = OpenCheckpoint(old_note, ledger.verifier());
  if (!old.ok()) return old.error().WithContext(old_name);
  CORDON_ASSIGN_OR_RETURN(Checkpoint now, OpenCheckpoint(e.checkpoint, ledger.verifier()));
  e.old_size = old->size;
  e.new_size = now.size;
  e.old_root = old->root;
  e.new_root = now.root;
  if (old->size > now.size) {
    return Error(ErrorCode::kAuthFailed, old_name + ": covers " + std::to_string(old->size) +
                                             " entries but the ledger's latest checkpoint only " +
                                             std::to_string(now.size) + ": entries were removed");
  }
  if (old->size == 0) return e;
  CORDON_ASSIGN_OR_RETURN(Hash here, ledger.Root(old->size));
  if (here != old->root) {
    return Error(ErrorCode::kAuthFailed,
                 old_name + ": its root is not this ledger's root at size " +
                     std::to_string(old->size) + ": the ledger was rewritten since",
                 "keep this checkpoint as evidence; run `cordon ledger verify`");
  }
  CORDON_ASSIGN_OR_RETURN(e.proof, ledger.ConsistencyProof(old->size, now.size));
  if (!VerifyConsistency(old->size, now.size, old->root, now.root, e.proof)) {
    return Error(ErrorCode::kAuthFailed, "the consistency proof does not verify",
                 "run `cordon ledger verify`");
  }
  return e;
}

}  // namespace cordon::ledger
