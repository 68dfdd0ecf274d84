#include "exchange/certificate.h"

#include <nlohmann/json.hpp>

#include "core/calendar.h"
#include "core/utc_time.h"
#include "ledger/entry.h"

namespace cordon::exchange {

Result<Certificate> MakeDeletionCertificate(const DeletionRecord& r, const LedgerEvidence& e,
                                            const sign::SecretKey& key) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : r.package.files) {
    files.push_back(
        {{"file", f.file}, {"size", f.ciphertext_size}, {"sha256", f.ciphertext_sha256}});
  }
  nlohmann::json c = {{"format", "cordon-deletion-certificate"},
                      {"version", 1},
                      {"package", r.package.id},
                      {"order_id", r.package.order_id},
                      {"files", files},
                      {"uploaded_at", r.package.uploaded_at},
                      {"delete_by", FormatIsoDate(r.package.delete_by)},
                      {"reason", r.reason},
                      {"deleted_at", r.deleted_at},
                      {"ledger",
                       {{"index", e.index},
                        {"tree_size", e.tree_size},
                        {"leaf_hash", e.leaf_hash},
                        {"proof", e.proof},
                        {"checkpoint", e.checkpoint}}}};
  c["confirmed_by"] = r.confirmed_by ? nlohmann::json(*r.confirmed_by) : nlohmann::json(nullptr);
  CORDON_ASSIGN_OR_RETURN(std::string json, ledger::CanonicalEntry(c));
  MemorySource m(AsBytes(json));
  CORDON_ASSIGN_OR_RETURN(
      sign::Signature sig,
      sign::Sign(key, m, "cordon deletion certificate for package " + r.package.id.substr(0, 16)));
  return Certificate{json, sig.Format()};
}

Result<Certificate> MakeRecordingDeletionCertificate(const RecordingDeletion& r,
                                                     const LedgerEvidence& e,
                                                     const sign::SecretKey& key) {
  nlohmann::json c = {
      {"format", "cordon-recording-deletion-certificate"},
      {"version", 1},
      {"session", r.session},
      {"grant", r.grant},
      {"account", r.account},
      {"target", r.target},
      {"recording",
       {{"header_sha256", r.header_sha256},
        {"head", r.head},
        {"chunks", r.chunks},
        {"bytes", r.bytes}}},
      {"started_at", FormatUtc(r.started_at)},
      {"ended_at", r.ended_at ? nlohmann::json(FormatUtc(*r.ended_at)) : nlohmann::json(nullptr)},
      {"retention_days", r.retention_days},
      {"deleted_at", FormatUtc(r.deleted_at)},
      {"ledger",
       {{"index", e.index},
        {"tree_size", e.tree_size},
        {"leaf_hash", e.leaf_hash},
        {"proof", e.proof},
        {"checkpoint", e.checkpoint}}}};
  CORDON_ASSIGN_OR_RETURN(std::string json, ledger::CanonicalEntry(c));
  MemorySource m(AsBytes(json));
  CORDON_ASSIGN_OR_RETURN(sign::Signature sig,
                          sign::Sign(key, m,
                                     "cordon deletion certificate for the recording of session " +
                                         std::to_string(r.session)));
  return Certificate{json, sig.Format()};
}

Result<std::string> VerifyDeletionCertificate(const Certificate& c, const sign::PublicKey& key) {
  CORDON_ASSIGN_OR_RETURN(sign::Signature sig, sign::Signature::Parse(c.signature));
  MemorySource m(AsBytes(c.json));
  CORDON_TRY(sign::Verify(key, sig, m));
  return c.json;
}

}  // namespace cordon::exchange
