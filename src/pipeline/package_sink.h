// The sink that seals one table into the package: <dir>/<name>.csv.age, an
// age file whose header is written last.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "age/age.h"
#include "core/file.h"
#include "crypto/hash.h"
#include "pipeline/csv_writer.h"
#include "pipeline/runner.h"

namespace cordon::pipeline {

// A table file once sealed.
struct SealedFile {
  uint64_t size = 0;
  std::string sha256;  // lowercase hex, of the whole file (header included)
};

// Writes the rows as CSV encrypted to `recipients` (borrowed, they must
// outlive the sink). Until End() the file holds no wrapped key, so an
// interrupted run (even SIGKILL) leaves nothing readable; End() then
// appends the sealed file's size and hash to `done`. Not thread-safe.
class PackageSink final : public RowSink {
 public:
  PackageSink(std::string path, const std::vector<std::unique_ptr<age::Recipient>>& recipients,
              std::vector<SealedFile>& done);
  ~PackageSink() override;

  // kIo when the file exists or cannot be created.
  Status Begin(const std::vector<std::string>& columns) override;
  Status Row(const std::vector<std::string_view>& values) override;
  Status End() override;

 private:
  std::string path_;
  CleanupGuard guard_;
  const std::vector<std::unique_ptr<age::Recipient>>& recipients_;
  UniqueFd fd_;
  std::unique_ptr<FdSink> sink_;
  std::unique_ptr<crypto::HashingSink> hashing_;
  std::unique_ptr<age::Encryptor> encryptor_;
  std::unique_ptr<CsvWriter> writer_;
  std::vector<SealedFile>& done_;
  size_t header_size_ = 0;
};

}  // namespace cordon::pipeline
