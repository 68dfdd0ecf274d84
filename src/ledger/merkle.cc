#include "ledger/merkle.h"

#include "crypto/hash.h"

namespace cordon::ledger {
namespace {

// The largest power of two smaller than n (n > 1).
uint64_t SplitPoint(uint64_t n) {
  uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

// PATH and SUBPROOF of RFC 6962 §2.1.1–2.1.2 over D[start:start+n].
void Path(const SubtreeHashFn& mth, uint64_t start, uint64_t n, uint64_t m,
          std::vector<Hash>& out) {
  if (n <= 1) return;
  uint64_t k = SplitPoint(n);
  if (m < k) {
    Path(mth, start, k, m, out);
    out.push_back(mth(start + k, n - k));
  } else {
    Path(mth, start + k, n - k, m - k, out);
    out.push_back(mth(start, k));
  }
}

void SubProof(const SubtreeHashFn& mth, uint64_t start, uint64_t n, uint64_t m, bool whole,
              std::vector<Hash>& out) {
  if (m == n) {
    if (!whole) out.push_back(mth(start, n));
    return;
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(mth, start, k, m, whole, out);
    out.push_back(mth(start + k, n - k));
  } else {
    SubProof(mth, start + k, n - k, m - k, false, out);
    out.push_back(mth(start, k));
  }
}

SubtreeHashFn OverLeaves(std::span<const Hash> leaves) {
  return [leaves](uint64_t start, uint64_t size) { return RootOf(leaves.subspan(start, size)); };
}

}  // namespace

Hash LeafHash(ByteView entry) {
  crypto::Sha256 h;
  const uint8_t prefix = 0x00;
  h.Update({&prefix, 1});
  h.Update(entry);
  return h.Final();
}

Hash NodeHash(const Hash& left, const Hash& right) {
  crypto::Sha256 h;
  const uint8_t prefix = 0x01;
  h.Update({&prefix, 1});
  h.Update(left);
  h.Update(right);
  return h.Final();
}

Hash RootOf(std::span<const Hash> d) {
  if (d.empty()) return crypto::Sha256::Hash({});
  if (d.size() == 1) return d[0];
  uint64_t k = SplitPoint(d.size());
  return NodeHash(RootOf(d.first(k)), RootOf(d.subspan(k)));
}

std::vector<Hash> InclusionProof(const SubtreeHashFn& subtree, uint64_t tree_size, uint64_t index) {
  std::vector<Hash> out;
  if (index < tree_size) Path(subtree, 0, tree_size, index, out);
  return out;
}

std::vector<Hash> ConsistencyProof(const SubtreeHashFn& subtree, uint64_t tree_size, uint64_t m) {
  std::vector<Hash> out;
  if (m > 0 && m <= tree_size) SubProof(subtree, 0, tree_size, m, true, out);
  return out;
}

std::vector<Hash> InclusionProof(std::span<const Hash> leaves, uint64_t index) {
  return InclusionProof(OverLeaves(leaves), leaves.size(), index);
}

std::vector<Hash> ConsistencyProof(std::span<const Hash> leaves, uint64_t m) {
  return ConsistencyProof(OverLeaves(leaves), leaves.size(), m);
}

bool VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                     std::span<const Hash> proof, const Hash& root) {
  if (index >= tree_size) return false;
  uint64_t fn = index, sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return false;  // the proof is longer than the tree is deep
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) fn >>= 1, sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1, sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                       std::span<const Hash> proof) {
  // From the empty tree there is nothing to prove (transparency-dev/merkle
  // refuses it too: a checkpoint of size 0 is never a useful anchor).
  if (size1 == 0 || size1 > size2) return false;
  if (size1 == size2) return proof.empty() && root1 == root2;
  if (proof.empty()) return false;
  // A first tree of a power-of-two size is a node of the second: its root
  // starts the path.
  std::vector<Hash> path;
  if ((size1 & (size1 - 1)) == 0) path.push_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) fn >>= 1, sn >>= 1;
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) fn >>= 1, sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1, sn >>= 1;
  }
  return fr == root1 && sr == root2 && sn == 0;
}

}  // namespace cordon::ledger
