// The low-level SHA256_* interface (deprecated in OpenSSL 3 in favour of
// EVP, which allocates a context per digest) keeps short-message hashing,
// the Merkle tree's whole workload, allocation-free.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/hash.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

namespace cordon::crypto {

namespace {
SHA256_CTX* Ctx(unsigned char* state) { return reinterpret_cast<SHA256_CTX*>(state); }
}  // namespace

Sha256::Sha256() {
  static_assert(sizeof(SHA256_CTX) <= 112 && alignof(SHA256_CTX) <= 8);
  SHA256_Init(Ctx(state_));
}

void Sha256::Update(ByteView data) { SHA256_Update(Ctx(state_), data.data(), data.size()); }

Sha256::Digest Sha256::Final() {
  Digest out{};
  SHA256_Final(out.data(), Ctx(state_));
  return out;
}

Sha256::Digest Sha256::Hash(ByteView data) {
  Sha256 h;
  h.Update(data);
  return h.Final();
}

Result<Sha256::Digest> HashingSource::Finish() {
  Bytes buf(1 << 20);
  for (;;) {
    CORDON_ASSIGN_OR_RETURN(size_t n, Read(buf));
    if (n == 0) return hash_.Final();
  }
}

namespace {
constexpr size_t kRingSlots = 4;
constexpr size_t kRingSlotSize = 1 << 20;
}  // namespace

BufferRing::BufferRing(size_t count, size_t capacity, int consumers)
    : storage_(count * capacity),
      slots_(count),
      taken_(static_cast<size_t>(consumers)),
      released_(static_cast<size_t>(consumers)) {
  for (size_t i = 0; i < count; ++i)
    slots_[i].data = storage_.span().subspan(i * capacity, capacity);
}

BufferRing::Slot* BufferRing::AcquireEmpty() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] {
    return cancelled_ ||
           published_ - *std::min_element(released_.begin(), released_.end()) < slots_.size();
  });
  if (cancelled_) return nullptr;
  Slot* slot = &slots_[published_ % slots_.size()];
  slot->size = 0;
  return slot;
}

void BufferRing::PublishFull(Slot*) {
  {
    std::lock_guard lock(mu_);
    ++published_;
  }
  cv_.notify_all();
}

void BufferRing::CloseProducer() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

BufferRing::Slot* BufferRing::AcquireFull(int c) {
  std::unique_lock lock(mu_);
  uint64_t& taken = taken_[static_cast<size_t>(c)];
  cv_.wait(lock, [&] { return cancelled_ || closed_ || taken < published_; });
  if (cancelled_ || taken == published_) return nullptr;
  return &slots_[taken++ % slots_.size()];
}

void BufferRing::Release(int c) {
  {
    std::lock_guard lock(mu_);
    ++released_[static_cast<size_t>(c)];
  }
  cv_.notify_all();
}

void BufferRing::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

ConcurrentHashingSink::ConcurrentHashingSink(ByteSink& next, Hashing hashing)
    : writer_index_(hashing == Hashing::kOn ? 1 : 0),
      next_(next),
      ring_(kRingSlots, kRingSlotSize, writer_index_ + 1),
      writer_([this] { WriteOut(); }) {
  if (hashing == Hashing::kOn) hasher_ = std::thread([this] { Hash(); });
}

ConcurrentHashingSink::~ConcurrentHashingSink() {
  if (!finished_) ring_.Cancel();  // the caller has failed: drop what is queued
  if (hasher_.joinable()) hasher_.join();
  if (writer_.joinable()) writer_.join();
}

void ConcurrentHashingSink::Hash() {
  while (BufferRing::Slot* slot = ring_.AcquireFull(kHasher)) {
    hash_.Update(ByteView(slot->data).first(slot->size));
    ring_.Release(kHasher);
  }
}

void ConcurrentHashingSink::WriteOut() {
  while (BufferRing::Slot* slot = ring_.AcquireFull(writer_index_)) {
    Status s = next_.Write(ByteView(slot->data).first(slot->size));
    ring_.Release(writer_index_);
    if (!s.ok()) {
      {
        std::lock_guard lock(error_mu_);
        error_ = s.error();
      }
      ring_.Cancel();  // the caller's next Write() or Finish() reports it
      return;
    }
  }
}

