#include "ledger/hash_levels.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/file.h"

namespace cordon::ledger {

Result<HashLevels> HashLevels::Open(const std::string& dir, bool writable) {
  if (writable && mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoError(dir);
  HashLevels h;
  h.dir_ = dir;
  for (int k = 0; k < kLevels; ++k) {
    std::string path = dir + "/" + std::to_string(k);
    int fd = open(path.c_str(), (writable ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (!writable && errno == ENOENT) break;
      return ErrnoError(path);
    }
    h.fds_[k] = UniqueFd(fd);
    struct stat st {};
    if (fstat(fd, &st) != 0) return ErrnoError(path);
    h.count_[k] = h.flushed_[k] = static_cast<uint64_t>(st.st_size) / 32;
    if (static_cast<uint64_t>(st.st_size) % 32 != 0 && writable) {
      if (ftruncate(fd, static_cast<off_t>(h.count_[k] * 32)) != 0) return ErrnoError(path);
    }
  }
  return h;
}

bool HashLevels::Consistent() const {
  for (int k = 1; k < kLevels; ++k) {
    if (count_[k] != count_[0] >> k) return false;
  }
  return true;
}

Result<Hash> HashLevels::Read(int level, uint64_t index) const {
  if (level >= kLevels || index >= count_[level]) {
    return Error(ErrorCode::kInternal, "tree index out of range");
  }
  Hash h{};
  if (index >= flushed_[level]) {
    std::memcpy(h.data(), pending_[level].data() + (index - flushed_[level]) * 32, 32);
    return h;
  }
  ssize_t n = pread(fds_[level].get(), h.data(), 32, static_cast<off_t>(index * 32));
  if (n != 32)
    return Error(ErrorCode::kIo, dir_ + ": short read in level " + std::to_string(level));
  return h;
}

Status HashLevels::Push(const Hash& leaf) {
  Hash h = leaf;
  for (int k = 0; k < kLevels; ++k) {
    pending_[k].insert(pending_[k].end(), h.begin(), h.end());
    ++count_[k];
    if (count_[k] & 1) break;  // this level's new subtree has no sibling yet
    // The two last hashes of level k form a complete subtree of level k + 1.
    Hash left{};
    const Bytes& p = pending_[k];
    if (p.size() >= 64) {
      std::memcpy(left.data(), p.data() + p.size() - 64, 32);
    } else {
      CORDON_ASSIGN_OR_RETURN(left, Read(k, count_[k] - 2));
    }
    h = NodeHash(left, h);
  }
  return Ok();
}

Status HashLevels::Flush() {
  for (int k = 0; k < kLevels; ++k) {
    if (pending_[k].empty()) continue;
    const Bytes& p = pending_[k];
    size_t done = 0;
    while (done < p.size()) {
      ssize_t n = pwrite(fds_[k].get(), p.data() + done, p.size() - done,
                         static_cast<off_t>(flushed_[k] * 32 + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ErrnoError(dir_ + "/" + std::to_string(k));
      done += static_cast<size_t>(n);
    }
    flushed_[k] = count_[k];
    pending_[k].clear();
  }
  return Ok();
}

Status HashLevels::Truncate(uint64_t n) {
  CORDON_TRY(Flush());
  for (int k = 0; k < kLevels; ++k) {
    uint64_t keep = n >> k;
    if (count_[k] <= keep) continue;
    if (ftruncate(fds_[k].get(), static_cast<off_t>(keep * 32)) != 0) {
      return ErrnoError(dir_ + "/" + std::to_string(k));
    }
    count_[k] = flushed_[k] = keep;
  }
  return Ok();
}

Result<Hash> HashLevels::Subtree(uint64_t start, uint64_t size) const {
  if (size == 0 || start + size > count_[0]) {
    return Error(ErrorCode::kInternal, "subtree out of range");
  }
  if ((size & (size - 1)) == 0) {  // a complete subtree: one read
    int k = __builtin_ctzll(size);
    if (start % size != 0) return Error(ErrorCode::kInternal, "unaligned subtree");
    return Read(k, start >> k);
  }
  uint64_t split = uint64_t{1} << (63 - __builtin_clzll(size - 1));
  CORDON_ASSIGN_OR_RETURN(Hash left, Subtree(start, split));
  CORDON_ASSIGN_OR_RETURN(Hash right, Subtree(start + split, size - split));
  return NodeHash(left, right);
}

Result<Hash> HashLevels::Root(uint64_t size) const {
  if (size == 0) return RootOf({});
  return Subtree(0, size);
}

}  // namespace cordon::ledger
