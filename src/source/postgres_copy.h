// PostgreSQL's COPY text and binary formats and identifiers, as pure functions (no
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

// COPY's binary format (PostgreSQL docs, "COPY", Binary Format): a file
// header (the signature "PGCOPY\n\377\r\n\0", 32-bit flags, a header
// extension), then per row a 16-bit field count and per field a 32-bit
// length (-1: NULL) and that many bytes in the type's send format; a count
// of -1 ends the data. All integers big-endian. The source asks for it when
// every column it reads is of a type below: rows then arrive length-prefixed
// (no unescaping) and dates as a 4-byte day number (no formatting on the
// server) — and are rendered here exactly as the text format writes them,
// so both formats give the same cells (tested against a server).
enum class PgBinaryType {
  kText,  // text, varchar, bpchar (padded as the text format pads it)
  kInt2,
  kInt4,
  kInt8,
  kDate,  // days since 2000-01-01, rendered as DateStyle ISO
  kBool,  // 't' / 'f'
};
std::optional<PgBinaryType> PgBinaryTypeOf(std::string_view typname);
// The name of a built-in type the binary format carries, by its OID (fixed
// across PostgreSQL versions: bool 16, int8 20, int2 21, int4 23, text 25,
// bpchar 1042, varchar 1043, date 1082); empty for any other type, whatever
// its name (an enum called int4 in another schema is not int4).
std::string PgBuiltinTypeName(unsigned oid);

// Appends the text format's rendering of a value sent in binary (a date as
// YYYY-MM-DD, "0044-03-15 BC", "infinity"; an integer in decimal; text as
// it is: the caller checks it is UTF-8 without a byte 0). kMalformed when
// the bytes cannot be a value of the type (a length other than the type's).
Status AppendPgBinaryValue(PgBinaryType type, std::string_view bytes, std::string& out);

// The rows of one binary COPY, message by message (libpq's PQgetCopyData
// gives one row per message, the file header in front of the first and the
// trailer alone in the last). A NULL becomes the empty field, as in the
// text format. Text is not copied: its field points into the message.
class CopyBinaryRows {
 public:
  explicit CopyBinaryRows(std::vector<PgBinaryType> types) : types_(std::move(types)) {}
  // What a message held: a row (in `fields`: a text field points into
  // `message`, any other into this object, valid until the next Parse), the
  // file header alone, or the trailer. kMalformed on a bad header, a field
  // count other than the types', a cut field, bytes after the trailer or
  // after a row.
  enum class Got { kRow, kHeaderOnly, kEnd };
  Result<Got> Parse(std::string_view message, std::vector<std::string_view>& fields);
  // Whether the trailer was read: a COPY that ends without it was cut.
  bool ended() const { return ended_; }

 private:
  std::vector<PgBinaryType> types_;
  std::vector<std::string> rendered_;  // per field, reused: no allocation once warmed up
  bool header_seen_ = false;
  bool ended_ = false;
};

}  // namespace cordon::source
