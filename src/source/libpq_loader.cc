#include "source/libpq_loader.h"

#include "core/shared_library.h"

namespace cordon::source {
namespace {

const Result<LibPq>& Loaded() {
  return LoadOnce<LibPq>({"libpq.so.5", "PostgreSQL's client library, for postgresql:// URLs",
                          "install it: apt install libpq5 (Debian, Ubuntu) or dnf install libpq "
                          "(Fedora)"},
                         [](const SharedLibrary& lib, LibPq& table) -> Status {
                           CORDON_LIBPQ_FUNCTIONS(CORDON_BIND_FUNCTION)
                           return Ok();
                         });
}

}  // namespace

Status LoadLibPq() { return LoadStatus(Loaded()); }

const LibPq& Pq() { return Loaded().value(); }

}  // namespace cordon::source
