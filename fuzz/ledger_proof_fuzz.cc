// Fuzzes the proof verifiers with arbitrary sizes, indexes and paths (they
// must never crash or read past the proof), and checks them differentially:
// a tree built from the input verifies its own proofs, and a proof with one
// byte changed never verifies.
#include <cstring>
#include <vector>

#include "ledger/merkle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon::ledger;
  if (size < 18) return 0;
  uint64_t a = 0, b = 0;
  std::memcpy(&a, data, 8);
  std::memcpy(&b, data + 8, 8);
  const uint8_t flip = data[16];
  data += 17, size -= 17;
  std::vector<Hash> proof(size / 32);
  for (size_t i = 0; i < proof.size(); ++i) std::memcpy(proof[i].data(), data + 32 * i, 32);
  Hash x{}, y{};
  if (!proof.empty()) x = proof.front(), y = proof.back();
  (void)VerifyInclusion(a, b, x, proof, y);
  (void)VerifyConsistency(a, b, x, y, proof);

  // A small real tree: every proof verifies, a damaged one does not.
  const uint64_t n = 1 + b % 40, index = a % n, m = 1 + a % n;
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < n; ++i) {
    uint8_t e[9] = {static_cast<uint8_t>(i), flip};
    leaves.push_back(LeafHash(cordon::ByteView(e, sizeof e)));
  }
  const Hash root = RootOf(leaves), old_root = RootOf(std::span(leaves).first(m));
  auto inc = InclusionProof(leaves, index);
  if (!VerifyInclusion(index, n, leaves[index], inc, root)) __builtin_trap();
  auto con = ConsistencyProof(leaves, m);
  if (!VerifyConsistency(m, n, old_root, root, con)) __builtin_trap();
  if (!inc.empty()) {
    inc[flip % inc.size()][flip % 32] ^= 1 + flip / 32 % 255;
    if (VerifyInclusion(index, n, leaves[index], inc, root)) __builtin_trap();
  }
  if (!con.empty()) {
    con[flip % con.size()][flip % 32] ^= 1;
    if (VerifyConsistency(m, n, old_root, root, con)) __builtin_trap();
  }
  return 0;
}
