#include "exchange/package_check.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <set>

#include "age/age.h"
#include "age/header.h"
#include "core/encoding.h"
#include "core/file.h"
#include "crypto/hash.h"

namespace cordon::exchange {
namespace {

Error Refused(std::string message) { return Error(ErrorCode::kRefused, std::move(message)); }

}  // namespace

Status CheckPackageFile(ByteSource& in, uint64_t size, bool* plaintext_suspected) {
  // Peek at the start: an age file begins with its version line.
  BufferedSource buffered(in);
  CORDON_ASSIGN_OR_RETURN(std::string_view head, buffered.Peek(age::kVersionLine.size()));
  if (head != age::kVersionLine) {
    if (plaintext_suspected) *plaintext_suspected = true;
    return Refused(
        "not an age file (it may hold data in clear); only packages made by "
        "`cordon extract` are accepted");
  }
  Status framing = age::CheckAgeFraming(buffered, size);
  if (!framing.ok()) return Refused("not a well-formed age file: " + framing.error().message());
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
      if (lstat((dir + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return fail(Refused(name + ": not a regular file"));
      }
      present.insert(name);
    }
  }
  if (!present.count("manifest.json")) return fail(Refused("no manifest.json: not a package"));
  if (!present.count("manifest.json.minisig")) {
    return fail(Refused("manifest.json is not signed (no manifest.json.minisig)"));
  }
  auto manifest_bytes = ReadFileLimited(dir + "/manifest.json", 16 << 20);
  if (!manifest_bytes.ok()) return fail(manifest_bytes.error());
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
      auto src = FileSource::Open(dir + "/" + name);
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
