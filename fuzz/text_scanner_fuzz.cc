// Differential fuzzing of the streaming scanner: text scanned in small pieces
// gives exactly the findings (lines, columns, offsets, masks) of the whole
// text, as long as every piece can be cut at a byte no identifier contains.
// Binary content (a NUL in the first 8 KiB) is compared the same way, against
// the whole scanned as binary: checksum-proven kinds only, all marked so.
#include <algorithm>

#include "detect/matcher.h"
#include "scan/text_scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t piece = 1 + data[0] % 64;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  cordon::scan::ScanOptions o;
  cordon::scan::FileResult whole, streamed;
  const bool binary = text.substr(0, 8192).find('\0') != std::string_view::npos;
  cordon::scan::FindingCollector reference(o, whole, {});
  if (binary) reference.SetBinary();
  reference.Scan(text);
  cordon::scan::TextScanner s(o, streamed, {}, piece);
  for (size_t at = 0; at < text.size(); at += 7) s.Feed(text.substr(at, 7));
  s.Finish();
  if (s.binary() != binary) __builtin_trap();
  for (const auto& f : streamed.findings) {
    if (f.binary != binary) __builtin_trap();
    if (binary && !(cordon::scan::kBinaryKinds & cordon::detect::KindBit(f.kind))) __builtin_trap();
  }
  // The guarantee holds when no run of unsplittable bytes fills a piece.
  size_t run = 0, longest = 0;
  for (char c : text) {
    run = cordon::detect::CanSplitAfter(c) ? 0 : run + 1;
    longest = std::max(longest, run);
  }
  if (longest + 1 >= piece) return 0;
  if (whole.counts != streamed.counts || whole.findings.size() != streamed.findings.size())
    __builtin_trap();
  for (size_t i = 0; i < whole.findings.size(); ++i) {
    const auto& a = whole.findings[i];
    const auto& b = streamed.findings[i];
    if (a.line != b.line || a.column != b.column || a.char_column != b.char_column ||
        a.offset != b.offset || a.length != b.length || a.kind != b.kind || a.masked != b.masked ||
        a.binary != b.binary)
      __builtin_trap();
  }
  return 0;
}
