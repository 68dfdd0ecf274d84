#include "ssh/krl.h"

#include <algorithm>

#include "ssh/public_key.h"
#include "ssh/wire.h"

namespace cordon::ssh {
namespace {

constexpr std::string_view kKrlMagic{"SSHKRL\n\0", 8};
constexpr uint32_t kKrlFormatVersion = 1;
constexpr uint8_t kSectionCertificates = 1;
constexpr uint8_t kSectionCertSerialList = 0x20;
constexpr uint8_t kSectionCertKeyId = 0x23;

}  // namespace

std::string WriteKrl(const KrlSpec& spec) {
  std::vector<uint64_t> serials;
  for (uint64_t s : spec.serials) {
    if (s != 0) serials.push_back(s);
  }
  std::sort(serials.begin(), serials.end());
  serials.erase(std::unique(serials.begin(), serials.end()), serials.end());
  std::vector<std::string> key_ids;
  for (const std::string& id : spec.key_ids) {
    if (!id.empty() && id.find('\0') == std::string::npos) key_ids.push_back(id);
  }
  std::sort(key_ids.begin(), key_ids.end());  // byte order, as OpenSSH's strcmp
  key_ids.erase(std::unique(key_ids.begin(), key_ids.end()), key_ids.end());

  WireWriter krl;
  krl.Raw(kKrlMagic);
  krl.U32(kKrlFormatVersion);
  krl.U64(spec.version);
  krl.U64(spec.generated_at);
  krl.U64(0);                      // flags: none defined
  krl.String(std::string_view());  // reserved
  krl.String(spec.comment);
  if (serials.empty() && key_ids.empty()) return krl.Take();

  std::vector<crypto::Ed25519PublicKey> cas = {spec.ca_key};
  for (const auto& k : spec.more_ca_keys) {
    if (std::find(cas.begin(), cas.end(), k) == cas.end()) cas.push_back(k);
  }
  for (const auto& ca : cas) {  // one certificates section per CA (PROTOCOL.krl)
    WireWriter certs;
    certs.String(KeyBlob(ca));
    certs.String(std::string_view());  // reserved
    if (!serials.empty()) {
      WireWriter list;
      for (uint64_t s : serials) list.U64(s);
      certs.U8(kSectionCertSerialList);
      certs.String(list.bytes());
    }
    if (!key_ids.empty()) {
      WireWriter list;
      for (const std::string& id : key_ids) list.String(id);
      certs.U8(kSectionCertKeyId);
      certs.String(list.bytes());
    }
    krl.U8(kSectionCertificates);
    krl.String(certs.bytes());
  }
  return krl.Take();
}

}  // namespace cordon::ssh
