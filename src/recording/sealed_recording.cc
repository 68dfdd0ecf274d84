#include "recording/sealed_recording.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace cordon::recording {

// Writes the ciphertext to the file and keeps the chain over what was
// written. age's StreamWriter hands over whole sealed chunks, so what the
// file holds is always the header unit plus complete units, except in the
// middle of a failed or interrupted write.
class SealedRecording::ChainSink final : public ByteSink {
 public:
  explicit ChainSink(int fd) : fd_(fd) {}

  // Writes unit 0 and starts the chain with it.
  Status Start(ByteView header_unit) {
    CORDON_TRY(WriteAll(header_unit));
    chain_.emplace(header_unit);
    return Ok();
  }

  Status Write(ByteView data) override {
    CORDON_TRY(WriteAll(data));
    while (!data.empty()) data = data.subspan(chain_->Append(data));
    return Ok();
  }

  ChunkChain& chain() { return *chain_; }

 private:
  Status WriteAll(ByteView data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("recording: write");
      }
      data = data.subspan(static_cast<size_t>(n));
    }
    return Ok();
  }

  int fd_;
  std::optional<ChunkChain> chain_;
};

Result<std::vector<std::unique_ptr<age::Recipient>>> ParseRecipients(
    const std::vector<std::string>& recipients) {
  std::vector<std::unique_ptr<age::Recipient>> out;
  for (const std::string& text : recipients) {
    auto r = age::X25519Recipient::Parse(text);
    if (!r.ok()) {
      return Error(ErrorCode::kInvalidArgument,
                   "recording recipient \"" + text + "\": " + r.error().message(),
                   "recording recipients are age X25519 public keys (age1…)");
    }
    out.push_back(age::MakeX25519Recipient(*r));
  }
  if (out.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no recording recipient",
                 "name who may open recordings (age1… public keys)");
  }
  return out;
}

SealedRecording::SealedRecording(Token, std::string path, UniqueFd fd)
    : path_(std::move(path)), fd_(std::move(fd)), file_(std::make_unique<ChainSink>(fd_.get())) {}

SealedRecording::~SealedRecording() = default;

Result<std::unique_ptr<SealedRecording>> SealedRecording::Create(
    const std::string& path, const std::vector<std::string>& recipients,
    const AsciicastHeader& header) {
  CORDON_ASSIGN_OR_RETURN(auto parsed, ParseRecipients(recipients));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return ErrnoError("recording: cannot create " + path)
        .WithHint("a recording is never overwritten: every session gets a new file");
  }
  auto rec = std::make_unique<SealedRecording>(Token{}, path, UniqueFd(fd));
  // Until the header is durable the file is not a recording: remove it on
  // any failure, so that no empty husk is mistaken for a session.
  auto made = [&]() -> Status {
    // The header is written by us in front of the chunks (kDeferred), so the
    // chain's unit 0 is exactly the header and the payload nonce.
    CORDON_ASSIGN_OR_RETURN(rec->encryptor_,
                            age::Encryptor::Create(parsed, *rec->file_, age::Armor::kNo,
                                                   age::HeaderPlacement::kDeferred));
    CORDON_TRY(rec->file_->Start(AsBytes(rec->encryptor_->deferred_header())));
    rec->header_sha256_ = rec->file_->chain().anchor().header_sha256;
    CORDON_ASSIGN_OR_RETURN(rec->writer_, AsciicastWriter::Create(header, *rec->encryptor_));
    if (::fsync(rec->fd_.get()) != 0) return ErrnoError("recording: fsync " + path);
    std::string dir = std::filesystem::path(path).parent_path().string();
    return SyncDirectory(dir.empty() ? "." : dir);
  }();
  if (!made.ok()) {
    ::unlink(path.c_str());
    return made.error();
  }
  return rec;
}

Status SealedRecording::Broken() const {
  if (failed_) return failed_->WithContext("recording " + path_ + " failed earlier");
  if (final_) return Error(ErrorCode::kInternal, "recording " + path_ + " is already finished");
  return Ok();
}

Status SealedRecording::Event(std::chrono::microseconds time, EventType type, ByteView data) {
  CORDON_TRY(Broken());
  Status s = writer_->Event(time, type, data);
  if (!s.ok()) failed_ = s.error();
  return s;
}

Result<Anchor> SealedRecording::TakeAnchor() {
  if (final_) return *final_;
  CORDON_TRY(Broken());
  if (::fdatasync(fd_.get()) != 0) {
    failed_ = ErrnoError("recording: fdatasync " + path_);
    return *failed_;
  }
  return file_->chain().anchor();
}

Result<Anchor> SealedRecording::Finish() {
  if (final_) return *final_;
  CORDON_TRY(Broken());
  auto sealed = [&]() -> Status {
    CORDON_TRY(writer_->Close());
    CORDON_TRY(encryptor_->Close());
    file_->chain().Close();
    if (::fsync(fd_.get()) != 0) return ErrnoError("recording: fsync " + path_);
    return Ok();
  }();
  if (!sealed.ok()) {
    failed_ = sealed.error();
    return sealed.error();
  }
  final_ = file_->chain().anchor();
  return *final_;
}

}  // namespace cordon::recording
