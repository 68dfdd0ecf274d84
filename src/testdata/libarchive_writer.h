// libarchive's writing side, loaded on first use (`cordon testdata` and the
// tests write gzip and zip files): linked, it would add ~1.4 ms to every
// start of `cordon`.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "core/result.h"

namespace cordon::testdata {

// Every libarchive function the generator calls, each with the type of its
// declaration in archive.h (decltype), so a signature cannot drift.
// NOLINTBEGIN(bugprone-macro-parentheses): `name` is an identifier.
// clang-format off: one function a line, in alphabetical order.
#define CORDON_LIBARCHIVE_WRITE_FUNCTIONS(X) \
  X(archive_entry_free)                      \
  X(archive_entry_new)                       \
  X(archive_entry_set_filetype)              \
  X(archive_entry_set_mtime)                 \
  X(archive_entry_set_pathname)              \
  X(archive_entry_set_perm)                  \
  X(archive_entry_set_size)                  \
  X(archive_error_string)                    \
  X(archive_write_add_filter_gzip)           \
  X(archive_write_close)                     \
  X(archive_write_data)                      \
  X(archive_write_free)                      \
  X(archive_write_header)                    \
  X(archive_write_new)                       \
  X(archive_write_open)                      \
  X(archive_write_set_bytes_in_last_block)   \
  X(archive_write_set_format_raw)            \
  X(archive_write_set_format_zip)
// clang-format on

// Call sites read `La().archive_write_new()`, as in scan/libarchive_loader.h
// (the reading side, a layer above: this layer uses core/ only).
struct LibArchiveWrite {
#define CORDON_LIBARCHIVE_MEMBER(name) decltype(&::name) name = nullptr;
  CORDON_LIBARCHIVE_WRITE_FUNCTIONS(CORDON_LIBARCHIVE_MEMBER)
#undef CORDON_LIBARCHIVE_MEMBER
};
// NOLINTEND(bugprone-macro-parentheses)

// Loads libarchive.so.13 and binds every function, on the first call only
// (thread-safe); later calls return the same outcome. kNotFound, with the
// package to install as hint, when libarchive is not installed.
Status LoadLibArchiveWrite();

// The functions, once LoadLibArchiveWrite() has succeeded; aborts otherwise.
const LibArchiveWrite& La();

}  // namespace cordon::testdata
