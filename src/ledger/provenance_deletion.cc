#include "ledger/provenance_deletion.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "core/file.h"
#include "core/io.h"
#include "crypto/hash.h"
#include "ledger/entry.h"
#include "pipeline/provenance.h"

namespace cordon::ledger {
namespace {

// The certificate of one deletion: canonical JSON (the ledger's entry
// rules) signed in minisign format, so `minisign -V` checks it too.
Status Certify(Ledger& ledger, const ProvenanceDeletion& d, const ProvenanceDeletionRequest& r,
               const std::string& created) {
  CORDON_ASSIGN_OR_RETURN(std::string checkpoint, ledger.Checkpoint());
  const uint64_t tree_size = ledger.checkpointed_size();
  CORDON_ASSIGN_OR_RETURN(Hash leaf, ledger.LeafHashAt(d.ledger_index));
  CORDON_ASSIGN_OR_RETURN(auto proof, ledger.InclusionProof(d.ledger_index, tree_size));
  std::vector<std::string> path;
  for (const auto& h : proof) path.push_back(Base64Encode(h));
  nlohmann::json c = {{"format", "cordon-provenance-deletion-certificate"},
                      {"version", 1},
                      {"package", d.package_sha256},
                      {"order_id", d.order_id},
                      {"provenance_sha256", d.provenance_sha256},
                      {"created", created},
                      {"delete_by", d.delete_by},
                      {"deleted_at", r.now},
                      {"ledger",
                       {{"index", d.ledger_index},
                        {"tree_size", tree_size},
                        {"leaf_hash", Base64Encode(leaf)},
                        {"proof", path},
                        {"checkpoint", checkpoint}}}};
  CORDON_ASSIGN_OR_RETURN(std::string json, CanonicalEntry(c));
  MemorySource m(AsBytes(json));
  CORDON_ASSIGN_OR_RETURN(sign::Signature sig,
                          sign::Sign(*r.signer, m,
                                     "cordon deletion certificate for the provenance of package " +
                                         d.package_sha256.substr(0, 16)));
  CORDON_TRY(WriteFileAtomic(d.certificate_path, AsBytes(json), 0644, Overwrite::kRefuse));
  CORDON_TRY(WriteFileAtomic(d.certificate_path + ".minisig", AsBytes(sig.Format()), 0644,
                             Overwrite::kRefuse));
  return Ok();
}

}  // namespace

Result<ProvenanceDeletionRun> DeleteExpiredProvenance(Ledger& ledger,
                                                      const ProvenanceDeletionRequest& r) {
  if (r.signer == nullptr && !r.dry_run) {
    return Error(ErrorCode::kInvalidArgument, "deleting provenance files needs a signing key",
                 "the certificates are signed by the person deleting: --signing-key KEY");
  }
  std::map<std::string, const Extraction*> committed;  // by provenance SHA-256
  for (const Extraction& x : r.extractions) committed[x.provenance_sha256] = &x;
  ProvenanceDeletionRun run;
  for (const std::string& path : r.files) {
    // Through one descriptor, never following a symlink: what is hashed is
    // what is unlinked, not a file a link points to.
    struct stat st {};
    auto fd = OpenRegularForReading(path, Symlinks::kRefuse, &st);
    if (!fd.ok()) {
      if (fd.error().code() == ErrorCode::kNotFound || fd.error().code() == ErrorCode::kIo)
        return fd.error();
      run.skipped.emplace_back(path, fd.error().message());
      continue;
    }
    if (st.st_nlink != 1) {
      run.skipped.emplace_back(path, "has " + std::to_string(st.st_nlink) +
                                         " hard links: removing this name would not delete "
                                         "the data; remove the other links first");
      continue;
    }
    FdSource source(fd->get(), path);
    auto read = ReadAll(source, size_t{8} << 30);
    if (!read.ok()) return read.error().WithContext(path);
    const Bytes& bytes = *read;
    auto p = pipeline::Provenance::Parse(bytes);
    if (!p.ok()) {
      run.skipped.emplace_back(path, p.error().message());
      continue;
    }
    const std::string sha = HexEncode(crypto::Sha256::Hash(bytes));
    auto x = committed.find(sha);
    if (x == committed.end()) {
      run.skipped.emplace_back(path,
                               "not committed: no extract event in the ledger committed "
                               "its SHA-256 (" +
                                   sha.substr(0, 16) + "…)");
      continue;
    }
    // The ledger's record is the authority; a file whose own header says
    // otherwise is not the file the ledger committed.
    const Extraction& e = *x->second;
    if (!e.provenance_delete_by.empty() && e.provenance_delete_by != p->delete_by) {
      run.skipped.emplace_back(path, "its delete-by (" + p->delete_by + ") is not the ledger's (" +
                                         e.provenance_delete_by + ")");
      continue;
    }
    if (!e.package_sha256.empty() && e.package_sha256 != p->package_sha256) {
      run.skipped.emplace_back(path, "its package is not the one the ledger recorded");
      continue;
    }
    p->delete_by = e.provenance_delete_by.empty() ? p->delete_by : e.provenance_delete_by;
    if (p->delete_by > r.today) {  // ISO dates compare as text
      run.kept.push_back(path);
      continue;
    }
    ProvenanceDeletion d{
        path, path + ".deletion.json", p->package_sha256, p->order_id, sha, p->delete_by, 0};
    if (r.dry_run) {
      run.deleted.push_back(std::move(d));
      continue;
    }
    if (PathExists(d.certificate_path)) {
      return Error(ErrorCode::kAlreadyExists, d.certificate_path + " already exists",
                   "a certificate is never replaced: move it away first");
    }
    // Recorded first: a deletion never goes unrecorded. A crash between the
    // two leaves the file and its event; the next run records it again.
    nlohmann::json event = {{"action", "trace.provenance.deleted"},
                            {"outcome", "ok"},
                            {"actor", r.actor},
                            {"package", {{"manifest_sha256", d.package_sha256}}},
                            {"order", {{"id", d.order_id}}},
                            {"provenance_sha256", d.provenance_sha256},
                            {"provenance_delete_by", d.delete_by},
                            {"deleted_at", r.now}};
    CORDON_ASSIGN_OR_RETURN(d.ledger_index, ledger.Append({std::move(event)}));
    // The name must still be the file hashed (not swapped since): same
    // device and inode, still one link.
    struct stat now {};
    if (::lstat(path.c_str(), &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino ||
        now.st_nlink != 1) {
      return Error(ErrorCode::kRefused, path + " changed while it was being deleted; not removed",
                   "its deletion is recorded in the ledger but not certified; check the "
                   "directory and run again");
    }
    if (::unlink(path.c_str()) != 0) {
      return Error(ErrorCode::kIo, "cannot remove " + path,
                   "its deletion is recorded; remove it by hand and run again for its certificate");
    }
    CORDON_TRY(Certify(ledger, d, r, p->created));
    run.deleted.push_back(std::move(d));
  }
  return run;
}

}  // namespace cordon::ledger
