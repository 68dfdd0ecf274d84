#include "exchange/package_check.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "age/age.h"
#include "age/header.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/strings.h"
#include "crypto/hash.h"
#include "exchange/ciphertext_check.h"
#include "ledger/entry.h"
#include "order/order.h"
#include "pipeline/manifest_json.h"

namespace cordon::exchange {
namespace {

Error Refused(std::string message) { return Error(ErrorCode::kRefused, std::move(message)); }

// An order names a handful of recipients; a header is never larger.
constexpr size_t kMaxRecipients = 64;

const std::initializer_list<std::string_view> kManifestKeys = {
    "format",    "version",    "cordon_version", "created_at", "order",          "retention_days",
    "delete_by", "recipients", "pseudonyms",     "tables",     "manifest_signed"};
const std::initializer_list<std::string_view> kOrderKeys = {
    "id", "file", "sha256", "controller", "processor", "purpose", "contract", "not_after",
    "controller_key_id", "signature_trusted_comment",
    // Optional: a passkey's signature instead of minisign's, and the plan
    // the order names (extract --controller-allowed-signers, --plan).
    "signature", "plan_sha256", "plan_tolerance"};
const std::initializer_list<std::string_view> kTableKeys = {"name",
                                                            "from",
                                                            "file",
                                                            "columns",
                                                            "excluded_columns",
                                                            "rows_read",
                                                            "rows_written",
                                                            "rows_excluded_by_where",
                                                            "rows_excluded_by_follow",
                                                            "ciphertext_size",
                                                            "ciphertext_sha256",
                                                            "k_anonymity"};
const std::initializer_list<std::string_view> kKAnonymityKeys = {
    "quasi_identifiers", "k", "classes", "min_k", "rows_below_min_k", "on_k_violation",
    "rows_suppressed"};

}  // namespace

Status CheckPackageFile(ByteSource& in, uint64_t size, bool* plaintext_suspected) {
  auto suspect = [&](Error e) {
    if (plaintext_suspected) *plaintext_suspected = true;
    return e;
  };
  // Peek at the start: an age file begins with its version line.
  BufferedSource buffered(in);
  CORDON_ASSIGN_OR_RETURN(std::string_view head, buffered.Peek(age::kVersionLine.size()));
  if (head != age::kVersionLine) {
    return suspect(
        Refused("not an age file (it may hold data in clear); only packages made by "
                "`cordon extract` are accepted"));
  }
  auto header = age::CheckAgeFraming(buffered, size);
  if (!header.ok()) return Refused("not a well-formed age file: " + header.error().message());
  // Sealed to the order's X25519 recipients, as `cordon extract` does: a
  // passphrase (scrypt) file opens with whatever was typed, for anyone told.
  // Each stanza exactly as age's X25519 makes it — one 32-byte share, a
  // 32-byte wrapped key — so the header has no room for data either
  // (review N1: a CSV as the body of an extra stanza).
  if (header->stanzas.empty() || header->stanzas.size() > kMaxRecipients) {
    return suspect(Refused("a header with " + std::to_string(header->stanzas.size()) +
                           " recipient stanzas; packages have 1 to " +
                           std::to_string(kMaxRecipients)));
  }
  for (const auto& stanza : header->stanzas) {
    if (stanza.type != "X25519") {
      return suspect(Refused(
          stanza.type == "scrypt"
              ? std::string("sealed with a passphrase (scrypt), not to the order's recipients")
              : "a recipient stanza of type \"" + stanza.type.substr(0, 32) +
                    "\"; packages are sealed to X25519 recipients only"));
    }
    if (stanza.args.size() != 1 || stanza.args[0].size() != 43 || stanza.body.size() != 32) {
      return suspect(Refused("an X25519 stanza that is not one 32-byte share and a 32-byte key"));
    }
  }
  // Every byte of the payload must look like ciphertext (F2).
  CiphertextCheck payload;
  std::vector<uint8_t> chunk(256 * 1024);
  while (true) {
    CORDON_ASSIGN_OR_RETURN(size_t n, buffered.Read(chunk));
    if (n == 0) break;
    payload.Update(ByteView(chunk.data(), n));
  }
  if (Status judged = payload.Finish(); !judged.ok()) return suspect(judged.error());
  return Ok();
}

namespace {

// The manifest `cordon extract` writes (docs/formats.md), and nothing else:
// an unknown key anywhere is refused, so no field can carry data the
// exchange would store and serve in clear (review F3).
using nlohmann::json;

Status OnlyKeys(const json& object, std::initializer_list<std::string_view> known,
                const std::string& where) {
  if (!object.is_object()) return Refused("manifest.json: " + where + " is not an object");
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      // The field's name is not repeated: it is what the uploader chose, and
      // this refusal is recorded in the ledger (review N7).
      return Refused("manifest.json: a field `cordon extract` never writes, in " + where);
    }
  }
  return Ok();
}

