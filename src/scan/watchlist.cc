#include "scan/watchlist.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

#include "core/encoding.h"
#include "core/key_file.h"
#include "core/secret_buffer.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "detect/matcher.h"
#include "detect/normalize.h"

namespace cordon::scan {
namespace {

constexpr std::string_view kKeyPrefix = "CORDON-WATCH-KEY-1 ";
constexpr size_t kSecretSize = 32;
constexpr std::string_view kMagic = "cordon-watchlist ";
// Per version (DigestScheme): the header's version and digest lines.
std::string_view VersionOf(DigestScheme s) { return s == DigestScheme::kAesCmac ? "2" : "1"; }
std::string_view DigestLineOf(DigestScheme s) {
  return s == DigestScheme::kAesCmac ? "digest aes256-cmac-64" : "digest hmac-sha256-64";
}
constexpr size_t kDigestSize = 8;
constexpr size_t kChecksumSize = 32;
// Lists of at least this many bytes are hashed on a thread of their own
// as they are indexed (starting a thread costs about what hashing 100 KiB does).
constexpr size_t kHashOnAThreadFrom = size_t{1} << 20;
// The in-memory index holds 32-bit offsets (2^31 digests: a 16 GiB file).
constexpr uint64_t kMaxDigests = uint64_t{1} << 31;

// The id names the key without revealing it (a hash of the secret under a
// label of its own, cut to 64 bits), as pseudonym keys are named.
std::string IdOf(const SecretBuffer& secret) {
  crypto::Sha256 h;
  h.Update(AsBytes(std::string_view("cordon watch key id v1")));
  h.Update(secret.RevealBytes());
  auto digest = h.Final();
  return HexEncode(ByteView(digest.data(), 8));
}

// The MAC key is derived, not the file's secret itself: the secret then
// serves only as the root of labelled keys (a later version can derive
// another without the two meeting).
SecretBuffer MacKey(const SecretBuffer& secret) {
  return crypto::HkdfSha256(secret, AsBytes(std::string_view("cordon watchlist v1")), "digest", 32);
}
SecretBuffer CmacKey(const SecretBuffer& secret) {
  return crypto::HkdfSha256(secret, AsBytes(std::string_view("cordon watchlist v2")), "digest", 32);
}

// Version 2's one-byte kind tags: fixed by the format, whatever the order
// of detect::Kind.
uint8_t KindTag(detect::Kind kind) {
  switch (kind) {
    case detect::Kind::kNir:
      return 1;
    case detect::Kind::kCpr:
      return 2;
    case detect::Kind::kIban:
      return 3;
    case detect::Kind::kCard:
      return 4;
    case detect::Kind::kEmail:
      return 5;
    case detect::Kind::kPhone:
      return 6;
  }
  return 0;
}

// The message a digest is made of: version 1 "kind name ‖ 0x00 ‖ normal
// form" (no kind name holds a NUL), version 2 "tag ‖ normal form"; the kinds
// are separate domains either way (a card number's digits never meet a
// CPR's). Written at `out` (room for 16 + kMaxNormalizedSize bytes); its
// length, 0 when the identifier has no normal form.
size_t Message(DigestScheme scheme, detect::Kind kind, std::string_view text, char* out) {
  size_t head = 0;
  if (scheme == DigestScheme::kAesCmac) {
    out[head++] = static_cast<char>(KindTag(kind));
  } else {
    const std::string_view name = detect::KindName(kind);
    std::memcpy(out, name.data(), name.size());
    out[name.size()] = '\0';
    head = name.size() + 1;
  }
  const size_t n = detect::NormalizeIdentifier(
      kind, text, std::span<char>(out + head, detect::kMaxNormalizedSize));
  return n == 0 ? 0 : head + n;
}
constexpr size_t kMaxMessage = 16 + detect::kMaxNormalizedSize;

// Every WatchKey a number of its own, so that a thread's cached AES-CMAC
// is never used for another key (an address can be reused).
std::atomic<uint64_t> next_serial{1};

bool IsKeyId(std::string_view s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

uint64_t LoadBigEndian(const uint8_t* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

Error Bad(std::string what) {
  return Error(ErrorCode::kMalformed, "not a valid watchlist: " + std::move(what),
               "make it again with `cordon watchlist build`");
}

// Takes one '\n'-terminated line off `rest`; nullopt when there is none.
std::optional<std::string_view> TakeLine(std::string_view& rest) {
  size_t nl = rest.find('\n');
  if (nl == std::string_view::npos || nl > 64) return std::nullopt;
  std::string_view line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return line;
}

}  // namespace

WatchKey::WatchKey(SecretBuffer secret)
    : secret_(std::move(secret)),
      id_(IdOf(secret_)),
      prf_(MacKey(secret_)),
      cmac_key_(CmacKey(secret_)),
      serial_(next_serial++) {}

WatchKey WatchKey::Generate() { return WatchKey(crypto::RandomSecret(kSecretSize)); }

Result<WatchKey> WatchKey::Parse(ByteView file_text) {
  CORDON_ASSIGN_OR_RETURN(SecretBuffer secret,
                          ParseKeyFile(file_text, kKeyPrefix, kSecretSize,
                                       Error(ErrorCode::kMalformed, "not a cordon watch key file",
                                             "make one with `cordon watchlist keygen -o FILE`")));
  return WatchKey(std::move(secret));
}

SecretBuffer WatchKey::FileText() const {
  return FormatKeyFile(
      "# cordon watch key " + id_ +
          "\n# Secret: whoever holds it can test numbers against the watchlists made with it.\n",
      kKeyPrefix, secret_);
}

crypto::AesCmac& WatchKey::ThreadCmac() const {
  thread_local uint64_t serial = 0;
  thread_local std::optional<crypto::AesCmac> cmac;
  if (serial != serial_ || !cmac) {
    auto made = crypto::AesCmac::Create(cmac_key_);
    if (!made.ok()) std::abort();  // a 32-byte key: cannot fail
    cmac.emplace(std::move(*made));
    serial = serial_;
  }
  return *cmac;
}

std::optional<uint64_t> WatchKey::Digest(DigestScheme scheme, detect::Kind kind,
                                         std::string_view text) const {
  char message[kMaxMessage];
  const size_t n = Message(scheme, kind, text, message);
  if (n == 0) return std::nullopt;
  const ByteView bytes(reinterpret_cast<const uint8_t*>(message), n);
  uint64_t digest = 0;
  if (scheme == DigestScheme::kAesCmac) {
    digest = LoadBigEndian(ThreadCmac().Mac(bytes).data());
  } else {
    digest = LoadBigEndian(prf_.Mac(bytes).data());
  }
  OPENSSL_cleanse(message, n);
  return digest;
}

void WatchKey::DigestAll(DigestBatch& batch, std::vector<uint64_t>& out) const {
  const size_t n = batch.size();
  out.resize(n);
  batch.views_.resize(n);
  const auto* base = reinterpret_cast<const uint8_t*>(batch.messages_.data());
  for (size_t i = 0, begin = 0; i < n; begin = batch.ends_[i++]) {
    batch.views_[i] = ByteView(base + begin, batch.ends_[i] - begin);
  }
  if (batch.scheme_ == DigestScheme::kAesCmac) {
    batch.macs_.resize(n);
    ThreadCmac().MacMany(batch.views_, batch.macs_);
    for (size_t i = 0; i < n; ++i) out[i] = LoadBigEndian(batch.macs_[i].data());
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = LoadBigEndian(prf_.Mac(batch.views_[i]).data());
  }
  batch.Clear();
}

bool DigestBatch::Add(detect::Kind kind, std::string_view text) {
  if (messages_.size() < used_ + kMaxMessage) {
    // Normal forms of identifiers: growing leaves no copy in freed memory.
    const size_t size = std::max(2 * messages_.size(), used_ + kMaxMessage);
    ReserveWiped(messages_, size);
    messages_.resize(size);
  }
  const size_t n = Message(scheme_, kind, text, messages_.data() + used_);
  if (n == 0) return false;
  used_ += n;
  ends_.push_back(static_cast<uint32_t>(used_));
  return true;
}

void DigestBatch::Clear() {
  // The normal forms of identifiers found: wiped, not just dropped (and
  // whatever a refused one left past used_).
  OPENSSL_cleanse(messages_.data(), std::min(messages_.size(), used_ + kMaxMessage));
  used_ = 0;
  ends_.clear();
}

Watchlist::Watchlist(std::string key_id, std::vector<uint64_t> digests, DigestScheme scheme)
    : key_id_(std::move(key_id)), scheme_(scheme) {
  std::sort(digests.begin(), digests.end());
  digests.erase(std::unique(digests.begin(), digests.end()), digests.end());
  digests_.assign(digests.begin(), digests.end());
  BuildIndex();
}

void Watchlist::BuildIndex() {
  StartIndex(digests_.size());
  IndexRange(0, digests_.size());
  FinishIndex();
}

void Watchlist::StartIndex(size_t count) {
  // About 16 digests per bucket (128 bytes: two cache lines to search):
  // the index costs a quarter of a byte per digest, small enough to stay in
  // the CPU's caches, and to build.
  int bits = 0;
  while (bits < 30 && (uint64_t{1} << (bits + 4)) < count) ++bits;
  shift_ = 64 - bits;
  buckets_.resize((size_t{1} << bits) + 1);
  next_bucket_ = 0;
  // At least 16 filter bits per digest (2 to 4 bytes each), 64 at the least:
  // a value not in the list passes with probability under 1 - e^(-1/16).
  int filter_bits = 6;
  while (filter_bits < 36 && (uint64_t{1} << filter_bits) < 16 * count) ++filter_bits;
  filter_shift_ = 64 - filter_bits;
  filter_.assign(size_t{1} << (filter_bits - 6), 0);
}

template <class Digest>
std::optional<size_t> Watchlist::IndexEach(size_t begin, size_t end, Digest digest) {
  // The digests come in increasing order, so the buckets open one after
  // the other and the filter's bits are set from its start to its end:
  // both written front to back, never at random. Members copied into
  // locals: the compiler cannot know that the stores into the arrays leave
  // them unchanged, and would reload every one of them at every digest.
  uint32_t* buckets = buckets_.data();
  uint64_t* filter = filter_.data();
  const size_t last_bucket = buckets_.size() - 1;
  const int shift = shift_;
  const int filter_shift = filter_shift_;
  size_t next = next_bucket_;
  uint64_t previous = 0;
  for (size_t i = begin; i < end; ++i) {
    const uint64_t d = digest(i);
    if (i > 0 && d <= previous) return i;
    previous = d;
    const size_t b = shift == 64 ? 0 : static_cast<size_t>(d >> shift);
    const auto at = static_cast<uint32_t>(i);
    while (next <= b && next < last_bucket) buckets[next++] = at;
    const uint64_t bit = d >> filter_shift;
    filter[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
  next_bucket_ = next;
  return std::nullopt;
}

void Watchlist::IndexRange(size_t begin, size_t end) {
  const uint64_t* digests = digests_.data();
  (void)IndexEach(begin, end, [digests](size_t i) { return digests[i]; });  // sorted, unique
}

std::optional<size_t> Watchlist::IndexBigEndian(const uint8_t* raw) {
  return IndexEach(0, digests_.size(),
                   [raw](size_t i) { return LoadBigEndian(raw + i * kDigestSize); });
}

void Watchlist::FinishIndex() {
  while (next_bucket_ < buckets_.size()) {
    buckets_[next_bucket_++] = static_cast<uint32_t>(digests_.size());
  }
}

uint64_t Watchlist::FileSize(uint64_t count) {
  const DigestScheme s = DigestScheme::kAesCmac;
  std::string head = std::string(kMagic) + std::string(VersionOf(s)) + "\nkey 0123456789abcdef\n" +
                     std::string(DigestLineOf(s)) + "\ncount " + std::to_string(count) + "\n\n";
  return head.size() + count * kDigestSize + kChecksumSize;
}

Bytes Watchlist::Serialize() const {
  std::string head = std::string(kMagic) + std::string(VersionOf(scheme_)) + "\nkey " + key_id_ +
                     "\n" + std::string(DigestLineOf(scheme_)) + "\ncount " +
                     std::to_string(digests_.size()) + "\n\n";
  Bytes out(head.begin(), head.end());
  out.reserve(head.size() + digests_.size() * kDigestSize + kChecksumSize);
  for (uint64_t d : digests_) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(d >> shift));
  }
  auto sum = crypto::Sha256::Hash(out);
  out.insert(out.end(), sum.begin(), sum.end());
  return out;
}

namespace {

// What a watchlist's header says.
struct Header {
  DigestScheme scheme = DigestScheme::kAesCmac;
  std::string key_id;
  uint64_t count = 0;
  size_t size = 0;  // its bytes, up to and including the blank line
};

// Parses the header at the start of `prefix` (the file's first bytes).
Result<Header> ParseHeader(std::string_view prefix) {
  std::string_view rest = prefix;
  Header h;
  auto magic = TakeLine(rest);
  if (!magic || !magic->starts_with(kMagic)) {
    return Bad("it does not start with \"cordon-watchlist 2\"");
  }
  if (std::string_view version = magic->substr(kMagic.size()); version == "2") {
    h.scheme = DigestScheme::kAesCmac;
  } else if (version == "1") {
    h.scheme = DigestScheme::kHmacSha256;
  } else {
    return Error(ErrorCode::kUnsupported,
                 "watchlist format version \"" + std::string(version.substr(0, 16)) +
                     "\" is not supported (this cordon reads versions 1 and 2)",
                 "build the watchlist again with this cordon");
  }
  const std::string_view digest_line = DigestLineOf(h.scheme);
  auto key = TakeLine(rest);
  if (!key || !key->starts_with("key ") || !IsKeyId(key->substr(4))) {
    return Bad("its second line is not \"key <16 lowercase hex digits>\"");
  }
  h.key_id = std::string(key->substr(4));
  auto digest = TakeLine(rest);
  if (!digest || *digest != digest_line) {
    return Bad("its third line is not \"" + std::string(digest_line) + "\"");
  }
  auto count_line = TakeLine(rest);
  if (!count_line || !count_line->starts_with("count ")) return Bad("no \"count\" line");
  std::string_view digits = count_line->substr(6);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), h.count);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
      (digits.size() > 1 && digits[0] == '0')) {
    return Bad("its count is not a decimal number");
  }
  auto blank = TakeLine(rest);
  if (!blank || !blank->empty()) return Bad("no blank line after its header");
  if (h.count > kMaxDigests) {
    return Error(
        ErrorCode::kLimitExceeded,
        "watchlist of " + std::to_string(h.count) + " digests: more than this cordon reads",
        "split the source and give several watchlists");
  }
  h.size = prefix.size() - rest.size();
  return h;
}

// The bytes of `in` that `prefix` (already read from it) does not hold
// any more: the prefix's first, then the source's.
class Stream {
 public:
  Stream(ByteView prefix, ByteSource& in) : prefix_(prefix), in_(in) {}
  // Fills `out` whole; false when the source ends first.
  Result<bool> Fill(std::span<uint8_t> out) {
    const size_t from_prefix = std::min(out.size(), prefix_.size());
    std::memcpy(out.data(), prefix_.data(), from_prefix);
    prefix_ = prefix_.subspan(from_prefix);
    CORDON_ASSIGN_OR_RETURN(size_t n, ReadFull(in_, out.subspan(from_prefix)));
    return n == out.size() - from_prefix;
  }

