// Fuzzes the CSV reader in every dialect: the first byte picks separator and
// encoding, the rest is the file. Reading must end in rows or a clean error.
#include <algorithm>
#include <cstring>

#include "source/csv_reader.h"

namespace {
class Owned final : public cordon::ByteSource {
 public:
  Owned(const uint8_t* d, size_t n, size_t step) : data_(d, d + n), step_(step) {}
  cordon::Result<size_t> Read(std::span<uint8_t> out) override {
    size_t n = std::min({out.size(), data_.size() - pos_, step_});
    if (n) std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::vector<uint8_t> data_;
  size_t pos_ = 0, step_;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0];
  cordon::source::CsvOptions options;
  options.max_record_bytes = 1 << 16;
  const char seps[] = {0, ';', ',', '\t', '|'};
  if (seps[mode % 5]) options.separator = seps[mode % 5];
  switch ((mode >> 3) % 4) {
    case 1:
      options.encoding = cordon::source::TextEncoding::kUtf8;
      break;
    case 2:
      options.encoding = cordon::source::TextEncoding::kWindows1252;
      break;
    case 3:
      options.encoding = cordon::source::TextEncoding::kLatin1;
      break;
    default:
      break;
  }
  size_t step = (mode >> 5) ? (mode >> 5) * 3 : SIZE_MAX;
  auto reader = cordon::source::CsvReader::Open(std::make_unique<Owned>(data + 1, size - 1, step),
                                                "fuzz.csv", options);
  if (!reader.ok()) return 0;
  for (int rows = 0; rows < 100000; ++rows) {
    auto more = (*reader)->Next();
    if (!more.ok() || !*more) break;
    for (size_t i = 0; i < (*reader)->field_count(); ++i) {
      auto v = (*reader)->Utf8Field(i);
      if (v.ok() && !cordon::source::IsValidUtf8(*v)) __builtin_trap();  // output is always UTF-8
    }
  }
  return 0;
}
