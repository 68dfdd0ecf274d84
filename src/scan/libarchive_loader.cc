#include "scan/libarchive_loader.h"

#include "core/shared_library.h"

namespace cordon::scan {
namespace {

const Result<LibArchiveRead>& Loaded() {
  return LoadOnce<LibArchiveRead>(
      {"libarchive.so.13", "libarchive, to read compressed files and archives",
       "install it: apt install libarchive13 (Debian, Ubuntu) or dnf install "
       "libarchive (Fedora)"},
      [](const SharedLibrary& lib, LibArchiveRead& table) -> Status {
        CORDON_LIBARCHIVE_READ_FUNCTIONS(CORDON_BIND_FUNCTION)
        return Ok();
      });
}

}  // namespace

Status LoadLibArchiveRead() { return LoadStatus(Loaded()); }

const LibArchiveRead& La() { return Loaded().value(); }

}  // namespace cordon::scan