 private:
  ByteView prefix_;
  ByteSource& in_;
};

Error Truncated(const Header& h, uint64_t size) {
  return Error(ErrorCode::kTruncated,
               "watchlist truncated: its header announces " + std::to_string(h.count) +
                   " digests, the file holds " + std::to_string(size) + " bytes",
               "copy the whole file again, or build it again");
}

}  // namespace

Result<Watchlist> Watchlist::Parse(ByteView file) {
  MemorySource in(file);
  return Read(in, file.size());
}

Result<Watchlist> Watchlist::Read(ByteSource& in, uint64_t size) {
  // A header is five lines of at most 65 bytes: 512 bytes hold it.
  std::array<uint8_t, 512> first{};
  CORDON_ASSIGN_OR_RETURN(
      size_t got, ReadFull(in, std::span(first).first(std::min<uint64_t>(first.size(), size))));
  const ByteView prefix(first.data(), got);
  CORDON_ASSIGN_OR_RETURN(Header h, ParseHeader(AsChars(prefix)));
  // Sizes are checked before anything is allocated: a count the file
  // cannot hold is a truncated file, not a reason to reserve memory.
  const uint64_t rest = size - h.size;
  if (rest < kChecksumSize || (rest - kChecksumSize) / kDigestSize < h.count) {
    return Truncated(h, size);
  }
  if (rest != h.count * kDigestSize + kChecksumSize) {
    return Bad("it has " + std::to_string(rest - h.count * kDigestSize - kChecksumSize) +
               " bytes past its checksum");
  }
  Watchlist out(h.key_id, {}, h.scheme);
  out.digests_.resize(h.count);
  out.StartIndex(h.count);
  // The digests, read whole into their place (big-endian as in the file),
  // then the checksum and what follows it.
  auto* const raw = reinterpret_cast<uint8_t*>(out.digests_.data());
  const size_t body = h.count * kDigestSize;
  Stream stream(prefix.subspan(h.size), in);
  bool whole = true;
  if (body > 0) {  // an empty list has no buffer to fill
    CORDON_ASSIGN_OR_RETURN(whole, stream.Fill(std::span(raw, body)));
  }
  std::array<uint8_t, kChecksumSize> stored{};
  if (whole) {
    CORDON_ASSIGN_OR_RETURN(whole, stream.Fill(stored));
  }
  if (!whole) return Truncated(h, size);
  std::array<uint8_t, 1> past{};
  CORDON_ASSIGN_OR_RETURN(size_t more, ReadFull(in, past));
  if (more != 0) return Bad("it has bytes past its checksum (it grew while being read)");
  // The checksum is computed on a thread of its own while this one checks
  // the order and builds the index: hashing is about a third of loading a
  // list (some 1.2 GB/s), and a scan waits for its list before it starts.
  // One hand-over each way, not one per chunk: on a busy machine each
  // wake-up can wait for a time slice. Small lists, or no thread to be
  // had, are hashed here.
  crypto::Sha256 sum;
  sum.Update(prefix.first(h.size));
  const auto hash_body = [&sum, raw, body] { sum.Update(ByteView(raw, body)); };
  std::jthread hasher;
  if (body >= kHashOnAThreadFrom) {
    try {
      hasher = std::jthread(hash_body);
    } catch (const std::system_error&) {
    }
  }
  if (!hasher.joinable()) hash_body();
  // Reads only: the bytes are the hasher's until it is joined. A digest out
  // of order is reported only once the checksum holds (a corrupted file is
  // "corrupted", whatever its bytes became).
  const std::optional<size_t> out_of_order = out.IndexBigEndian(raw);
  if (hasher.joinable()) hasher.join();
  const auto computed = sum.Final();
  if (CRYPTO_memcmp(computed.data(), stored.data(), kChecksumSize) != 0) {
    return Error(ErrorCode::kMalformed, "watchlist corrupted: its checksum does not match",
                 "copy the file again, or build it again");
  }
  if (out_of_order) {
    return Bad("digest " + std::to_string(*out_of_order) +
               " is not greater than the one before it");
  }
  // Then into this machine's order, in place.
  for (size_t i = 0; i < h.count; ++i) out.digests_[i] = LoadBigEndian(raw + i * kDigestSize);
  out.FinishIndex();
  return out;
}

