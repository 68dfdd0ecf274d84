// PostgreSQL's COPY text format and identifiers, as pure functions (no
// connection): the PostgreSQL source parses `COPY … TO STDOUT` rows with
// them, the target writes `COPY … FROM STDIN` rows, and both quote names.
// Text format (PostgreSQL docs, "COPY", File Formats): one row per line,
// fields separated by a tab, `\N` for NULL, and backslash escapes — \b \f
// \n \r \t \v \\, \ooo (octal), \xhh (hex), any other `\c` is `c`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cordon::source {

// "name" with every '"' doubled (what PQescapeIdentifier writes for UTF-8
// text): an identifier, whatever it holds.
std::string PgQuoteIdentifier(std::string_view name);

// Parses one COPY text row (`line`, with or without its final '\n') into
// `fields` (reused between rows: no allocation once warmed up). A NULL
// (`\N`) becomes the empty field, the CSV path's NULL. kMalformed on a
// field count other than `expected`, a byte 0 (an escape may write any byte;
// cordon extracts text), or a row that ends inside an escape. UTF-8 is not
// checked here.
Status ParseCopyTextRow(std::string_view line, size_t expected, std::vector<std::string>& fields);

// Appends `value` to `out` escaped for a COPY text row: '\\', tab, newline
// and carriage return as backslash escapes (and \b \f \v), so that any
// value round-trips. An empty value is NULL (`\N`): the CSV convention
// `open --into` follows for every database.
void AppendCopyTextField(std::string& out, std::string_view value);

// A catalog type (pg_type.typname of the column's base type) as the type
// notion the binding understands (pipeline DeclaredType): "DATE",
// "TIMESTAMP", "INTEGER", "NUMERIC", or empty (text: the order's
// [table.types] may say otherwise). timestamptz, time, interval, money…
// stay text: their rendering depends on settings, or no cordon type fits.
std::string PgTypeNotion(std::string_view typname);

// Whether a column of this type is refused when the order reads it (bytea:
// cordon extracts text, numbers and dates).
bool PgTypeIsBinary(std::string_view typname);

}  // namespace cordon::source