// Every string (keys included), anywhere, through the ledger's detectors:
// an identifier in a manifest is data in clear.
// `name`: the member name `j` is the value of (a key's id under "key_id" is
// no person's: ledger::LooksLikePersonalField).
Status NoPersonalData(const json& j, const std::string& path, std::string_view name = {}) {
  if (j.is_string()) {
    if (ledger::LooksLikePersonalField(name, j.get_ref<const std::string&>())) {
      return Refused("manifest.json: " + path + " holds what looks like personal data");
    }
  } else if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (ledger::LooksLikePersonalData(key)) {
        return Refused("manifest.json: a key in " + path + " looks like personal data");
      }
      CORDON_TRY(
          NoPersonalData(value, path + "." + key.substr(0, 64), ledger::MemberName(name, key)));
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      CORDON_TRY(NoPersonalData(j[i], path + "[" + std::to_string(i) + "]"));
    }
  }
  return Ok();
}

// Names (tables, columns, the order id) are identifiers a schema would use,
// and free texts (purpose, controller...) are a few lines: nothing in a
// manifest has room for a table of patients (review N5: 30 KB of base64 in
// the purpose; names and birth dates as column names).
bool IsName(const json& j, size_t max) {
  if (!j.is_string()) return false;
  const auto& s = j.get_ref<const std::string&>();
  // Legacy exports name columns in any language ("PRÉNOM", "DATE (J/M/A)"):
  // any printable text, bounded.
  return !s.empty() && s.size() <= max && std::none_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7f;
  });
}

// A key id as cordon writes them: 16 lowercase hex digits.
bool IsHexId(const json& j) {
  if (!j.is_string()) return false;
  const auto& s = j.get_ref<const std::string&>();
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A column's "type" (manifest v2): "text", "int", "decimal" or "date:"
// and a short format of directives and separators only, so the field has
// no room for a value.
bool IsColumnType(const json& j) {
  if (!j.is_string()) return false;
  const auto& s = j.get_ref<const std::string&>();
  if (s == "text" || s == "int" || s == "decimal") return true;
  constexpr std::string_view kDate = "date:";
  if (s.size() <= kDate.size() || s.size() > kDate.size() + 32 || s.rfind(kDate, 0) != 0) {
    return false;
  }
  return std::all_of(s.begin() + kDate.size(), s.end(), [](char c) {
    return std::string_view("%dmYyHMS/-.: T").find(c) != std::string_view::npos;
  });
}

// order.signature, order.plan_sha256 and order.plan_tolerance as extract
// writes them, and nothing with room for a value: a fixed type, an SSH
// fingerprint, a short principal or its SHA-256, a digest, a tolerance.
Status OrderSignatureAndPlan(const json& o) {
  if (auto p = o.find("plan_sha256");
      p != o.end() && !(p->is_string() && IsHex64(p->get_ref<const std::string&>()))) {
    return Refused("manifest.json: order.plan_sha256 is not a SHA-256");
  }
  if (auto t = o.find("plan_tolerance"); t != o.end()) {
    if (!t->is_string() || t->get_ref<const std::string&>().size() > 16 ||
        !order::ParsePlanTolerance(t->get_ref<const std::string&>()).ok()) {
      return Refused("manifest.json: order.plan_tolerance is not a tolerance");
    }
  }
  auto sig = o.find("signature");
  if (sig == o.end()) return Ok();
  CORDON_TRY(OnlyKeys(*sig, {"type", "key", "principal", "principal_sha256"}, "order.signature"));
  const auto type = sig->find("type");
  const auto key = sig->find("key");
  if (type == sig->end() || *type != pipeline::kPasskeySignatureType) {
    return Refused("manifest.json: order.signature.type is not one extract writes");
  }
  // "SHA256:" and 43 unpadded base64 characters, as ssh-keygen -l prints it.
  auto fingerprint = [](const json& j) {
    if (!j.is_string()) return false;
    const auto& s = j.get_ref<const std::string&>();
    return s.size() == 50 && s.rfind("SHA256:", 0) == 0 &&
           std::all_of(s.begin() + 7, s.end(), [](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
           });
  };
  if (key == sig->end() || !fingerprint(*key)) {
    return Refused("manifest.json: order.signature.key is not an SSH key fingerprint");
  }
  const auto principal = sig->find("principal");
  const auto hashed = sig->find("principal_sha256");
  if ((principal == sig->end()) == (hashed == sig->end()) ||
      (principal != sig->end() && !IsName(*principal, 256)) ||
      (hashed != sig->end() &&
       !(hashed->is_string() && IsHex64(hashed->get_ref<const std::string&>())))) {
    return Refused("manifest.json: order.signature names its principal not as extract does");
  }
  return Ok();
}

Status NamesAndTexts(const json& m) {
  const Error bad = Refused("manifest.json: a name or text longer or stranger than an order's");
  if (auto o = m.find("order"); o != m.end() && o->is_object()) {
    if (o->contains("id") && !IsName((*o)["id"], 128)) return bad;
    for (const char* text : {"controller", "processor", "purpose", "contract"}) {
      if (auto t = o->find(text);
          t != o->end() && (!t->is_string() || t->get_ref<const std::string&>().size() > 1024)) {
        return bad;
      }
    }
  }
  if (auto t = m.find("tables"); t != m.end() && t->is_array()) {
    for (const auto& table : *t) {
      for (const char* name : {"name", "from"}) {
        if (table.contains(name) && !IsName(table[name], 128)) return bad;
      }
      if (auto cols = table.find("columns"); cols != table.end() && cols->is_array()) {
        for (const auto& c : *cols) {
          if (c.contains("name") && !IsName(c["name"], 128)) return bad;
        }
      }
      if (auto ex = table.find("excluded_columns"); ex != table.end() && ex->is_array()) {
        for (const auto& c : *ex) {
          if (!IsName(c, 128)) return bad;
        }
      }
    }
  }
  return Ok();
}

}  // namespace

