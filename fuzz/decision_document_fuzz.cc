// Fuzzes the command line's checks of the documents an exchange asks it to
// sign (client/grants.h CheckDecisionDocument and CheckAttestationDocument,
// client/remote_access.h CheckCampaignDecisionDocument): the exchange may be compromised, so its
// document is untrusted input. Whatever is accepted must be the canonical
// JSON of exactly the decision typed, for the exchange reached: a document
// that passes one check and is not that is a finding.
#include <nlohmann/json.hpp>
#include <string>

#include "client/grants.h"
#include "client/remote_access.h"

namespace {

constexpr std::string_view kHost = "cordon.chu.example";

bool Canonical(const std::string& text, nlohmann::json& doc) {
  doc = nlohmann::json::parse(text, nullptr, false);
  return doc.is_object() && doc.dump() == text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon::client;
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json doc;
  const DecisionToSign grant{text, "cordon-grant@" + std::string(kHost)};
  if (CheckDecisionDocument(grant, 5, "approve", kHost).ok()) {
    if (!Canonical(text, doc) || doc["decision"] != "approve" || doc["grant"]["id"] != 5 ||
        doc["format"] != "cordon-grant-decision") {
      __builtin_trap();
    }
  }
  const DecisionToSign review{text, "cordon-review@" + std::string(kHost)};
  if (CheckCampaignDecisionDocument(review, 3, 7, "keep", kHost).ok()) {
    if (!Canonical(text, doc) || doc["decision"] != "keep" || doc["campaign"]["id"] != 3 ||
        doc["account"]["id"] != 7 || doc["format"] != "cordon-review-decision") {
      __builtin_trap();
    }
  }
  const std::string sha(64, 'a');
  const bool attestation = CheckAttestationDocument(review, sha, kHost).ok();
  if (attestation && (!Canonical(text, doc) || doc["review_sha256"] != sha ||
                      doc["format"] != "cordon-review-attestation")) {
    __builtin_trap();
  }
  // The same bytes never pass as two kinds: a campaign's decision and an
  // attestation share their namespace, never their format.
  if (CheckDecisionDocument({text, review.ns}, 5, "approve", kHost).ok()) __builtin_trap();
  if (attestation && CheckCampaignDecisionDocument(review, 3, 7, "keep", kHost).ok()) {
    __builtin_trap();
  }
  return 0;
}
