// Fuzzes the asciicast v2 reader (what `cordon recording play` parses after
// decryption). What it accepts, written again by AsciicastWriter, must read
// back as the same header and events.
#include <cstdlib>
#include <vector>

#include "recording/asciicast.h"

namespace {

using namespace cordon;
using namespace cordon::recording;

bool ReadAll(ByteView data, AsciicastHeader* header, std::vector<AsciicastEvent>* events) {
  MemorySource src(data);
  auto reader = AsciicastReader::Open(src);
  if (!reader.ok()) return false;
  *header = (*reader)->header();
  for (;;) {
    auto e = (*reader)->Next();
    if (!e.ok()) return false;
    if (!*e) return true;
    events->push_back(std::move(**e));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  AsciicastHeader header;
  std::vector<AsciicastEvent> events;
  if (!ReadAll(ByteView(data, size), &header, &events)) return 0;

  MemorySink again;
  auto writer = AsciicastWriter::Create(header, again);
  if (!writer.ok()) __builtin_trap();  // the reader accepted its size
  for (const AsciicastEvent& e : events) {
    if (!(*writer)->Event(e.time, e.type, AsBytes(e.data)).ok()) __builtin_trap();
  }
  if (!(*writer)->Close().ok()) __builtin_trap();

  AsciicastHeader header2;
  std::vector<AsciicastEvent> events2;
  if (!ReadAll(again.bytes(), &header2, &events2)) __builtin_trap();
  if (header2.width != header.width || header2.height != header.height ||
      header2.timestamp != header.timestamp || header2.term != header.term ||
      header2.title != header.title) {
    __builtin_trap();
  }
  // Empty output and input events are not written again (nothing to show).
  size_t j = 0;
  for (const AsciicastEvent& e : events) {
    if (e.data.empty() && (e.type == EventType::kOutput || e.type == EventType::kInput)) continue;
    if (j >= events2.size()) __builtin_trap();
    const AsciicastEvent& f = events2[j++];
    if (f.type != e.type || f.data != e.data) __builtin_trap();
    if (std::llabs((f.time - e.time).count()) > 1) __builtin_trap();  // decimal round trip
  }
  if (j != events2.size()) __builtin_trap();
  return 0;
}
