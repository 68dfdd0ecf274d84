// The periodic access review a hospital CISO asks for: every account with
// its role, end date, last login and IP, and its active and past grants;
// and an approver's attestation that the review was done, bound to the
// exact review it saw (its SHA-256).
#pragma once

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "exchange/accounts.h"
#include "exchange/grants.h"

namespace cordon::exchange {

// The review as of `now` (JSON: generated_at, accounts[...with grants],
// break_glass_to_review, attestations).
Result<nlohmann::ordered_json> AccessReview(const std::string& data_dir, int64_t now);

// Records that `approver` reviewed the review whose canonical text hashes to
// `review_sha256`. Only approvers attest.
Status AttestReview(const std::string& data_dir, const Account& approver,
                    std::string_view review_sha256, int64_t now);

}  // namespace cordon::exchange
