// A session recording written as it happens: asciicast v2, encrypted with
// age to the hospital's recipients (the bastion never holds a readable
// copy), in a new file, with the hash chain of chain.h kept over the
// ciphertext as it reaches the disk so that the ledger can anchor it.
//
// What a kill loses: age's STREAM seals a chunk only once 64 KiB of
// plaintext are there (or at Finish()), and only sealed chunks are written.
// A process killed before Finish() leaves the header and the sealed chunks
// on disk; the plaintext waiting for its chunk (up to 64 KiB of the latest
// events) is lost, and the file has no final chunk, so `age -d` reports it
// truncated after decrypting what is there. `cordon recording verify`
// accepts such a file up to its last anchor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "age/age.h"
#include "core/file.h"
#include "recording/asciicast.h"
#include "recording/chain.h"

namespace cordon::recording {

// Not thread-safe: one thread writes events, takes anchors and finishes.
class SealedRecording final : public EventSink {
 public:
  // Creates `path` (O_EXCL, mode 0600: a recording is never overwritten;
  // kAlreadyExists if it exists), writes the age header for `recipients`
  // ("age1…" strings; kInvalidArgument if none or one does not parse) and
  // the asciicast header, and makes the file and its directory entry
  // durable. header_sha256() is known from here on.
  static Result<std::unique_ptr<SealedRecording>> Create(const std::string& path,
                                                         const std::vector<std::string>& recipients,
                                                         const AsciicastHeader& header);
  ~SealedRecording() override;
  SealedRecording(const SealedRecording&) = delete;
  SealedRecording& operator=(const SealedRecording&) = delete;

  // Records one event (see EventSink). A failed write leaves the recording
  // unusable: every later call fails (the caller should end the session).
  Status Event(std::chrono::microseconds time, EventType type, ByteView data) override;

  // Flushes the file to disk (fdatasync) and returns the chain over what is
  // on it: the header unit and every sealed chunk. Plaintext waiting for its
  // chunk is not covered. An anchor never covers bytes that are not durable.
  Result<Anchor> TakeAnchor();

  // Seals the final chunk, fsyncs, and returns the final anchor (the whole
  // file). Events after it fail. Calling it twice returns the same anchor.
  Result<Anchor> Finish();

  // Hex SHA-256 of unit 0 (age header and payload nonce): random, so it
  // names this recording in the ledger.
  const std::string& header_sha256() const { return header_sha256_; }
  const std::string& path() const { return path_; }

 private:
  class ChainSink;
  struct Token {};

 public:
  SealedRecording(Token, std::string path, UniqueFd fd);

 private:
  Status Broken() const;

  std::string path_;
  UniqueFd fd_;
  std::unique_ptr<ChainSink> file_;
  std::unique_ptr<age::Encryptor> encryptor_;
  std::unique_ptr<AsciicastWriter> writer_;
  std::string header_sha256_;
  std::optional<Anchor> final_;
  std::optional<Error> failed_;
};

// Parses "age1…" recipients for SealedRecording (kInvalidArgument naming
// the one that is wrong).
Result<std::vector<std::unique_ptr<age::Recipient>>> ParseRecipients(
    const std::vector<std::string>& recipients);

}  // namespace cordon::recording
