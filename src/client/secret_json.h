// A small JSON object built straight into a SecretBuffer, for request
// bodies that hold a password: no std::string or nlohmann::json copy of the
// secret is ever made (those are not wiped when they are freed).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/secret_buffer.h"

namespace cordon::client {

// {"name":"value",...} with the members in the given order, each value a
// JSON string: '"', '\\' and control characters escaped, every other byte
// as is (the server refuses text that is not UTF-8). The views are only
// read; the caller keeps (and wipes) its own.
SecretBuffer SecretJsonObject(const std::vector<std::pair<std::string_view, ByteView>>& members);

// A std::string_view on a secret, for a request body (never keep it).
inline std::string_view RevealText(const SecretBuffer& secret) {
  return {reinterpret_cast<const char*>(secret.RevealBytes().data()), secret.size()};
}

}  // namespace cordon::client