Status CheckManifestStrict(ByteView bytes, bool* plaintext_suspected) {
  auto suspect = [&](Error e) {
    if (plaintext_suspected) *plaintext_suspected = true;
    return e;
  };
  if (bytes.size() > kMaxManifestBytes) {
    return suspect(Refused("manifest.json is " + std::to_string(bytes.size()) +
                           " bytes; a manifest is at most " +
                           std::to_string(kMaxManifestBytes / 1024) + " KiB"));
  }
  json m = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (m.is_discarded()) return Refused("manifest.json: not JSON");
  // A field extract never writes may be carrying data: refused and alerted.
  Status schema = [&]() -> Status {
    CORDON_TRY(OnlyKeys(m, kManifestKeys, "the manifest"));
    if (auto o = m.find("order"); o != m.end()) {
      CORDON_TRY(OnlyKeys(*o, kOrderKeys, "order"));
      CORDON_TRY(OrderSignatureAndPlan(*o));
    }
    if (auto p = m.find("pseudonyms"); p != m.end()) {
      CORDON_TRY(OnlyKeys(*p, {"key_id", "domain", "scope", "avoid_real"}, "pseudonyms"));
      // Written only for per-recipient pseudonyms, and then only so: any
      // other value could be carrying data.
      if (auto sc = p->find("scope"); sc != p->end() && *sc != "recipients") {
        return Refused("manifest.json: pseudonyms.scope is not \"recipients\"");
      }
      // extract --avoid-real: the watch key's 64-bit id in hex and a count,
      // nothing with room for a value.
      if (auto a = p->find("avoid_real"); a != p->end()) {
        CORDON_TRY(OnlyKeys(*a, {"watch_key_id", "digests"}, "pseudonyms.avoid_real"));
        const auto id = a->find("watch_key_id");
        const auto n = a->find("digests");
        if (id == a->end() || !IsHexId(*id) || n == a->end() || !n->is_number_unsigned()) {
          return Refused(
              "manifest.json: pseudonyms.avoid_real is not {\"watch_key_id\": <16 hex digits>, "
              "\"digests\": <count>}");
        }
      }
    }
    if (auto t = m.find("tables"); t != m.end() && t->is_array()) {
      for (const auto& table : *t) {
        CORDON_TRY(OnlyKeys(table, kTableKeys, "a table"));
        if (auto k = table.find("k_anonymity"); k != table.end()) {
          CORDON_TRY(OnlyKeys(*k, kKAnonymityKeys, "k_anonymity"));
        }
        if (auto cols = table.find("columns"); cols != table.end() && cols->is_array()) {
          for (const auto& c : *cols) {
            CORDON_TRY(OnlyKeys(c, {"name", "fate", "type"}, "a column"));
            if (auto type = c.find("type"); type != c.end() && !IsColumnType(*type)) {
              return Refused("manifest.json: a column's type is not one extract writes");
            }
          }
        }
      }
    }
    return NamesAndTexts(m);
  }();
  if (!schema.ok()) return suspect(schema.error());
  if (Status clean = NoPersonalData(m, "manifest"); !clean.ok()) return suspect(clean.error());
  return Ok();
}

