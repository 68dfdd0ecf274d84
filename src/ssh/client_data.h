// A WebAuthn clientDataJSON (§5.8.1) read as JSON — never matched as text —
// for both readers of passkey answers: logins (auth/webauthn.cc) and
// signatures (ssh/sshsig.cc). Duplicate keys are reported, because two
// "challenge" or "crossOrigin" members would mean whatever the reader picks.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace cordon::ssh {

// nlohmann::json's destructor may allocate, which clang-tidy takes for a
// throwing destructor (as in client/orders.h).
struct ClientDataJson {  // NOLINT(bugprone-exception-escape)
  nlohmann::json value;  // discarded when the text is not JSON
  bool duplicate_key = false;
};

ClientDataJson ParseClientDataJson(std::string_view text);

}  // namespace cordon::ssh
