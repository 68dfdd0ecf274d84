#include "testdata/libarchive_writer.h"

#include "core/shared_library.h"

namespace cordon::testdata {
namespace {

Result<LibArchiveWrite> Load() {
  CORDON_ASSIGN_OR_RETURN(
      SharedLibrary lib,
      SharedLibrary::Open("libarchive.so.13", "libarchive, to write gzip and zip files",
                          "install it: apt install libarchive13 (Debian, Ubuntu) or dnf "
                          "install libarchive (Fedora)"));
  LibArchiveWrite la;
  // NOLINTNEXTLINE(bugprone-macro-parentheses): `name` is an identifier.
#define CORDON_LIBARCHIVE_BIND(name) CORDON_TRY(lib.Bind(#name, &la.name));
  CORDON_LIBARCHIVE_WRITE_FUNCTIONS(CORDON_LIBARCHIVE_BIND)
#undef CORDON_LIBARCHIVE_BIND
  return la;
}

// Loaded once, kept for the process's life (a function-local static:
// initialised by the first caller, other threads wait for it).
const Result<LibArchiveWrite>& Loaded() {
  static const Result<LibArchiveWrite> loaded = Load();
  return loaded;
}

}  // namespace

Status LoadLibArchiveWrite() {
  if (!Loaded().ok()) return Loaded().error();
  return Ok();
}

const LibArchiveWrite& La() { return Loaded().value(); }

}  // namespace cordon::testdata
