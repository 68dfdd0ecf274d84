// Fuzzes the filter between a recording (the vendor's output) and the
// reviewer's terminal: whatever the input and however it is split, no
// control string introducer (ESC ] / P / X / ^ / _, or their UTF-8 C1 forms)
// comes out, and the output is never longer than the input.
#include <string>
#include <string_view>

#include "recording/replay_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t cut = data[0] % size;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  cordon::recording::ReplayFilter f;
  std::string out = f.Feed(in.substr(0, cut < in.size() ? cut : in.size()));
  out += f.Feed(in.substr(cut < in.size() ? cut : in.size()));
  if (out.size() > in.size()) __builtin_trap();
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    const char a = out[i], b = out[i + 1];
    if (a == '\x1b' && (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_')) __builtin_trap();
    const auto c1 = static_cast<unsigned char>(b);
    if (a == '\xc2' && (c1 == 0x90 || c1 == 0x98 || c1 == 0x9D || c1 == 0x9E || c1 == 0x9F))
      __builtin_trap();
  }
  return 0;
}
