// Civil dates as cordon counts them: days since 1970-01-01 in the proleptic
// Gregorian calendar, written YYYY-MM-DD. Orders, manifests, certificates and
// the exchange's deadlines all use these; beside utc_time.h (instants).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon {

bool IsValidDate(int year, int month, int day);  // years 1–9999
int32_t DaysFromCivil(int year, int month, int day);
void CivilFromDays(int32_t days, int& year, int& month, int& day);
std::string FormatIsoDate(int32_t days);  // "2027-06-30"
// Parses exactly YYYY-MM-DD of a real calendar day; kMalformed otherwise
// (the message quotes at most 40 characters of `text`).
Result<int32_t> ParseIsoDate(std::string_view text);

}  // namespace cordon
