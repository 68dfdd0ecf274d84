// Times as cordon writes them everywhere (manifests, ledger entries, API
// answers, alerts): UTC, to the second, "2027-01-15T21:00:00Z".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cordon {

std::string FormatUtc(int64_t unix_seconds);
std::string UtcNowText();  // FormatUtc of the system clock
// Exactly "YYYY-MM-DDTHH:MM:SSZ" (what FormatUtc writes) to Unix seconds;
// nullopt for anything else.
std::optional<int64_t> ParseUtc(std::string_view text);

}  // namespace cordon
