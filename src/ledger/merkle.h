// RFC 6962 Merkle trees (as RFC 9162 §2.1 restates them): leaf and node
// hashes, the tree head, inclusion and consistency proofs, and their
// verification. SHA-256 only; nothing beyond the RFC. The ledger (issue 6)
// builds on this; a third party can check its proofs with nothing but the RFC.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/bytes.h"

namespace cordon::ledger {

using Hash = std::array<uint8_t, 32>;

Hash LeafHash(ByteView entry);                       // SHA-256(0x00 ‖ entry)
Hash NodeHash(const Hash& left, const Hash& right);  // SHA-256(0x01 ‖ left ‖ right)

// MTH(D[n]) over leaf hashes (the empty tree's root is SHA-256 of nothing).
Hash RootOf(std::span<const Hash> leaves);

// PATH(index, D[n]) and PROOF(m, D[n]) of RFC 6962 §2.1.1–2.1.2, over leaf
// hashes. Index must be < leaves.size(); 0 < m ≤ leaves.size().
std::vector<Hash> InclusionProof(std::span<const Hash> leaves, uint64_t index);
std::vector<Hash> ConsistencyProof(std::span<const Hash> leaves, uint64_t m);

// The same proofs from a source of subtree hashes: `subtree(start, size)`
// returns MTH(D[start:start+size]) for the nodes of the RFC's tree (start is
// always a multiple of the largest power of two ≤ size). A store of complete
// subtrees answers it in O(log n) reads, so proofs over a large log never
// read every leaf.
using SubtreeHashFn = std::function<Hash(uint64_t start, uint64_t size)>;
std::vector<Hash> InclusionProof(const SubtreeHashFn& subtree, uint64_t tree_size, uint64_t index);
std::vector<Hash> ConsistencyProof(const SubtreeHashFn& subtree, uint64_t tree_size, uint64_t m);

// RFC 9162 §2.1.3.2 and §2.1.4.2. False on any mismatch, wrong length or
// out-of-range size (and for consistency from an empty tree): a verifier
// never throws and never reads past the proof.
[[nodiscard]] bool VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                                   std::span<const Hash> proof, const Hash& root);
[[nodiscard]] bool VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1,
                                     const Hash& root2, std::span<const Hash> proof);

}  // namespace cordon::ledger
