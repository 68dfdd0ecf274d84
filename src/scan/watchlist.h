// Watchlists of real identifiers that hold no identifier: keyed, truncated
// digests of the production data's identifiers, so that `cordon scan
// --watchlist` can tell a real patient's NIR from a valid pseudonym on a test
// server without the production data being there (docs/watchlist.md).
//
// A digest is the first 64 bits of a keyed PRF of the identifier's kind
// and normal form (detect/normalize.h), under a key derived from the
// controller's watch key:
//   version 2 (written): AES-256-CMAC(k2, tag ‖ normal form), tag one byte
//     per kind (nir 1, cpr 2, iban 3, card 4, email 5, phone 6), k2 =
//     HKDF-SHA-256(watch key, salt "cordon watchlist v2", info "digest");
//     a NIR is one AES block, and the scanner enciphers a batch of findings
//     together (crypto/aes_cmac.h): some 50 times cheaper than
//   version 1 (still read): HMAC-SHA-256(k1, kind name ‖ 0x00 ‖ normal
//     form), k1 the same with salt "cordon watchlist v1".
// The file names the key by its id, so a scan with another key is refused
// instead of silently matching nothing. A value not in production matches
// a watchlist of n digests with probability n / 2^64 (5.4e-14 per lookup
// for a million).
//
// The file format:
//   cordon-watchlist 2\n                (or 1)
//   key <the watch key's id: 16 lowercase hex digits>\n
//   digest aes256-cmac-64\n             (version 1: hmac-sha256-64)
//   count <N, decimal>\n
//   \n
//   N digests, 8 bytes each, big-endian, strictly increasing
//   SHA-256 of every byte before it (32 bytes; detects corruption, not
//   forgery: the watchlist is as trusted as the place it is kept)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/default_init_allocator.h"
#include "core/io.h"
#include "core/result.h"
#include "core/secret_buffer.h"
#include "crypto/aes_cmac.h"
#include "crypto/kdf.h"
#include "detect/validators.h"

namespace cordon::scan {

// How a watchlist's digests are made: its format version.
enum class DigestScheme { kHmacSha256 = 1, kAesCmac = 2 };

// Identifiers normalized into one buffer, for their digests to be computed
// together (WatchKey::DigestAll). Not thread-safe: one per thread.
class DigestBatch {
 public:
  explicit DigestBatch(DigestScheme scheme) : scheme_(scheme) {}
  // Adds an identifier of `kind` as found; false (nothing added) when it
  // has no normal form.
  bool Add(detect::Kind kind, std::string_view text);
  size_t size() const { return ends_.size(); }
  void Clear();
  ~DigestBatch() { Clear(); }
  DigestBatch(const DigestBatch&) = delete;
  DigestBatch& operator=(const DigestBatch&) = delete;

 private:
  friend class WatchKey;
  DigestScheme scheme_;
  // Each message's bytes, one after the other, in the first `used_` bytes
  // (grown, never shrunk or zero-filled per message; wiped by Clear).
  std::vector<char> messages_;
  size_t used_ = 0;
  std::vector<uint32_t> ends_;  // where each ends in messages_
  std::vector<ByteView> views_;
  std::vector<crypto::Mac128> macs_;
};

// The controller's watch key: 32 random bytes in a file
// ("CORDON-WATCH-KEY-1 <base64>"), named by a 64-bit id that reveals nothing
// of it. Whoever holds it can test candidate numbers against a watchlist:
// it stays with the controller (or the scanning CI's secret store), never
// beside the watchlist on the scanned machine's disk for longer than a scan.
// Immutable once made: Digest is const and thread-safe.
class WatchKey {
 public:
  static WatchKey Generate();
  // Parses a key file (comment lines allowed); the id is recomputed.
  static Result<WatchKey> Parse(ByteView file_text);