Status ConcurrentHashingSink::WriterError() {
  std::lock_guard lock(error_mu_);
  if (error_) return *error_;
  return Error(ErrorCode::kInternal, "hashing writer stopped");
}

Status ConcurrentHashingSink::Write(ByteView data) {
  if (finished_) return Error(ErrorCode::kInternal, "write after finish");
  bytes_ += data.size();
  while (!data.empty()) {
    if (filling_ == nullptr) {
      filling_ = ring_.AcquireEmpty();
      if (filling_ == nullptr) return WriterError();
    }
    size_t n = std::min(data.size(), filling_->data.size() - filling_->size);
    std::memcpy(filling_->data.data() + filling_->size, data.data(), n);
    filling_->size += n;
    data = data.subspan(n);
    if (filling_->size == filling_->data.size()) {
      ring_.PublishFull(filling_);
      filling_ = nullptr;
    }
  }
  return Ok();
}

Status ConcurrentHashingSink::Finish() {
  if (finished_) return Error(ErrorCode::kInternal, "finish twice");
  finished_ = true;
  if (filling_ != nullptr && filling_->size > 0) ring_.PublishFull(filling_);
  filling_ = nullptr;
  ring_.CloseProducer();
  if (hasher_.joinable()) hasher_.join();
  writer_.join();
  std::lock_guard lock(error_mu_);
  if (error_) return *error_;
  return Ok();
}

ReadAheadHashingSource::ReadAheadHashingSource(ByteSource& next)
    : next_(next), ring_(kRingSlots, kRingSlotSize), worker_([this] { Run(); }) {}

ReadAheadHashingSource::~ReadAheadHashingSource() {
  ring_.Cancel();  // a no-op once the worker has finished
  Join();
}

void ReadAheadHashingSource::Join() {
  if (worker_.joinable()) worker_.join();
}

void ReadAheadHashingSource::Run() {
  bool end = false;
  while (!end) {
    BufferRing::Slot* slot = ring_.AcquireEmpty();
    if (slot == nullptr) break;  // the caller gave up
    // Fill the buffer; what was read before an error or the end still goes
    // to the caller first, as a plain read would have returned it.
    while (slot->size < slot->data.size()) {
      Result<size_t> n = next_.Read(std::span(slot->data).subspan(slot->size));
      if (!n.ok()) {
        error_ = n.error();  // published to the caller by CloseProducer's lock
        end = true;
        break;
      }
      if (*n == 0) {
        end = true;
        break;
      }
      slot->size += *n;
    }
    hash_.Update(ByteView(slot->data).first(slot->size));
    bytes_ += slot->size;
    if (slot->size > 0) ring_.PublishFull(slot);
  }
  ring_.CloseProducer();
}

Result<size_t> ReadAheadHashingSource::Read(std::span<uint8_t> out) {
  if (out.empty()) return size_t{0};
  while (reading_ == nullptr || offset_ == reading_->size) {
    if (reading_ != nullptr) ring_.Release();
    reading_ = nullptr;
    offset_ = 0;
    if (done_) {
      if (error_) return *error_;
      return size_t{0};
    }
    reading_ = ring_.AcquireFull();
    if (reading_ == nullptr) {
      done_ = true;
      Join();  // the worker has closed: its hash and error are final
      if (error_) return *error_;
      return size_t{0};
    }
  }
  size_t n = std::min(out.size(), reading_->size - offset_);
  std::memcpy(out.data(), reading_->data.data() + offset_, n);
  offset_ += n;
  return n;
}

Sha256::Digest ReadAheadHashingSource::Final() {
  ring_.Cancel();
  Join();
  return hash_.Final();
}

uint64_t ReadAheadHashingSource::bytes() {
  ring_.Cancel();
  Join();
  return bytes_;
}

Blake2b512::Digest Blake2b512::Final() {
  Digest out{};
  crypto_generichash_final(&state_, out.data(), out.size());
  return out;
}

std::array<uint8_t, 32> Blake2b256(ByteView data) {
  std::array<uint8_t, 32> out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

}  // namespace cordon::crypto