Result<Watchlist> Watchlist::Merge(std::vector<Watchlist> lists) {
  if (lists.empty()) return Error(ErrorCode::kInvalidArgument, "no watchlist to merge");
  for (size_t i = 1; i < lists.size(); ++i) {
    if (lists[i].scheme() != lists[0].scheme()) {
      return Error(ErrorCode::kInvalidArgument,
                   "watchlist " + std::to_string(i + 1) + " is of format version " +
                       std::string(VersionOf(lists[i].scheme())) + ", the first of version " +
                       std::string(VersionOf(lists[0].scheme())),
                   "build the older one again with this cordon (it writes version 2)");
    }
  }
  if (lists.size() == 1) return std::move(lists[0]);
  Digests all;
  size_t total = 0;
  for (const Watchlist& l : lists) total += l.size();
  all.reserve(total);
  for (size_t i = 0; i < lists.size(); ++i) {
    if (lists[i].key_id() != lists[0].key_id()) {
      return Error(ErrorCode::kInvalidArgument,
                   "watchlist " + std::to_string(i + 1) + " was made with watch key " +
                       lists[i].key_id() + ", the first with " + lists[0].key_id(),
                   "watchlists used together must be built with the same --key");
    }
    // Each list is sorted: merging keeps the whole sorted without a sort.
    const auto middle = static_cast<std::ptrdiff_t>(all.size());
    all.insert(all.end(), lists[i].digests_.begin(), lists[i].digests_.end());
    std::inplace_merge(all.begin(), all.begin() + middle, all.end());
  }
  all.erase(std::unique(all.begin(), all.end()), all.end());
  Watchlist out(lists[0].key_id(), {}, lists[0].scheme());
  out.digests_ = std::move(all);
  out.BuildIndex();
  return out;
}

