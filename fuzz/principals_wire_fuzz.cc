// Fuzzes the principals agent's one-line wire format (client/principals_wire.h):
// a question is what any process of the agent's user may send it, an answer
// what the client believes. Whatever parses must encode back to a line that
// parses to the same value, and an answer that allows must name something.
#include <string_view>

#include "client/principals_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon::client;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto q = ParseQuestion(text)) {
    auto line = EncodeQuestion(*q);
    if (!line || ParseQuestion(*line) != q) __builtin_trap();
  }
  if (auto a = ParseAnswer(text)) {
    if (a->allow && a->text.empty()) __builtin_trap();
    if (ParseAnswer(EncodeAnswer(*a)) != a) __builtin_trap();
  }
  return 0;
}
