// age's ASCII armor: strict PEM-like encoding ("-----BEGIN AGE ENCRYPTED
// FILE-----", 64-column padded base64 lines, "-----END …-----").
#pragma once

#include "core/buffered_source.h"
#include "core/io.h"

namespace cordon::age {

inline constexpr std::string_view kArmorBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
inline constexpr std::string_view kArmorEnd = "-----END AGE ENCRYPTED FILE-----";

// Armors what is written to it into `out`; Close() writes the last line and
// the END line.
class ArmorWriter final : public ByteSink {
 public:
  explicit ArmorWriter(ByteSink& out) : out_(out) {}
  Status Write(ByteView data) override;
  Status Close();

 private:
  Status Flush(bool final);

  ByteSink& out_;
  Bytes pending_;  // bytes not yet encoded (fewer than one 48-byte line at rest)
  bool started_ = false;
  bool closed_ = false;
};

// Decodes armored input. Leading and trailing whitespace around the armor is
// allowed (at most 1 KiB); everything else is strict. Errors are prefixed
// "armor: " and are kMalformed, kTruncated or kLimitExceeded.
class ArmorReader final : public ByteSource {
 public:
  explicit ArmorReader(ByteSource& in) : in_(in) {}
  Result<size_t> Read(std::span<uint8_t> out) override;
  // The armor error that stopped reading, if any (layers above may have
  // wrapped it in their own error).
  const std::optional<Error>& failure() const { return failed_; }

 private:
  Status Start();
  Status NextLine();

  BufferedSource in_;
  Bytes decoded_;
  size_t decoded_begin_ = 0;
  bool started_ = false;
  bool finished_ = false;
  std::optional<Error> failed_;
};

// True when `prefix` (the first bytes of an input) starts, after optional
// whitespace, with the armor BEGIN line.
bool LooksArmored(std::string_view prefix);

}  // namespace cordon::age
