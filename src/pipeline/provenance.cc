#include "pipeline/provenance.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/encoding.h"
#include "core/key_file.h"
#include "core/strings.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "detect/normalize.h"
#include "detect/validators.h"

namespace cordon::pipeline {
namespace {

constexpr std::string_view kKeyPrefix = "CORDON-TRACE-KEY-1 ";
constexpr size_t kSecretSize = 32;
constexpr std::string_view kMagic = "cordon-provenance ";
constexpr std::string_view kVersion = "1";
constexpr std::string_view kDigestLine = "digest hmac-sha256-64";
constexpr size_t kDigestSize = 8;
constexpr size_t kChecksumSize = 32;
// A header line: an order id is at most an order's size (extract.h, kMaxOrderBytes).
constexpr size_t kMaxLine = size_t{1} << 20;
constexpr uint64_t kMaxTables = 10000;

// Named as pseudonym and watch keys are: a hash of the secret under a label
// of its own, cut to 64 bits.
std::string IdOf(const SecretBuffer& secret) {
  crypto::Sha256 h;
  h.Update(AsBytes(std::string_view("cordon trace key id v1")));
  h.Update(secret.RevealBytes());
  auto digest = h.Final();
  return HexEncode(ByteView(digest.data(), 8));
}

SecretBuffer MacKey(const SecretBuffer& secret, std::string_view what) {
  return crypto::HkdfSha256(secret, AsBytes(std::string_view("cordon provenance v1")), what, 32);
}

bool IsWhiteSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// Appends `cell` trimmed, each run of white space one space, ASCII letters
// lower-cased when `fold`.
void AppendCollapsed(std::string& out, std::string_view cell, bool fold) {
  bool space = false, any = false;
  for (char c : cell) {
    if (IsWhiteSpace(c)) {
      space = any;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    any = true;
    out.push_back(fold ? Lower(c) : c);
  }
}

void Wipe(std::string& s) { WipeBytes({reinterpret_cast<uint8_t*>(s.data()), s.size()}); }

// L(x) = u32(|x|) ‖ x, u32 big-endian.
void PutU32(std::string& out, size_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(static_cast<uint32_t>(v) >> shift));
}
void Put(std::string& out, std::string_view part) {
  PutU32(out, part.size());
  out.append(part);
}

uint64_t LoadBigEndian(const uint8_t* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

void StoreBigEndian(uint64_t v, Bytes& out) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

uint64_t Truncated(const crypto::HmacSha256Prf& prf, const std::string& message) {
  crypto::Mac256 mac = prf.Mac(AsBytes(std::string_view(message)));
  return LoadBigEndian(mac.data());
}

bool IsLowerHex(std::string_view s, size_t size) {
  return s.size() == size && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsTableName(std::string_view s) {
  return !s.empty() && s.size() <= 200 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// Printable ASCII and UTF-8 text without control characters (the order
// refuses them), not empty.
bool IsHeaderText(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
    auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7f;
  });
}

Error Bad(std::string what) {
  return Error(ErrorCode::kMalformed, "not a valid provenance file: " + std::move(what),
               "provenance files are written by `cordon extract --trace-key`; keep them as "
               "written (the ledger holds each one's SHA-256)");
}

// Takes one '\n'-terminated line off `rest`; nullopt when there is none.
std::optional<std::string_view> TakeLine(std::string_view& rest) {
  size_t nl = rest.find('\n');
  if (nl == std::string_view::npos || nl > kMaxLine) return std::nullopt;
  std::string_view line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return line;
}

// "<prefix><value>" → value, when the line starts with prefix.
std::optional<std::string_view> Field(std::optional<std::string_view> line,
                                      std::string_view prefix) {
  if (!line || !line->starts_with(prefix)) return std::nullopt;
  return line->substr(prefix.size());
}

// A canonical decimal number (no sign, no leading zero).
std::optional<uint64_t> Decimal(std::string_view digits) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;
  }
  return v;
}

bool IsIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[static_cast<size_t>(i)] < '0' || s[static_cast<size_t>(i)] > '9') return false;
  }
  return true;
}

}  // namespace

std::string NormalizeCell(std::string_view cell) {
  std::string out;
  AppendCollapsed(out, cell, true);
  return out;
}

TraceKey::TraceKey(SecretBuffer secret)
    : secret_(std::move(secret)),
      id_(IdOf(secret_)),
      rows_(MacKey(secret_, "rows")),
      values_(MacKey(secret_, "values")) {}

TraceKey TraceKey::Generate() { return TraceKey(crypto::RandomSecret(kSecretSize)); }

Result<TraceKey> TraceKey::Parse(ByteView file_text) {
  CORDON_ASSIGN_OR_RETURN(SecretBuffer secret,
                          ParseKeyFile(file_text, kKeyPrefix, kSecretSize,
                                       Error(ErrorCode::kMalformed, "not a cordon trace key file",
                                             "make one with `cordon trace keygen -o FILE`")));
  return TraceKey(std::move(secret));
}

