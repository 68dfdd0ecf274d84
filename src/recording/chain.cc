#include "recording/chain.h"

#include <algorithm>

#include "core/encoding.h"

namespace cordon::recording {

ChunkChain::ChunkChain(ByteView header_unit) {
  const crypto::Sha256::Digest header = crypto::Sha256::Hash(header_unit);
  header_sha256_ = HexEncode(header);
  crypto::Sha256 h;
  h.Update(AsBytes(kChainDomain));
  h.Update(header);
  head_ = h.Final();
  bytes_ = header_unit.size();
}

size_t ChunkChain::Append(ByteView data) {
  const size_t n = static_cast<size_t>(std::min<uint64_t>(data.size(), kUnitSize - pending_));
  unit_hash_.Update(data.first(n));
  pending_ += n;
  if (pending_ == kUnitSize) Close();
  return n;
}

void ChunkChain::Close() {
  if (pending_ == 0) return;
  crypto::Sha256 h;
  h.Update(head_);
  h.Update(unit_hash_.Final());
  head_ = h.Final();
  unit_hash_ = crypto::Sha256();
  ++chunks_;
  bytes_ += pending_;
  pending_ = 0;
}

Anchor ChunkChain::anchor() const {
  return Anchor{.chunks = chunks_,
                .bytes = bytes_,
                .head = HexEncode(head_),
                .header_sha256 = header_sha256_};
}

}  // namespace cordon::recording