  const std::string& id() const { return id_; }
  // The key file's text, in a wiped buffer.
  SecretBuffer FileText() const;
  // The digest of an identifier of `kind` as found or as stored (it is
  // normalized first); nullopt when it has no normal form (empty, too long).
  std::optional<uint64_t> Digest(DigestScheme scheme, detect::Kind kind,
                                 std::string_view text) const;
  // The digest as this cordon writes watchlists (version 2).
  std::optional<uint64_t> Digest(detect::Kind kind, std::string_view text) const {
    return Digest(DigestScheme::kAesCmac, kind, text);
  }
  // The digests of a batch, in the order added (`out` is replaced); the
  // batch is cleared.
  void DigestAll(DigestBatch& batch, std::vector<uint64_t>& out) const;

 private:
  explicit WatchKey(SecretBuffer secret);
  // This thread's AES-CMAC under k2 (an OpenSSL context is not shared
  // between threads); made on first use per thread and key.
  crypto::AesCmac& ThreadCmac() const;
  SecretBuffer secret_;
  std::string id_;
  crypto::HmacSha256Prf prf_;  // version 1
  SecretBuffer cmac_key_;      // version 2
  uint64_t serial_;            // tells this key from another in ThreadCmac
};

// A parsed watchlist: its key id and its sorted digests. Immutable once
// made: Contains is const and thread-safe.
class Watchlist {
 public:
  // Sorts and deduplicates `digests`.
  Watchlist(std::string key_id, std::vector<uint64_t> digests,
            DigestScheme scheme = DigestScheme::kAesCmac);

  // Reads a watchlist file of `size` bytes (its size when opened) from `in`;
  // every defect (another magic, another version, a truncated or corrupted
  // file, unsorted digests) is a clear error. The digests go from the file
  // straight to their place in memory, and each 64 KiB of them is hashed,
  // checked and indexed while it is still in the CPU's cache: one pass over
  // memory where reading, checksum, decoding and indexing made four (a scan
  // pays this before its first file: 4 MiB for half a million identifiers).
  static Result<Watchlist> Read(ByteSource& in, uint64_t size);
  // Read over bytes in memory.
  static Result<Watchlist> Parse(ByteView file);
  // The union of watchlists made with one key and version (a newer
  // snapshot beside an older one, two production systems). Fails naming the
  // first list whose key or version differs; an empty list of lists is an
  // error too. One list is returned as it is (no copy, no new index).
  static Result<Watchlist> Merge(std::vector<Watchlist> lists);

  Bytes Serialize() const;
  const std::string& key_id() const { return key_id_; }
  DigestScheme scheme() const { return scheme_; }
  size_t size() const { return digests_.size(); }
  bool Contains(uint64_t digest) const;
  // Contains for many digests at once (`real` as long as `digests`; 1 when
  // in the list): their memory is fetched in parallel, several times faster
  // than one Contains after another once the list outgrows the CPU caches.
  void ContainsMany(std::span<const uint64_t> digests, std::span<uint8_t> real) const;
  // The two steps of a look-up, for callers that have other work to overlap
  // with its memory access (the scanner computes the next findings' HMACs):
  // Prefetch starts fetching what MayContain reads; MayContain false means
  // certainly not in the list, true means Contains must decide (true for
  // every member, and for under 1/16 of the other values).
  void Prefetch(uint64_t digest) const {
    __builtin_prefetch(&filter_[(digest >> filter_shift_) >> 6]);
  }
  bool MayContain(uint64_t digest) const {
    const uint64_t bit = digest >> filter_shift_;
    return (filter_[bit >> 6] >> (bit & 63)) & 1;
  }
  // The file's size for `count` digests.
  static uint64_t FileSize(uint64_t count);