PackageCheck CheckPackage(const std::string& dir, const std::vector<sign::PublicKey>& keys) {
  PackageCheck check;
  auto fail = [&](Error e) {
    check.result = std::move(e);
    return std::move(check);
  };
  // The directory's entries: regular files only, names checked.
  std::set<std::string> present;
  {
    std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
    if (!d) return fail(Error(ErrorCode::kIo, dir + ": cannot list"));
    while (dirent* e = readdir(d.get())) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (!pipeline::SafeFileName(name)) return fail(Refused("a file name is not acceptable"));
      struct stat st {};
      std::string path = dir;
      path += '/';
      path += name;
      if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return fail(Refused(name + ": not a regular file"));
      }
      present.insert(name);
    }
  }
  if (!present.count("manifest.json")) return fail(Refused("no manifest.json: not a package"));
  if (!present.count("manifest.json.minisig")) {
    return fail(Refused("manifest.json is not signed (no manifest.json.minisig)"));
  }
  auto manifest_bytes = ReadFileLimited(dir + "/manifest.json", kMaxManifestBytes + 1);
  if (!manifest_bytes.ok()) {
    // Too large is refused (and alerted) below with its size, not as an I/O error.
    if (manifest_bytes.error().code() != ErrorCode::kLimitExceeded) {
      return fail(manifest_bytes.error());
    }
    check.plaintext_suspected = true;
    return fail(Refused("manifest.json is larger than " + std::to_string(kMaxManifestBytes / 1024) +
                        " KiB"));
  }
  auto sig_text = ReadFileLimited(dir + "/manifest.json.minisig", 8192);
  if (!sig_text.ok()) return fail(sig_text.error());
  auto sig = sign::Signature::Parse(AsChars(*sig_text));
  if (!sig.ok()) return fail(Refused("manifest.json.minisig: " + sig.error().message()));
  const sign::PublicKey* signer = nullptr;
  for (const auto& k : keys) {
    if (k.key_id == sig->key_id) signer = &k;
  }
  if (signer == nullptr) {
    return fail(Refused("manifest.json is signed by key " + sign::KeyIdHex(sig->key_id) +
                        ", which is not a registered processor key"));
  }
  MemorySource m(*manifest_bytes);
  if (Status v = sign::Verify(*signer, *sig, m); !v.ok()) {
    return fail(Refused("manifest.json: " + v.error().message()));
  }
  if (Status strict = CheckManifestStrict(*manifest_bytes, &check.plaintext_suspected);
      !strict.ok()) {
    return fail(strict.error());
  }
  auto manifest = pipeline::ParseManifest(*manifest_bytes);
  if (!manifest.ok()) return fail(manifest.error());
  CheckedPackage out;
  out.signer = sig->key_id;
  out.manifest_sha256 = HexEncode(crypto::Sha256::Hash(*manifest_bytes));
  out.bytes = manifest_bytes->size() + sig_text->size();
  std::set<std::string> expected = {"manifest.json", "manifest.json.minisig"};
  for (const auto& t : manifest->tables) {
    expected.insert(t.file);
    const std::string path = dir + "/" + t.file;
    if (!present.count(t.file)) return fail(Refused(t.file + " is missing from the package"));
    auto src = FileSource::Open(path);
    if (!src.ok()) return fail(src.error());
    // What the file is comes first (a plaintext file is alerted whatever
    // its size), then whether it is the one the manifest names.
    const uint64_t size = (*src)->size();
    crypto::HashingSource hashed(**src);  // one read: checked and hashed together
    Status file_ok = CheckPackageFile(hashed, size, &check.plaintext_suspected);
    if (!file_ok.ok()) return fail(file_ok.error().WithContext(t.file));
    if (size != t.ciphertext_size) {
      return fail(Refused(t.file + " does not have the size the manifest records"));
    }
    auto digest = hashed.Finish();
    if (!digest.ok()) return fail(digest.error());
    if (HexEncode(*digest) != t.ciphertext_sha256) {
      return fail(Refused(t.file + " does not match the SHA-256 in the manifest"));
    }
    out.bytes += t.ciphertext_size;
  }
  for (const auto& name : present) {
    if (!expected.count(name)) {
      // An extra file: maybe plaintext riding along with a valid package.
      std::string path = dir;
      path += '/';
      path += name;
      auto src = FileSource::Open(path);
      bool plain = false;
      if (src.ok()) (void)CheckPackageFile(**src, (*src)->size(), &plain);
      check.plaintext_suspected |= plain;
      return fail(Refused(name + " is not part of the package (not in its manifest)"));
    }
  }
  out.manifest = std::move(*manifest);
  check.result = std::move(out);
  return check;
}

}  // namespace cordon::exchange
