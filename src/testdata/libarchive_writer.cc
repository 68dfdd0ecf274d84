#include "testdata/libarchive_writer.h"

#include "core/shared_library.h"

namespace cordon::testdata {
namespace {

const Result<LibArchiveWrite>& Loaded() {
  return LoadOnce<LibArchiveWrite>(
      {"libarchive.so.13", "libarchive, to write gzip and zip files",
       "install it: apt install libarchive13 (Debian, Ubuntu) or dnf install "
       "libarchive (Fedora)"},
      [](const SharedLibrary& lib, LibArchiveWrite& table) -> Status {
        CORDON_LIBARCHIVE_WRITE_FUNCTIONS(CORDON_BIND_FUNCTION)
        return Ok();
      });
}

}  // namespace

Status LoadLibArchiveWrite() { return LoadStatus(Loaded()); }

const LibArchiveWrite& La() { return Loaded().value(); }

}  // namespace cordon::testdata
