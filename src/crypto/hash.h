// Hash functions: SHA-256 (file digests, manifests, Merkle trees) over
// OpenSSL, which uses the CPU's SHA extensions, and BLAKE2b-512 (minisign's
// prehash) over libsodium, both streaming.
#pragma once

#include <sodium.h>

#include <array>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/bytes.h"
#include "core/io.h"
#include "core/secret_buffer.h"

namespace cordon::crypto {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;
  Sha256();
  void Update(ByteView data);
  Digest Final();
  static Digest Hash(ByteView data);

 private:
  // OpenSSL's SHA256_CTX (112 bytes), held inline so that hashing a short
  // message allocates nothing (checked in hash.cc).
  alignas(8) unsigned char state_[112];
};

class Blake2b512 {
 public:
  using Digest = std::array<uint8_t, 64>;
  Blake2b512() { crypto_generichash_init(&state_, nullptr, 0, 64); }
  void Update(ByteView data) { crypto_generichash_update(&state_, data.data(), data.size()); }
  Digest Final();

 private:
  crypto_generichash_state state_;
};

// Pass-through streams that hash what goes by: the SHA-256 and size of a
// file written or read, for the ledger, without reading it twice.
class HashingSink final : public ByteSink {
 public:
  explicit HashingSink(ByteSink& next) : next_(next) {}
  Status Write(ByteView data) override {
    hash_.Update(data);
    bytes_ += data.size();
    return next_.Write(data);
  }
  // Hashes bytes that reach the file by another way, in their place in the
  // file's order (a package's age header, written in front last).
  void HashUnwritten(ByteView data) {
    hash_.Update(data);
    bytes_ += data.size();
  }
  Sha256::Digest Final() { return hash_.Final(); }
  uint64_t bytes() const { return bytes_; }

 private:
  ByteSink& next_;
  Sha256 hash_;
  uint64_t bytes_ = 0;
};

class HashingSource final : public ByteSource {
 public:
  explicit HashingSource(ByteSource& next) : next_(next) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    auto n = next_.Read(out);
    if (n.ok()) {
      hash_.Update(out.first(*n));
      bytes_ += *n;
    }
    return n;
  }
  Sha256::Digest Final() { return hash_.Final(); }
  // Reads what is left to the end and returns the hash of everything read.
  Result<Sha256::Digest> Finish();
  uint64_t bytes() const { return bytes_; }

 private:
  ByteSource& next_;
  Sha256 hash_;
  uint64_t bytes_ = 0;
};

// A fixed set of buffers handed from one producer thread to one or more
// consumer threads, each of which sees every buffer in order (read-only when
// there are several): bounded memory, no allocation per buffer. A buffer
// returns to the producer once every consumer released it. Internal to the
// concurrent hashing streams below. Thread-safe (one mutex).
class BufferRing {
 public:
  struct Slot {
    std::span<uint8_t> data;  // page-aligned (direct I/O can write it as is)
    size_t size = 0;
  };
  // `capacity`: a multiple of a page. The buffers are wiped when the ring
  // goes (they may have held plaintext).
  BufferRing(size_t count, size_t capacity, int consumers = 1);
  // Producer: an empty slot to fill, or nullptr once cancelled.
  Slot* AcquireEmpty();
  void PublishFull(Slot* slot);
  void CloseProducer();  // no more full slots will come
  // Consumer `c`: its next full slot in order, or nullptr when the producer
  // has closed and it took everything, or once cancelled.
  Slot* AcquireFull(int c = 0);
  void Release(int c = 0);  // its oldest slot: done with it
  // Wakes both sides; every later Acquire returns nullptr.
  void Cancel();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  AlignedBuffer storage_;
  std::vector<Slot> slots_;
  uint64_t published_ = 0;          // slots handed to the consumers, in order
  std::vector<uint64_t> taken_;     // per consumer: slots it acquired
  std::vector<uint64_t> released_;  // per consumer: slots it gave back
  bool closed_ = false;
  bool cancelled_ = false;
};

// HashingSink with the hashing and the writes on two worker threads, so
// that they overlap the caller's own work (encrypting) and each other: on
// two cores the SHA-256 of a stream costs no time, and a disk that writes
// synchronously (direct I/O) waits in parallel with both. Writes are
// gathered into a few page-aligned 1 MiB buffers (4 MiB in all, whatever
// the stream's size), which both workers read: `next` sees them in order, in
// writes of 1 MiB (direct I/O takes them as they are). An error of `next`
// comes back from a later Write() or from Finish(). Finish() must succeed
// before Final() and bytes(); destroyed without it (the caller failed),
// what is queued is dropped and only the write in flight is waited for.
// Thread-safety: one caller thread; the writer alone touches `next` until
// Finish() returns.
//
// With Hashing::kOff it only writes behind (a decrypted stream, whose size
// alone is recorded): one worker, Final() meaningless, bytes() still counted.
class ConcurrentHashingSink final : public ByteSink {
 public:
  enum class Hashing { kOn, kOff };
  explicit ConcurrentHashingSink(ByteSink& next, Hashing hashing = Hashing::kOn);
  ~ConcurrentHashingSink() override;
  ConcurrentHashingSink(const ConcurrentHashingSink&) = delete;
  ConcurrentHashingSink& operator=(const ConcurrentHashingSink&) = delete;
  Status Write(ByteView data) override;
  // Hands over what is buffered, waits for both workers, returns the
  // writer's error if any.
  Status Finish();
  Sha256::Digest Final() { return hash_.Final(); }
  uint64_t bytes() const { return bytes_; }

 private:
  static constexpr int kHasher = 0;
  const int writer_index_;  // the writer's consumer index in the ring
  void Hash();
  void WriteOut();
  Status WriterError();

  ByteSink& next_;
  Sha256 hash_;         // the hasher's until Finish()
  uint64_t bytes_ = 0;  // counted by the caller's thread as it writes
  BufferRing ring_;
  BufferRing::Slot* filling_ = nullptr;
  std::mutex error_mu_;
  std::optional<Error> error_;
  std::thread hasher_;
  std::thread writer_;
  bool finished_ = false;
};

// HashingSource that reads ahead: a worker thread reads `next` and hashes
// it into a few 1 MiB buffers while the caller consumes earlier ones (it
// decrypts). Only for sources whose reads return promptly (regular files):
// when the caller stops early, the destructor waits for the read in flight.
// The hash covers everything read from `next`: once Read() has returned 0,
// that is everything the caller consumed. Final() and bytes() only after
// Read() returned 0. Thread-safety: one caller thread.
class ReadAheadHashingSource final : public ByteSource {
 public:
  explicit ReadAheadHashingSource(ByteSource& next);
  ~ReadAheadHashingSource() override;
  ReadAheadHashingSource(const ReadAheadHashingSource&) = delete;
  ReadAheadHashingSource& operator=(const ReadAheadHashingSource&) = delete;
  Result<size_t> Read(std::span<uint8_t> out) override;
  Sha256::Digest Final();
  uint64_t bytes();

 private:
  void Run();
  void Join();

  ByteSource& next_;
  Sha256 hash_;         // the worker's until it has finished
  uint64_t bytes_ = 0;  // the worker's until it has finished
  BufferRing ring_;
  BufferRing::Slot* reading_ = nullptr;
  size_t offset_ = 0;
  std::optional<Error> error_;  // the worker's, read after the ring drained
  bool done_ = false;
  std::thread worker_;
};

// BLAKE2b with a 256-bit output (minisign's secret key checksum).
std::array<uint8_t, 32> Blake2b256(ByteView data);

}  // namespace cordon::crypto
