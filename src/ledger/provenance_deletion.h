// Provenance files deleted when their retention has passed (docs/trace.md,
// "Key custody and retention"): they are keyed pseudonymous data about the
// patients, kept for the order's provenance_retention_days (default two
// years) and then deleted — each deletion recorded in the ledger first, then
// the file removed, then a deletion certificate written in its place: the
// provenance file's package, order and SHA-256, the deadline, when it was
// deleted, the ledger entry with its inclusion proof and signed checkpoint,
// signed (minisign) by the person who deleted it. Not thread-safe: one run
// at a time over a set of files (the ledger's lock orders appends).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "ledger/ledger.h"
#include "ledger/trace_report.h"
#include "sign/minisign.h"

namespace cordon::ledger {

struct ProvenanceDeletion {
  std::string path;  // the provenance file, now gone
  std::string certificate_path;
  std::string package_sha256, order_id, provenance_sha256, delete_by;
  uint64_t ledger_index = 0;
};

struct ProvenanceDeletionRun {
  std::vector<ProvenanceDeletion> deleted;
  std::vector<std::string> kept;  // within their retention
  // Files left alone, with why: not valid provenance files, not committed
  // by an extract event of the ledger, a symbolic link, a file with other
  // hard links (removing one name would not delete the data).
  std::vector<std::pair<std::string, std::string>> skipped;
};

struct ProvenanceDeletionRequest {
  std::vector<std::string> files;  // provenance files (ProvenanceFiles)
  // The extract events of the ledger (ReadExtractions): only a file whose
  // SHA-256 one of them committed is deleted, by that event's delete-by.
  std::vector<Extraction> extractions;
  std::string today;     // YYYY-MM-DD: files whose delete-by is on or before it go
  std::string now;       // RFC 3339 UTC, recorded as deleted_at
  nlohmann::json actor;  // who, for the ledger (ActorJson + person)
  const sign::SecretKey* signer = nullptr;
  bool dry_run = false;  // say what would go, change nothing
};

// Deletes the files past their retention, recording each deletion and
// certifying it ("<file>.deletion.json" and its ".minisig"). Never certifies
// a deletion it did not make: a file is opened without following symlinks,
// hashed through that descriptor, must have one link only, must be one the
// ledger committed, and its name must still refer to the same inode just
// before the unlink. Stops at the first failure, having certified what it
// deleted so far.
Result<ProvenanceDeletionRun> DeleteExpiredProvenance(Ledger& ledger,
                                                      const ProvenanceDeletionRequest& request);

}  // namespace cordon::ledger
