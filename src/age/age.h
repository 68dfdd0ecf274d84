// age v1 encryption and decryption of byte streams, in constant memory.
//
//   auto enc = age::Encryptor::Create(recipients, sink, age::Armor::kNo);
//   enc->Write(data); enc->Close();
//
//   auto dec = age::Decryptor::Open(source, identities);
//   dec->Read(buffer) ...   // only authenticated plaintext is ever returned
#pragma once

#include <memory>
#include <vector>

#include "age/armor.h"
#include "age/header.h"
#include "age/recipients.h"
#include "age/stream.h"
#include "core/buffered_source.h"
#include "core/io.h"

namespace cordon::age {

enum class Armor { kNo, kYes };

// kDeferred: the header is not written to the sink; the caller writes it in
// front of the payload last (see deferred_header()). Until then the file
// holds no wrapped file key, so a crash mid-write leaves nothing anyone can
// open. Binary (unarmored) output only.
enum class HeaderPlacement { kInline, kDeferred };

class Encryptor final : public ByteSink {
 public:
  // Writes the header for `recipients` to `out`. Fails with kInvalidArgument
  // if there is no recipient, or a passphrase recipient is mixed with others.
  static Result<std::unique_ptr<Encryptor>> Create(
      const std::vector<std::unique_ptr<Recipient>>& recipients, ByteSink& out, Armor armor,
      HeaderPlacement placement = HeaderPlacement::kInline);
  Status Write(ByteView data) override;
  // Seals the final chunk (and closes the armor). Required.
  Status Close();
  // With HeaderPlacement::kDeferred: the bytes (header and payload nonce)
  // that must precede what was written to the sink. Known from Create() on.
  const std::string& deferred_header() const { return deferred_header_; }

 private:
  struct Token {};  // only Create() constructs

 public:
  explicit Encryptor(Token) {}

 private:
  std::unique_ptr<ArmorWriter> armor_;
  std::unique_ptr<StreamWriter> stream_;
  std::string deferred_header_;
};

enum class ArmorDetection { kAuto, kBinary, kArmored };

class Decryptor final : public ByteSource {
 public:
  // Reads and authenticates the header. Errors are prefixed by the stage that
  // failed: "armor: …", "header: …" (kNoMatch when no identity opens the file,
  // kAuthFailed "header: MAC …" when the header was altered).
  static Result<std::unique_ptr<Decryptor>> Open(
      ByteSource& in, const std::vector<std::unique_ptr<Identity>>& identities,
      ArmorDetection armor = ArmorDetection::kAuto);
  // Returns authenticated plaintext; 0 at the end. Errors "payload: …".
  Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  struct Token {};  // only Open() constructs

 public:
  Decryptor(Token, ByteSource& in) : raw_(in) {}

 private:
  BufferedSource raw_;
  std::unique_ptr<ArmorReader> armor_;
  std::unique_ptr<BufferedSource> text_;
  std::unique_ptr<StreamReader> stream_;
};

// Checks, without any key, that `in` (of `size` bytes) is a well-formed
// binary age file: a header age accepts, then a 16-byte payload nonce and
// STREAM chunks whose sizes add up to `size` (full 64 KiB chunks and a last
// one of 16 bytes or more, empty only when it is the only one). Whoever
// stores packages without opening them (the exchange) refuses anything else
// — a plaintext CSV, an armored or truncated file. kMalformed/kTruncated.
// Returns the header and leaves `in` at the payload (its nonce), so the
// caller can go on to read the payload itself.
Result<Header> CheckAgeFraming(BufferedSource& in, uint64_t size);

}  // namespace cordon::age