bool Watchlist::InBucket(uint64_t digest) const {
  const size_t b = shift_ == 64 ? 0 : static_cast<size_t>(digest >> shift_);
  const auto first = digests_.begin() + buckets_[b];
  const auto last = digests_.begin() + buckets_[b + 1];
  return std::binary_search(first, last, digest);
}

bool Watchlist::Contains(uint64_t digest) const { return MayContain(digest) && InBucket(digest); }

void Watchlist::ContainsMany(std::span<const uint64_t> digests, std::span<uint8_t> real) const {
  // Each memory access is prefetched kAhead look-ups before it is needed, so
  // that the cache misses of successive look-ups overlap instead of one
  // waiting for the next: first every filter word, then, for the few that
  // pass it, the bucket offsets, then the bucket's first digests.
  constexpr size_t kAhead = 64;
  const size_t n = digests.size();
  auto bucket = [&](uint64_t d) {
    return shift_ == 64 ? size_t{0} : static_cast<size_t>(d >> shift_);
  };
  auto filter_word = [&](uint64_t d) { return &filter_[(d >> filter_shift_) >> 6]; };
  for (size_t i = 0; i < std::min(n, kAhead); ++i) __builtin_prefetch(filter_word(digests[i]));
  size_t passed = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) __builtin_prefetch(filter_word(digests[i + kAhead]));
    real[i] = MayContain(digests[i]) ? 1 : 0;
    passed += real[i];
  }
  if (passed == 0) return;
  // The few that passed (members, and under 1/16 of the others); the
  // thread's buffer, so that look-ups of small batches allocate nothing.
  thread_local std::vector<size_t> at;
  at.clear();
  for (size_t i = 0; i < n; ++i) {
    if (real[i]) at.push_back(i);
  }
  for (size_t j = 0; j < std::min(at.size(), kAhead); ++j) {
    __builtin_prefetch(&buckets_[bucket(digests[at[j]])]);
  }
  for (size_t j = 0; j < at.size(); ++j) {
    if (j + kAhead < at.size()) __builtin_prefetch(&buckets_[bucket(digests[at[j + kAhead]])]);
    if (j + kAhead / 2 < at.size()) {
      // A bucket's 16 digests span two cache lines.
      const uint64_t* first = digests_.data() + buckets_[bucket(digests[at[j + kAhead / 2]])];
      __builtin_prefetch(first);
      __builtin_prefetch(first + 8);
    }
    real[at[j]] = InBucket(digests[at[j]]) ? 1 : 0;
  }
}