SecretBuffer TraceKey::FileText() const {
  return FormatKeyFile("# cordon trace key " + id_ +
                           "\n# Secret: whoever holds it can test rows and values against the "
                           "provenance files made with it.\n",
                       kKeyPrefix, secret_);
}

uint64_t TraceKey::RowDigest(std::string_view table,
                             std::span<const std::string_view> cells) const {
  // Built in one buffer (its length known in advance, so it never moves)
  // and wiped: it holds the row's values.
  size_t size = 8 + table.size();
  for (std::string_view cell : cells) size += 4 + cell.size();
  std::string message;
  message.reserve(size);
  Put(message, table);
  PutU32(message, cells.size());
  for (std::string_view cell : cells) {
    const size_t at = message.size();
    PutU32(message, 0);
    AppendCollapsed(message, cell, true);
    const size_t n = message.size() - at - 4;
    for (int i = 0; i < 4; ++i)
      message[at + static_cast<size_t>(i)] = static_cast<char>(n >> (24 - 8 * i));
  }
  uint64_t d = Truncated(rows_, message);
  Wipe(message);
  return d;
}

std::optional<uint64_t> TraceKey::ValueDigest(std::string_view table,
                                              std::string_view value) const {
  auto traced = Value(table, value);
  if (!traced) return std::nullopt;
  return traced->digest;
}

std::optional<TraceKey::TracedValue> TraceKey::Value(std::string_view table,
                                                     std::string_view value) const {
  std::string collapsed, upper, message;
  collapsed.reserve(value.size());
  upper.reserve(value.size());
  message.reserve(24 + table.size() + value.size() + detect::kMaxNormalizedSize);
  char normal[detect::kMaxNormalizedSize];
  WipeOnExit wipe(collapsed, upper, message);
  AppendCollapsed(collapsed, value, false);
  if (collapsed.empty()) return std::nullopt;
  upper = collapsed;
  std::transform(upper.begin(), upper.end(), upper.begin(), Upper);
  Put(message, table);
  // The first kind that validates the value as written, or in upper case
  // (a leak may have lower-cased a Corsican NIR's 2A or an IBAN).
  for (size_t k = 0; k < detect::kKindCount; ++k) {
    const auto kind = static_cast<detect::Kind>(k);
    for (const std::string* form : {&collapsed, &upper}) {
      if (detect::Validate(kind, *form) == detect::Confidence::kNone) continue;
      size_t n = detect::NormalizeIdentifier(kind, *form, normal);
      if (n == 0) continue;
      Put(message, detect::KindName(kind));
      Put(message, std::string_view(normal, n));
      WipeBytes({reinterpret_cast<uint8_t*>(normal), n});
      return TracedValue{Truncated(values_, message), kind};
    }
  }
  Put(message, "text");
  PutU32(message, collapsed.size());  // folding keeps the length
  AppendCollapsed(message, collapsed, true);
  return TracedValue{Truncated(values_, message), std::nullopt};
}

Bytes Provenance::Serialize() const {
  std::string head = std::string(kMagic) + std::string(kVersion) + "\npackage " + package_sha256 +
                     "\norder " + order_id + "\nkey " + key_id + "\ncreated " + created +
                     "\ndelete-by " + delete_by + "\n" + std::string(kDigestLine) + "\ntables " +
                     std::to_string(tables.size()) + "\n";
  size_t digests = 0;
  for (const ProvenanceTable& t : tables) {
    head += "table " + t.name + " rows " + std::to_string(t.rows.size()) + " values " +
            std::to_string(t.values.size()) + "\n";
    digests += t.rows.size() + t.values.size();
  }
  head += "\n";
  Bytes out(head.begin(), head.end());
  out.reserve(head.size() + digests * kDigestSize + kChecksumSize);
  for (const ProvenanceTable& t : tables) {
    for (uint64_t d : t.rows) StoreBigEndian(d, out);
    for (uint64_t d : t.values) StoreBigEndian(d, out);
  }
  auto sum = crypto::Sha256::Hash(out);
  out.insert(out.end(), sum.begin(), sum.end());
  return out;
}

