#include "age/stream.h"

#include <cstring>

namespace cordon::age {
namespace {

crypto::ChaCha20Poly1305::Nonce ChunkNonce(uint64_t counter, bool last) {
  crypto::ChaCha20Poly1305::Nonce nonce{};
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 1 : 0;
  return nonce;
}

Error PayloadError(ErrorCode code, std::string_view why) {
  return Error(code, "payload: " + std::string(why),
               "the file was truncated or altered after encryption; nothing after the last "
               "authenticated chunk was released");
}

}  // namespace

StreamWriter::StreamWriter(SecretBuffer payload_key, ByteSink& out)
    : aead_(crypto::ChaCha20Poly1305::Create(std::move(payload_key)).value()),
      out_(out),
      plain_(kChunkSize),
      sealed_(kEncryptedChunkSize) {}

Status StreamWriter::Seal(ByteView plain, bool last) {
  auto sealed = std::span(sealed_).first(plain.size() + crypto::ChaCha20Poly1305::kTagSize);
  aead_.Seal(ChunkNonce(counter_, last), plain, sealed);
  ++counter_;
  return out_.Write(sealed);
}

Status StreamWriter::SealChunk(bool last) {
  Status s = Seal(std::span(plain_).first(filled_), last);
  filled_ = 0;
  return s;
}

Status StreamWriter::Write(ByteView data) {
  if (closed_) return Error(ErrorCode::kInternal, "write after close");
  if (filled_ == kChunkSize && !data.empty()) CORDON_TRY(SealChunk(false));
  // Whole chunks with more data after them are sealed from `data` itself,
  // without a copy into plain_ (they cannot be the last one).
  while (filled_ == 0 && data.size() > kChunkSize) {
    CORDON_TRY(Seal(data.first(kChunkSize), false));
    data = data.subspan(kChunkSize);
  }
  while (!data.empty()) {
    // A full chunk is sealed only once more data arrives: if the input ends
    // exactly here, this chunk is the last one and carries the last flag.
    if (filled_ == kChunkSize) CORDON_TRY(SealChunk(false));
    size_t n = std::min(data.size(), kChunkSize - filled_);
    std::memcpy(plain_.data() + filled_, data.data(), n);
    filled_ += n;
    data = data.subspan(n);
  }
  return Ok();
}

Status StreamWriter::Close() {
  if (closed_) return Ok();
  closed_ = true;
  Status s = SealChunk(true);
  WipeBytes(plain_);
  return s;
}

StreamReader::StreamReader(SecretBuffer payload_key, ByteSource& in)
    : aead_(crypto::ChaCha20Poly1305::Create(std::move(payload_key)).value()),
      in_(in),
      cipher_(kEncryptedChunkSize + 1),
      plain_(kChunkSize) {}

Result<size_t> StreamReader::NextChunk(std::span<uint8_t> dest) {
  CORDON_ASSIGN_OR_RETURN(size_t got, ReadFull(in_, std::span(cipher_).subspan(pending_)));
  size_t have = pending_ + got;
  pending_ = 0;
  if (have == 0) {
    return PayloadError(ErrorCode::kTruncated,
                        counter_ == 0 ? "no payload at all" : "ends without a final chunk");
  }
  if (have < crypto::ChaCha20Poly1305::kTagSize) {
    return PayloadError(ErrorCode::kTruncated, "chunk shorter than its authentication tag");
  }
  bool more_follows = have > kEncryptedChunkSize;
  size_t size = more_follows ? kEncryptedChunkSize : have;
  auto chunk = std::span(cipher_).first(size);
  auto plain = dest.first(size - crypto::ChaCha20Poly1305::kTagSize);
  bool last = !more_follows;
  if (last && plain.empty() && counter_ > 0) {
    return PayloadError(ErrorCode::kMalformed,
                        "final chunk is empty (only an empty file may end so)");
  }
  Status opened = aead_.Open(ChunkNonce(counter_, last), chunk, plain);
  if (!opened.ok() && size == kEncryptedChunkSize) {
    // A full chunk may carry either flag: one flagged last but followed by
    // more bytes (trailing data), or one not flagged last at the very end
    // (missing final chunk). Release it, then fail on the next read.
    if (aead_.Open(ChunkNonce(counter_, !last), chunk, plain).ok()) {
      last = !last;
      trailing_data_ = last && more_follows;
      opened = Ok();
    }
  }
  if (!opened.ok()) {
    return PayloadError(ErrorCode::kAuthFailed,
                        "chunk " + std::to_string(counter_) + " does not authenticate");
  }
  if (more_follows && !last) {
    cipher_[0] = cipher_[kEncryptedChunkSize];
    pending_ = 1;
  }
  ++counter_;
  last_seen_ = last;
  return plain.size();
}

Result<size_t> StreamReader::Read(std::span<uint8_t> out) {
  if (failed_) return *failed_;
  if (out.empty()) return size_t{0};
  if (plain_begin_ < plain_end_) {
    size_t n = std::min(out.size(), plain_end_ - plain_begin_);
    std::memcpy(out.data(), plain_.data() + plain_begin_, n);
    plain_begin_ += n;
    return n;
  }
  // Whole chunks are opened straight into `out` while they fit (no copy, and
  // as many per call as the caller has room for); a smaller `out` gets the
  // chunk through plain_. Each chunk is authenticated before it is counted:
  // a failure after some chunks returns those, and the error on the next call.
  size_t done = 0;
  for (;;) {
    if (last_seen_) {
      if (trailing_data_) {
        failed_ = PayloadError(ErrorCode::kMalformed, "data after the final chunk");
        if (done == 0) return *failed_;
      }
      return done;
    }
    const bool direct = out.size() - done >= kChunkSize;
    if (!direct && done > 0) return done;
    Result<size_t> n = NextChunk(direct ? out.subspan(done) : std::span<uint8_t>(plain_));
    if (!n.ok()) {
      failed_ = n.error();
      if (done == 0) return *failed_;
      return done;
    }
    if (direct) {
      done += *n;
      continue;
    }
    plain_begin_ = 0;
    plain_end_ = *n;
    size_t take = std::min(out.size(), plain_end_);
    std::memcpy(out.data(), plain_.data(), take);
    plain_begin_ = take;
    return take;  // 0 only for the empty final chunk of an empty file
  }
}

}  // namespace cordon::age
