// libarchive's reading side, loaded on first use: linked, it would add
// ~1.4 ms to every start of `cordon`, for the one command that opens
// archives (`cordon scan`, and only when it meets one).
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "core/result.h"

namespace cordon::scan {

// Every libarchive function the scanner calls, each with the type of its
// declaration in archive.h (decltype), so a signature cannot drift.
// NOLINTBEGIN(bugprone-macro-parentheses): `name` is an identifier.
// clang-format off: one function a line, in alphabetical order.
#define CORDON_LIBARCHIVE_READ_FUNCTIONS(X) \
  X(archive_entry_filetype)                 \
  X(archive_entry_is_encrypted)             \
  X(archive_entry_pathname)                 \
  X(archive_error_string)                   \
  X(archive_format)                         \
  X(archive_read_data_block)                \
  X(archive_read_free)                      \
  X(archive_read_new)                       \
  X(archive_read_next_header)               \
  X(archive_read_open)                      \
  X(archive_read_open_fd)                   \
  X(archive_read_open_memory)               \
  X(archive_read_support_filter_all)        \
  X(archive_read_support_format_raw)        \
  X(archive_read_support_format_tar)        \
  X(archive_read_support_format_zip)        \
  X(archive_set_error)
// clang-format on

// Call sites read `La().archive_read_new()` (la_ is libarchive's own prefix):
// the real name stays visible and greppable, and so does the indirection,
// which macros named like the functions would hide.
struct LibArchiveRead {
#define CORDON_LIBARCHIVE_MEMBER(name) decltype(&::name) name = nullptr;
  CORDON_LIBARCHIVE_READ_FUNCTIONS(CORDON_LIBARCHIVE_MEMBER)
#undef CORDON_LIBARCHIVE_MEMBER
};
// NOLINTEND(bugprone-macro-parentheses)

// Loads libarchive.so.13 and binds every function, on the first call only
// (thread-safe: the scanner's threads may race to it); later calls return
// the same outcome. kNotFound, with the package to install as hint, when
// libarchive is not installed; kUnsupported when it lacks a function.
Status LoadLibArchiveRead();

// The functions, once LoadLibArchiveRead() has succeeded; aborts otherwise
// (an entry point forgot to load it).
const LibArchiveRead& La();

}  // namespace cordon::scan
