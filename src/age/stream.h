// age's STREAM payload: ChaCha20-Poly1305 over 64 KiB chunks, nonce = 11-byte
// big-endian chunk counter ‖ last-chunk flag. Constant memory both ways.
#pragma once

#include <optional>

#include "core/io.h"
#include "core/secret_buffer.h"
#include "crypto/aead.h"

namespace cordon::age {

inline constexpr size_t kChunkSize = 64 * 1024;
inline constexpr size_t kEncryptedChunkSize = kChunkSize + crypto::ChaCha20Poly1305::kTagSize;

// Encrypts what is written to it into `out`. Close() must be called once to
// seal the final chunk; without it the output is (detectably) truncated.
class StreamWriter final : public ByteSink {
 public:
  StreamWriter(SecretBuffer payload_key, ByteSink& out);
  ~StreamWriter() override { WipeBytes(plain_); }
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;
  Status Write(ByteView data) override;
  Status Close();

 private:
  Status Seal(ByteView plain, bool last);
  Status SealChunk(bool last);  // seals plain_

  crypto::ChaCha20Poly1305 aead_;
  ByteSink& out_;
  Bytes plain_;
  Bytes sealed_;
  size_t filled_ = 0;
  uint64_t counter_ = 0;
  bool closed_ = false;
};

// Decrypts a STREAM payload. Plaintext is released one authenticated chunk
// at a time; errors are prefixed "payload: " (kAuthFailed for a bad tag,
// kTruncated for a missing final chunk, kMalformed for trailing data).
class StreamReader final : public ByteSource {
 public:
  StreamReader(SecretBuffer payload_key, ByteSource& in);
  ~StreamReader() override { WipeBytes(plain_); }
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;
  Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  // Reads, authenticates and decrypts the next chunk into `dest` (room for
  // a whole chunk); returns its plaintext size.
  Result<size_t> NextChunk(std::span<uint8_t> dest);

  crypto::ChaCha20Poly1305 aead_;
  ByteSource& in_;
  Bytes cipher_;        // one encrypted chunk plus one lookahead byte
  size_t pending_ = 0;  // bytes of the next chunk already in cipher_
  Bytes plain_;
  size_t plain_begin_ = 0;
  size_t plain_end_ = 0;
  uint64_t counter_ = 0;
  bool last_seen_ = false;
  bool trailing_data_ = false;
  std::optional<Error> failed_;
};

}  // namespace cordon::age
