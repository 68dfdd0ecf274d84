// The plan's digest in the order: `plan_sha256` in [order] binds the order a
// DPO validates to the exact plan JSON (`cordon plan --json`) it was made
// with, so a signature over the order bytes covers the plan too. Written by
// `cordon remote order submit`, read back by the exchange and the client.
// Text in, text out: the rest of the order's bytes never change (a vendor
// and a DPO must be able to diff them), so this edits lines, it does not
// re-serialize TOML.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon::order {

// Lowercase hex SHA-256 of the exact plan bytes (64 characters).
std::string PlanSha256Hex(std::string_view plan_json);

// The order with `plan_sha256 = "HEX"` in its [order] table: an existing
// plan_sha256 line there is replaced in place; otherwise the line is added
// after the table's last key (its line ending copied from the file).
// Every other byte stays as it was. kInvalidArgument when `hex` is not 64
// lowercase hex digits, when the order has no `[order]` table header, or
// when an existing plan_sha256 is not a one-line string (or appears twice).
Result<std::string> WithPlanDigest(std::string_view order_toml, std::string_view hex);

// The plan_sha256 value of the [order] table, none when absent;
// kInvalidArgument for a value that is not 64 lowercase hex digits in a
// one-line string, or when the key appears twice.
Result<std::optional<std::string>> PlanDigestIn(std::string_view order_toml);

}  // namespace cordon::order