Result<Provenance> Provenance::Parse(ByteView file) {
  std::string_view rest = AsChars(file);
  auto magic = TakeLine(rest);
  if (!magic || !magic->starts_with(kMagic)) {
    return Bad("it does not start with \"cordon-provenance 1\"");
  }
  if (std::string_view version = magic->substr(kMagic.size()); version != kVersion) {
    return Error(ErrorCode::kUnsupported,
                 "provenance format version \"" + PrintableText(version.substr(0, 16)) +
                     "\" is not supported (this cordon reads version 1)",
                 "read it with the cordon version that wrote it");
  }
  Provenance p;
  auto package = Field(TakeLine(rest), "package ");
  if (!package || !IsLowerHex(*package, 64)) {
    return Bad("no \"package <SHA-256 of manifest.json>\" line");
  }
  p.package_sha256 = std::string(*package);
  auto order = Field(TakeLine(rest), "order ");
  if (!order || !IsHeaderText(*order)) return Bad("no \"order <id>\" line");
  p.order_id = std::string(*order);
  auto key = Field(TakeLine(rest), "key ");
  if (!key || !IsLowerHex(*key, 16)) return Bad("no \"key <16 lowercase hex digits>\" line");
  p.key_id = std::string(*key);
  auto created = Field(TakeLine(rest), "created ");
  if (!created || !IsHeaderText(*created) || created->find(' ') != std::string_view::npos) {
    return Bad("no \"created <time>\" line");
  }
  p.created = std::string(*created);
  auto delete_by = Field(TakeLine(rest), "delete-by ");
  if (!delete_by || !IsIsoDate(*delete_by)) return Bad("no \"delete-by YYYY-MM-DD\" line");
  p.delete_by = std::string(*delete_by);
  if (auto digest = TakeLine(rest); !digest || *digest != kDigestLine) {
    return Bad("no \"" + std::string(kDigestLine) + "\" line");
  }
  auto count_text = Field(TakeLine(rest), "tables ");
  std::optional<uint64_t> count = count_text ? Decimal(*count_text) : std::nullopt;
  if (!count || *count > kMaxTables) return Bad("no \"tables <count>\" line");
  // Every digest the header announces must be in the file: the sizes are
  // checked before anything is allocated for them.
  const uint64_t available = rest.size() / kDigestSize;
  uint64_t digests = 0;
  for (uint64_t i = 0; i < *count; ++i) {
    auto line = Field(TakeLine(rest), "table ");
    if (!line) return Bad("fewer \"table\" lines than the count says");
    // "<name> rows <R> values <V>"
    size_t a = line->find(" rows "), b = line->find(" values ");
    if (a == std::string_view::npos || b == std::string_view::npos || b < a) {
      return Bad("a \"table\" line is not \"table <name> rows <R> values <V>\"");
    }
    std::string_view name = line->substr(0, a);
    auto rows = Decimal(line->substr(a + 6, b - a - 6));
    auto values = Decimal(line->substr(b + 8));
    if (!IsTableName(name) || !rows || !values) {
      return Bad("a \"table\" line is not \"table <name> rows <R> values <V>\"");
    }
    for (const ProvenanceTable& t : p.tables) {
      if (t.name == name) return Bad("table " + std::string(name) + " appears twice");
    }
    if (*rows > available || *values > available || digests + *rows + *values > available) {
      return Bad("it is shorter than its digest counts say");
    }
    digests += *rows + *values;
    ProvenanceTable t;
    t.name = std::string(name);
    t.rows.resize(*rows);
    t.values.resize(*values);
    p.tables.push_back(std::move(t));
  }
  if (auto blank = TakeLine(rest); !blank || !blank->empty()) {
    return Bad("no blank line after the header");
  }
  if (rest.size() != digests * kDigestSize + kChecksumSize) {
    return Bad("its size does not match its digest counts (truncated?)");
  }
  const size_t body = file.size() - kChecksumSize;
  auto sum = crypto::Sha256::Hash(file.subspan(0, body));
  if (std::memcmp(sum.data(), file.data() + body, kChecksumSize) != 0) {
    return Bad("its checksum does not match (the file is corrupted)");
  }
  const uint8_t* at = file.data() + (file.size() - kChecksumSize - digests * kDigestSize);
  auto read = [&at](std::vector<uint64_t>& list, const std::string& what) -> Status {
    for (size_t i = 0; i < list.size(); ++i, at += kDigestSize) {
      list[i] = LoadBigEndian(at);
      if (i > 0 && list[i] <= list[i - 1])
        return Bad(what + " digests are not strictly increasing");
    }
    return Ok();
  };
  for (ProvenanceTable& t : p.tables) {
    CORDON_TRY(read(t.rows, "table " + t.name + "'s row"));
    CORDON_TRY(read(t.values, "table " + t.name + "'s value"));
  }
  return p;
}

ProvenanceBuilder::ProvenanceBuilder(const TraceKey& key, std::string table,
                                     std::vector<bool> identifying)
    : key_(key), table_(std::move(table)), identifying_(std::move(identifying)) {}

void ProvenanceBuilder::Row(std::span<const std::string_view> cells) {
  rows_.push_back(key_.RowDigest(table_, cells));
  for (size_t i = 0; i < cells.size() && i < identifying_.size(); ++i) {
    if (!identifying_[i]) continue;
    if (auto d = key_.ValueDigest(table_, cells[i])) values_.push_back(*d);
  }
}

ProvenanceTable ProvenanceBuilder::Finish() {
  auto sorted = [](std::vector<uint64_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return std::move(v);
  };
  return {table_, sorted(rows_), sorted(values_)};
}

std::string ProvenancePath(std::string_view package_dir) {
  while (package_dir.size() > 1 && package_dir.back() == '/') package_dir.remove_suffix(1);
  return std::string(package_dir) + ".provenance";
}

}  // namespace cordon::pipeline
