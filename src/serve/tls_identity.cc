#include "serve/tls_identity.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include "core/encoding.h"
#include "core/file.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace cordon::serve {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

Error Ssl(const std::string& what) { return Error(ErrorCode::kInternal, "TLS: " + what); }

std::string BioText(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<size_t>(n));
}

Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return Ssl("extension " + value);
  return Ok();
}

Result<X509Ptr> ReadPemCertificate(const std::string& cert_file) {
  CORDON_ASSIGN_OR_RETURN(Bytes pem, ReadFileLimited(cert_file, 1 << 20));
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return Error(ErrorCode::kMalformed, cert_file + ": not a PEM certificate");
  return cert;
}

template <class T>
std::string Sha256OfDer(int (*encode)(const T*, unsigned char**), const T* object) {
  unsigned char* der = nullptr;
  const int n = encode(object, &der);
  if (n <= 0) return {};
  std::string fp = CertificateFingerprint(der, static_cast<size_t>(n));
  OPENSSL_free(der);
  return fp;
}

// A self-signed certificate for `key`, valid from an hour before `now`
// (clocks drift) for kTlsValidityDays.
Result<X509Ptr> SelfSigned(EVP_PKEY* key, const std::string& host_name, int64_t now) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  Bytes serial(16);
  crypto::RandomBytes(serial);
  serial[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> bn(
      BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  time_t t = static_cast<time_t>(now);
  if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -3600, &t) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), kTlsValidityDays, 0, &t)) {
    return Ssl("certificate dates");
  }
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn = "cordon exchange " + host_name;
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  if (!host_name.empty() && host_name != "localhost") san += ",DNS:" + host_name;
  CORDON_TRY(AddExtension(cert.get(), NID_subject_alt_name, san));
  CORDON_TRY(AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  CORDON_TRY(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) return Ssl("signing the certificate");
  return cert;
}

Status WriteCertificate(const std::string& cert_file, X509* cert, Overwrite overwrite) {
  BioPtr cb(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(cb.get(), cert) != 1) return Ssl("writing PEM");
  return WriteFileAtomic(cert_file, AsBytes(BioText(cb.get())), 0644, overwrite);
}

Status Generate(const std::string& cert_file, const std::string& key_file,
                const std::string& host_name, int64_t now) {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Ssl("generating a P-256 key");
  CORDON_ASSIGN_OR_RETURN(X509Ptr cert, SelfSigned(key.get(), host_name, now));
  BioPtr kb(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Ssl("writing PEM");
  }
  SecretBuffer key_pem = SecretBuffer::CopyOf(AsBytes(BioText(kb.get())));
  CORDON_TRY(WriteSecretFile(key_file, key_pem));
  return WriteCertificate(cert_file, cert.get(), Overwrite::kRefuse);
}

// The same key, a new certificate: clients pin the key, so they notice
// nothing. The certificate is replaced atomically.
Status Renew(const std::string& cert_file, const std::string& key_file,
             const std::string& host_name, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Bytes raw, ReadFileLimited(key_file, 1 << 20));
  SecretBuffer pem = SecretBuffer::CopyOf(raw);
  WipeBytes(raw);
  const ByteView text = pem.RevealBytes();
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Error(ErrorCode::kMalformed, key_file + ": not a PEM private key");
  CORDON_ASSIGN_OR_RETURN(X509Ptr cert, SelfSigned(key.get(), host_name, now));
  return WriteCertificate(cert_file, cert.get(), Overwrite::kReplace);
}

}  // namespace

std::string CertificateFingerprint(const unsigned char* der, size_t size) {
  auto h = crypto::Sha256::Hash(ByteView(der, size));
  return HexEncode(h);
}

Result<CertificateInfo> ReadCertificateInfo(const std::string& cert_file) {
  CORDON_ASSIGN_OR_RETURN(X509Ptr cert, ReadPemCertificate(cert_file));
  CertificateInfo info;
  info.key_fingerprint = Sha256OfDer(i2d_X509_PUBKEY, X509_get_X509_PUBKEY(cert.get()));
  info.certificate_fingerprint = Sha256OfDer(i2d_X509, cert.get());
  std::tm tm{};
  if (info.key_fingerprint.empty() || info.certificate_fingerprint.empty() ||
      ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) {
    return Ssl("reading " + cert_file);
  }
  info.not_after = static_cast<int64_t>(timegm(&tm));
  return info;
}

Result<TlsIdentity> LoadTlsIdentity(const std::string& cert_file, const std::string& key_file) {
  TlsIdentity id{cert_file, key_file, {}, false, false};
  CORDON_ASSIGN_OR_RETURN(CertificateInfo info, ReadCertificateInfo(cert_file));
  id.fingerprint = info.key_fingerprint;
  return id;
}

Result<TlsIdentity> LoadOrCreateTlsIdentity(const std::string& data_dir,
                                            const std::string& host_name, int64_t now) {
  const std::string dir = data_dir + "/tls";
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error(ErrorCode::kIo, dir + ": " + std::strerror(errno));
  }
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  struct stat st;
  bool generated = false, renewed = false;
  if (stat(cert.c_str(), &st) != 0 || stat(key.c_str(), &st) != 0) {
    // Half a pair (a crash between the two writes) is replaced whole.
    (void)std::remove(cert.c_str());
    (void)std::remove(key.c_str());
    CORDON_TRY(Generate(cert, key, host_name, now));
    generated = true;
  } else {
    CORDON_ASSIGN_OR_RETURN(CertificateInfo info, ReadCertificateInfo(cert));
    if (info.not_after - now < int64_t{kTlsRenewBeforeDays} * 86400) {
      CORDON_TRY(Renew(cert, key, host_name, now));
      renewed = true;
    }
  }
  CORDON_ASSIGN_OR_RETURN(TlsIdentity id, LoadTlsIdentity(cert, key));
  id.generated = generated;
  id.renewed = renewed;
  return id;
}

}  // namespace cordon::serve
