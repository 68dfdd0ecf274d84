#include "pipeline/key_set.h"

#include <cstdlib>
#include <cstring>

namespace cordon::pipeline {
namespace {

uint64_t Hash(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a, then an avalanche
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

void KeySet::Encode(std::string_view key, std::string& out) {
  out.clear();
  if (!key.empty() && key.size() <= 127 && AllDigits(key)) {
    out.push_back(static_cast<char>(0x80 | key.size()));
    for (size_t i = 0; i < key.size(); i += 2) {
      int hi = key[i] - '0', lo = i + 1 < key.size() ? key[i + 1] - '0' : 0;
      out.push_back(static_cast<char>(hi << 4 | lo));
    }
  } else if (key.size() < 127) {
    out.push_back(static_cast<char>(key.size()));
    out.append(key);
  } else {
    out.push_back(127);
    uint32_t n = static_cast<uint32_t>(key.size());
    out.append(reinterpret_cast<const char*>(&n), 4);
    out.append(key);
  }
}

std::string_view KeySet::EncodedAt(uint32_t offset) const {
  const char* p = chunks_[offset / kChunk].get() + offset % kChunk;
  auto h = static_cast<unsigned char>(p[0]);
  if (h & 0x80) return {p, 1 + static_cast<size_t>(((h & 0x7F) + 1) / 2)};
  if (h < 127) return {p, 1 + static_cast<size_t>(h)};
  uint32_t n;
  std::memcpy(&n, p + 1, 4);
  return {p, 5 + static_cast<size_t>(n)};
}

void KeySet::Insert(std::string_view key) {
  if (frozen_) std::abort();  // a caller bug, not an input error
  Encode(key, scratch_);
  if (scratch_.size() > kChunk) std::abort();  // records are limited far below 4 MiB
  if (chunk_used_ + scratch_.size() > kChunk) {
    chunks_.push_back(std::make_unique<char[]>(kChunk));
    chunk_used_ = 0;
  }
  uint64_t offset = (chunks_.size() - 1) * kChunk + chunk_used_;
  if (offset >= kEmpty) std::abort();  // 4 GiB of keys: beyond design
  std::memcpy(chunks_.back().get() + chunk_used_, scratch_.data(), scratch_.size());
  chunk_used_ += scratch_.size();
  offsets_.push_back(static_cast<uint32_t>(offset));
}

void KeySet::Freeze() {
  if (frozen_) return;
  frozen_ = true;
  slots_.assign(offsets_.size() * 5 / 4 + 16, kEmpty);
  for (uint32_t offset : offsets_) {
    std::string_view enc = EncodedAt(offset);
    size_t i = Slot(Hash(enc));
    for (;; i = i + 1 == slots_.size() ? 0 : i + 1) {
      if (slots_[i] == kEmpty) {
        slots_[i] = offset;
        ++size_;
        break;
      }
      if (EncodedAt(slots_[i]) == enc) break;  // duplicate
    }
  }
  std::vector<uint32_t>().swap(offsets_);
}

bool KeySet::Contains(std::string_view key) const {
  if (!frozen_) std::abort();
  Encode(key, scratch_);
  size_t i = Slot(Hash(scratch_));
  for (;; i = i + 1 == slots_.size() ? 0 : i + 1) {
    if (slots_[i] == kEmpty) return false;
    if (EncodedAt(slots_[i]) == scratch_) return true;
  }
}

size_t KeySet::memory_bytes() const {
  return chunks_.size() * kChunk + slots_.capacity() * 4 + offsets_.capacity() * 4;
}

}  // namespace cordon::pipeline