 private:
  // Builds the two in-memory structures over the sorted digests (neither is
  // in the file):
  // - a filter: one bit per value of a digest's top bits, set when a digest
  //   has them, with 16 to 32 bits per digest. A value not in the list
  //   passes it with probability under 1/16, so most look-ups end after one
  //   independent memory access (a test server's findings are mostly not in
  //   production);
  // - where each bucket of digests (by their top bits) starts: a look-up
  //   that passes the filter reads two adjacent offsets and about 16
  //   digests (two cache lines), where a binary search over millions would
  //   take twenty misses.
  void BuildIndex();
  // BuildIndex in steps: sizes the index for `count` digests, then takes
  // digests_[begin, end) (in order), then closes the buckets.
  void StartIndex(size_t count);
  void IndexRange(size_t begin, size_t end);
  // For Read: IndexRange over all digests as the file holds them (`raw`,
  // big-endian), without writing them; the index of the first digest not
  // greater than the one before it, if any.
  std::optional<size_t> IndexBigEndian(const uint8_t* raw);
  // Both, over digest(i) for i in [begin, end): the index of the first
  // digest not greater than the one before it, if any (then not indexed).
  template <class Digest>
  std::optional<size_t> IndexEach(size_t begin, size_t end, Digest digest);
  void FinishIndex();
  bool InBucket(uint64_t digest) const;

  // Filled by read() before anything else touches it: not zeroed first.
  using Digests = std::vector<uint64_t, DefaultInitAllocator<uint64_t>>;
  std::string key_id_;
  DigestScheme scheme_ = DigestScheme::kAesCmac;
  Digests digests_;                // strictly increasing
  std::vector<uint64_t> filter_;   // 2^filter_bits bits
  int filter_shift_ = 58;          // 64 - filter_bits
  std::vector<uint32_t> buckets_;  // 2^bits + 1 offsets into digests_
  int shift_ = 64;                 // 64 - bits
  size_t next_bucket_ = 0;         // the first bucket IndexRange has not opened
};

// Whether a key can read a watchlist: an error naming both ids otherwise.
Status CheckWatchKey(const Watchlist& list, const WatchKey& key);

// What the scan asks of each validated finding: is it a real identifier
// (its digest is in the watchlist)? Immutable: thread-safe.
class WatchChecker {
 public:
  // Fails (CheckWatchKey) when the watchlist was made with another key.
  static Result<WatchChecker> Create(WatchKey key, Watchlist list);
  bool IsReal(detect::Kind kind, std::string_view text) const;
  // The two halves of IsReal, for look-ups in batches (list().ContainsMany).
  std::optional<uint64_t> Digest(detect::Kind kind, std::string_view text) const {
    return key_.Digest(list_.scheme(), kind, text);
  }
  DigestBatch NewBatch() const { return DigestBatch(list_.scheme()); }
  void DigestAll(DigestBatch& batch, std::vector<uint64_t>& out) const {
    key_.DigestAll(batch, out);
  }
  const Watchlist& list() const { return list_; }

 private:
  WatchChecker(WatchKey key, Watchlist list) : key_(std::move(key)), list_(std::move(list)) {}
  WatchKey key_;
  Watchlist list_;
};

// Collects the digests of a production source's identifiers (version 2,
// unless told otherwise). Not thread-safe: one builder per thread.
class WatchlistBuilder {
 public:
  explicit WatchlistBuilder(const WatchKey& key, DigestScheme scheme = DigestScheme::kAesCmac)
      : key_(key), scheme_(scheme) {}

  // One identifier of `kind` as written; false when it has no normal form.
  bool Add(detect::Kind kind, std::string_view text);
  // Every identifier the detectors find in `text` (any kind).
  void AddText(std::string_view text);
  // A cell of a column named as holding identifiers: the whole cell
  // (trimmed) under every kind that validates it, including what the
  // detectors alone would not take: ten bare digits that are a CPR by their
  // date but not by mod 11. Returns the kinds it was added as.
  unsigned AddValue(std::string_view cell);

  // Distinct identifiers per kind so far (indexed by detect::Kind).
  std::array<uint64_t, detect::kKindCount> DistinctCounts();
  Watchlist Finish();

 private:
  const WatchKey& key_;
  DigestScheme scheme_;
  std::array<std::vector<uint64_t>, detect::kKindCount> digests_;
};

}  // namespace cordon::scan
