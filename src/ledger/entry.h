// Ledger entries: one event as canonical JSON — RFC 8785 (JCS) restricted to
// what entries hold: objects with ASCII keys (sorted), strings, integers,
// booleans, null and arrays, no whitespace. The exact bytes are the leaf, so
// anyone can re-derive them from the event and check the hash.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon::ledger {

inline constexpr int kEntryVersion = 1;
inline constexpr size_t kMaxEntrySize = 64 * 1024;

// Serializes `event` canonically. Refuses floats, non-ASCII keys, invalid
// UTF-8 and entries over kMaxEntrySize; and refuses any entry in which the
// detectors find a personal identifier (NIR, CPR, IBAN, card, e-mail, phone):
// a ledger is evidence about data, never a copy of it. Errors name the field,
// never the value.
Result<std::string> CanonicalEntry(const nlohmann::json& event);

// True when the detectors find an identifier in `s`: the one rule both
// canonicalizers apply to every string (strings under 6 bytes and hex
// digests are skipped: the matcher can find nothing in them).
bool LooksLikePersonalData(std::string_view s);

// The same rule for the value of an object's member, which knows its name:
// a key's id (16 hex digits: a minisign, pseudonym, watch-list or trace
// key's) under the names cordon writes them under ("key_id", "watch_key_id",
// "controller_key_id", "pseudonym_key_id", "trace_key_id", a member of a
// "key_ids" object) names a key, not a person. About one random id in
// 30,000 is also a valid Belgian IBAN ("BE" + check digits) or a
// Luhn-valid card number; refused, every event of that key's holder would
// be, forever. Anything else there is checked. What this leaves open: a
// writer of events who puts a 16-digit card number under "key_id" on
// purpose (the exchange records a caller's key id only once it parsed it).
bool LooksLikePersonalField(std::string_view name, std::string_view value);

// The name `member` of an object named `object_name` is checked under: the
// members of "key_ids" ({"trace": ID, "controller": ID}) are key ids.
std::string_view MemberName(std::string_view object_name, std::string_view member);

// The top-level "seq" of a canonical entry, found without parsing the whole
// entry (verify reads a million entries); nullopt when it has none.
std::optional<uint64_t> EntrySeq(std::string_view entry);

}  // namespace cordon::ledger
