#include "scan/libarchive_loader.h"

#include "core/shared_library.h"

namespace cordon::scan {
namespace {

Result<LibArchiveRead> Load() {
  CORDON_ASSIGN_OR_RETURN(
      SharedLibrary lib,
      SharedLibrary::Open("libarchive.so.13", "libarchive, to read compressed files and archives",
                          "install it: apt install libarchive13 (Debian, Ubuntu) or dnf "
                          "install libarchive (Fedora)"));
  LibArchiveRead la;
  // NOLINTNEXTLINE(bugprone-macro-parentheses): `name` is an identifier.
#define CORDON_LIBARCHIVE_BIND(name) CORDON_TRY(lib.Bind(#name, &la.name));
  CORDON_LIBARCHIVE_READ_FUNCTIONS(CORDON_LIBARCHIVE_BIND)
#undef CORDON_LIBARCHIVE_BIND
  return la;
}

// Loaded once, kept for the process's life (a function-local static:
// initialised by the first caller, other threads wait for it).
const Result<LibArchiveRead>& Loaded() {
  static const Result<LibArchiveRead> loaded = Load();
  return loaded;
}

}  // namespace

Status LoadLibArchiveRead() {
  if (!Loaded().ok()) return Loaded().error();
  return Ok();
}

const LibArchiveRead& La() { return Loaded().value(); }

}  // namespace cordon::scan
