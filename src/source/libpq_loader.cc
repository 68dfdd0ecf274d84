#include "source/libpq_loader.h"

#include "core/shared_library.h"

namespace cordon::source {
namespace {

Result<LibPq> Load() {
  CORDON_ASSIGN_OR_RETURN(
      SharedLibrary lib,
      SharedLibrary::Open("libpq.so.5", "PostgreSQL's client library, for postgresql:// URLs",
                          "install it: apt install libpq5 (Debian, Ubuntu) or dnf install "
                          "libpq (Fedora)"));
  LibPq pq;
  // NOLINTNEXTLINE(bugprone-macro-parentheses): `name` is an identifier.
#define CORDON_LIBPQ_BIND(name) CORDON_TRY(lib.Bind(#name, &pq.name));
  CORDON_LIBPQ_FUNCTIONS(CORDON_LIBPQ_BIND)
#undef CORDON_LIBPQ_BIND
  return pq;
}

// Loaded once, kept for the process's life (a function-local static:
// initialised by the first caller, other threads wait for it).
const Result<LibPq>& Loaded() {
  static const Result<LibPq> loaded = Load();
  return loaded;
}

}  // namespace

Status LoadLibPq() {
  if (!Loaded().ok()) return Loaded().error();
  return Ok();
}

const LibPq& Pq() { return Loaded().value(); }

}  // namespace cordon::source
