// Fuzzes the key-less recording check (`cordon recording verify`) on
// arbitrary files: it must never crash, and never accept a file against an
// anchor whose head nobody could have computed for it.
#include <string>

#include "recording/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon;
  using namespace cordon::recording;
  {
    MemorySource src(ByteView(data, size));
    (void)HeaderSha256(src);
  }
  const Anchor bogus{.chunks = 1 + size / kUnitSize, .bytes = size, .head = std::string(64, '0')};
  for (bool ended : {true, false}) {
    MemorySource src(ByteView(data, size));
    if (VerifyRecording(src, {bogus}, ended).ok()) __builtin_trap();
  }
  return 0;
}
