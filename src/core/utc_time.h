// Times as cordon writes them everywhere (manifests, ledger entries, API
// answers, alerts): UTC, to the second, "2027-01-15T21:00:00Z".
#pragma once

#include <cstdint>
#include <string>

namespace cordon {

std::string FormatUtc(int64_t unix_seconds);
std::string UtcNowText();  // FormatUtc of the system clock

}  // namespace cordon
