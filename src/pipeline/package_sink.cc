#include "pipeline/package_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/encoding.h"
#include "crypto/hash.h"

namespace cordon::pipeline {

PackageSink::PackageSink(std::string path,
                         const std::vector<std::unique_ptr<age::Recipient>>& recipients,
                         std::vector<SealedFile>& done)
    : path_(std::move(path)), guard_(path_), recipients_(recipients), done_(done) {}

PackageSink::~PackageSink() = default;

Status PackageSink::Begin(const std::vector<std::string>& columns) {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error(ErrorCode::kIo, "cannot create " + path_ + ": " + std::strerror(errno));
  fd_ = UniqueFd(fd);
  sink_ = std::make_unique<FdSink>(fd, path_);
  hashing_ = std::make_unique<crypto::HashingSink>(*sink_);
  CORDON_ASSIGN_OR_RETURN(encryptor_,
                          age::Encryptor::Create(recipients_, *hashing_, age::Armor::kNo,
                                                 age::HeaderPlacement::kDeferred));
  header_size_ = encryptor_->deferred_header().size();
  // The file's hash covers the header first: it is known now, though
  // written last.
  hashing_->HashUnwritten(AsBytes(encryptor_->deferred_header()));
  // The payload starts after room for the header, which is written at the end.
  if (::lseek(fd, static_cast<off_t>(header_size_), SEEK_SET) < 0) {
    return Error(ErrorCode::kIo, "cannot seek in " + path_);
  }
  writer_ = std::make_unique<CsvWriter>(*encryptor_);
  std::vector<std::string_view> names(columns.begin(), columns.end());
  return writer_->Row(names);
}

Status PackageSink::Row(const std::vector<std::string_view>& values) {
  return writer_->Row(values);
}

Status PackageSink::End() {
  CORDON_TRY(writer_->Flush());
  CORDON_TRY(encryptor_->Close());
  const std::string& header = encryptor_->deferred_header();
  if (::pwrite(fd_.get(), header.data(), header.size(), 0) != static_cast<ssize_t>(header.size()) ||
      ::fsync(fd_.get()) != 0) {
    return Error(ErrorCode::kIo, "cannot finish " + path_ + ": " + std::strerror(errno));
  }
  struct stat st {};
  ::fstat(fd_.get(), &st);
  fd_ = UniqueFd();
  done_.push_back({static_cast<uint64_t>(st.st_size), HexEncode(hashing_->Final())});
  return Ok();
}

}  // namespace cordon::pipeline