Status CheckWatchKey(const Watchlist& list, const WatchKey& key) {
  if (list.key_id() == key.id()) return Ok();
  return Error(
      ErrorCode::kNoMatch,
      "the watchlist was made with watch key " + list.key_id() + ", not with key " + key.id(),
      "pass the --watch-key it was built with (`cordon watchlist info` names it)");
}

Result<WatchChecker> WatchChecker::Create(WatchKey key, Watchlist list) {
  CORDON_TRY(CheckWatchKey(list, key));
  return WatchChecker(std::move(key), std::move(list));
}

bool WatchChecker::IsReal(detect::Kind kind, std::string_view text) const {
  std::optional<uint64_t> d = key_.Digest(list_.scheme(), kind, text);
  return d && list_.Contains(*d);
}

bool WatchlistBuilder::Add(detect::Kind kind, std::string_view text) {
  std::optional<uint64_t> d = key_.Digest(scheme_, kind, text);
  if (!d) return false;
  digests_[static_cast<size_t>(kind)].push_back(*d);
  return true;
}

void WatchlistBuilder::AddText(std::string_view text) {
  detect::FindIdentifiers(text, detect::kAllKinds, [&](const detect::Match& m) {
    Add(m.kind, text.substr(m.offset, m.length));
  });
}

unsigned WatchlistBuilder::AddValue(std::string_view cell) {
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
  unsigned added = 0;
  if (cell.empty()) return added;
  for (size_t k = 0; k < detect::kKindCount; ++k) {
    const auto kind = static_cast<detect::Kind>(k);
    bool valid = detect::Validate(kind, cell) != detect::Confidence::kNone;
    // Ten bare digits with a real date: a CPR issued without mod 11, which
    // the scanner finds as DDMMYY-SSSS (kMedium). Named as a CPR column, it is one.
    if (!valid && kind == detect::Kind::kCpr && cell.size() == 10) {
      std::string dashed = std::string(cell.substr(0, 6)) + "-" + std::string(cell.substr(6));
      valid = detect::ValidateCpr(dashed) != detect::Confidence::kNone;
    }
    if (valid && Add(kind, cell)) added |= 1u << k;
  }
  return added;
}

std::array<uint64_t, detect::kKindCount> WatchlistBuilder::DistinctCounts() {
  std::array<uint64_t, detect::kKindCount> counts{};
  for (size_t k = 0; k < detect::kKindCount; ++k) {
    auto& v = digests_[k];
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    counts[k] = v.size();
  }
  return counts;
}

Watchlist WatchlistBuilder::Finish() {
  std::vector<uint64_t> all;
  size_t total = 0;
  for (const auto& v : digests_) total += v.size();
  all.reserve(total);
  for (auto& v : digests_) {
    all.insert(all.end(), v.begin(), v.end());
    std::vector<uint64_t>().swap(v);
  }
  return Watchlist(key_.id(), std::move(all), scheme_);
}

}  // namespace cordon::scan
