#include "age/age.h"

#include "core/encoding.h"
#include "crypto/kdf.h"
#include "crypto/random.h"

namespace cordon::age {
namespace {

constexpr size_t kPayloadNonceSize = 16;

SecretBuffer HeaderMacKey(const SecretBuffer& file_key) {
  return crypto::HkdfSha256(file_key, {}, "header", 32);
}

SecretBuffer PayloadKey(const SecretBuffer& file_key, ByteView nonce) {
  return crypto::HkdfSha256(file_key, nonce, "payload", 32);
}

}  // namespace

Result<std::unique_ptr<Encryptor>> Encryptor::Create(
    const std::vector<std::unique_ptr<Recipient>>& recipients, ByteSink& out, Armor armor,
    HeaderPlacement placement) {
  if (placement == HeaderPlacement::kDeferred && armor == Armor::kYes) {
    return Error(ErrorCode::kInvalidArgument, "a deferred header needs binary output");
  }
  if (recipients.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no recipient given",
                 "name who may open the file with -r age1… or -R FILE");
  }
  for (const auto& r : recipients) {
    if (r->RequiresOnlyStanza() && recipients.size() > 1) {
      return Error(ErrorCode::kInvalidArgument,
                   "a passphrase cannot be combined with other recipients");
    }
  }
  SecretBuffer file_key = crypto::RandomSecret(kFileKeySize);
  std::vector<Stanza> stanzas;
  for (const auto& r : recipients) {
    CORDON_ASSIGN_OR_RETURN(Stanza s, r->Wrap(file_key));
    stanzas.push_back(std::move(s));
  }
  std::string header = EncodeHeaderWithoutMac(stanzas);
  SecretBuffer mac_key = HeaderMacKey(file_key);
  crypto::Mac256 mac = crypto::HmacSha256(mac_key, AsBytes(header));
  header += ' ';
  header += Base64Encode(mac, Base64Padding::kUnpadded);
  header += '\n';

  auto enc = std::make_unique<Encryptor>(Token{});
  ByteSink* sink = &out;
  if (armor == Armor::kYes) {
    enc->armor_ = std::make_unique<ArmorWriter>(out);
    sink = enc->armor_.get();
  }
  Bytes nonce(kPayloadNonceSize);
  crypto::RandomBytes(nonce);
  if (placement == HeaderPlacement::kDeferred) {
    // The payload nonce travels with the header: the sink gets chunks only.
    enc->deferred_header_ = std::move(header);
    enc->deferred_header_.append(AsChars(nonce));
  } else {
    CORDON_TRY(sink->Write(AsBytes(header)));
    CORDON_TRY(sink->Write(nonce));
  }
  enc->stream_ = std::make_unique<StreamWriter>(PayloadKey(file_key, nonce), *sink);
  return enc;
}

Status Encryptor::Write(ByteView data) { return stream_->Write(data); }

Status Encryptor::Close() {
  CORDON_TRY(stream_->Close());
  if (armor_) CORDON_TRY(armor_->Close());
  return Ok();
}

Result<std::unique_ptr<Decryptor>> Decryptor::Open(
    ByteSource& in, const std::vector<std::unique_ptr<Identity>>& identities,
    ArmorDetection armor) {
  auto dec = std::make_unique<Decryptor>(Token{}, in);
  bool armored = armor == ArmorDetection::kArmored;
  if (armor == ArmorDetection::kAuto) {
    CORDON_ASSIGN_OR_RETURN(std::string_view prefix, dec->raw_.Peek(1024));
    armored = LooksArmored(prefix);
  }
  ByteSource* source = &dec->raw_;
  if (armored) {
    dec->armor_ = std::make_unique<ArmorReader>(dec->raw_);
    source = dec->armor_.get();
  }
  dec->text_ = std::make_unique<BufferedSource>(*source);
  auto parsed = ReadHeader(*dec->text_);
  if (!parsed.ok()) {
    // Report the armor's own error when broken armor is why the header failed.
    if (dec->armor_ && dec->armor_->failure()) return *dec->armor_->failure();
    return parsed.error();
  }
  Header header = std::move(parsed).value();

  for (const Stanza& s : header.stanzas) {
    if (s.type == "scrypt" && header.stanzas.size() != 1) {
      return Error(ErrorCode::kMalformed, "header: a scrypt stanza must be the only stanza");
    }
  }
  std::optional<SecretBuffer> file_key;
  for (const auto& identity : identities) {
    CORDON_ASSIGN_OR_RETURN(file_key, identity->Unwrap(header.stanzas));
    if (file_key) break;
  }
  if (!file_key) {
    return Error(ErrorCode::kNoMatch, "no identity matches this file",
                 "the file was encrypted to other recipients; ask its sender which key to use");
  }
  SecretBuffer mac_key = HeaderMacKey(*file_key);
  crypto::Mac256 mac = crypto::HmacSha256(mac_key, AsBytes(header.mac_input));
  if (!ConstantTimeEquals(mac, header.mac)) {
    return Error(ErrorCode::kAuthFailed, "header: MAC does not verify",
                 "the header was altered after encryption");
  }
  Bytes nonce(kPayloadNonceSize);
  CORDON_ASSIGN_OR_RETURN(size_t got, ReadFull(*dec->text_, nonce));
  if (got != nonce.size())
    return Error(ErrorCode::kTruncated, "header: missing or short payload nonce");
  dec->stream_ = std::make_unique<StreamReader>(PayloadKey(*file_key, nonce), *dec->text_);
  return dec;
}

Result<size_t> Decryptor::Read(std::span<uint8_t> out) { return stream_->Read(out); }

Result<Header> CheckAgeFraming(BufferedSource& in, uint64_t size) {
  CORDON_ASSIGN_OR_RETURN(Header header, ReadHeader(in));
  // The MAC line is "--- " + 43 base64 characters + "\n"; mac_input ends at "---".
  const uint64_t header_size = header.mac_input.size() + 1 + 43 + 1;
  constexpr uint64_t kNonce = 16, kTag = crypto::ChaCha20Poly1305::kTagSize;
  if (size < header_size + kNonce + kTag) {
    return Error(ErrorCode::kTruncated, "payload: shorter than a nonce and one chunk");
  }
  const uint64_t chunks = size - header_size - kNonce;
  uint64_t full = chunks / kEncryptedChunkSize, last = chunks % kEncryptedChunkSize;
  if (last == 0) last = kEncryptedChunkSize, --full;
  if (last < kTag) return Error(ErrorCode::kTruncated, "payload: the last chunk is cut short");
  if (last == kTag && full > 0) {
    return Error(ErrorCode::kMalformed, "payload: an empty last chunk after full ones");
  }
  return header;
}

}  // namespace cordon::age
