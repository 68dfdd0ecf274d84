// A real package pinned in tests/vectors/cordon/package/ (made once by
// `cordon extract` with the vectors' signing key): today's manifest reader
// must still accept it, read the same facts, and check its signature, so a
// package sealed by an earlier cordon still opens. tests/check_vectors.py
// checks the same package independently (and age -d -i recipient.key opens it).
#include <gtest/gtest.h>

#include "core/file.h"
#include "pipeline/manifest.h"
#include "sign/minisign.h"
#include "testing/golden.h"

namespace cordon::pipeline {
namespace {

TEST(ManifestVectors, APackageOfVersionOneStillReadsAndVerifies) {
  auto text = ReadFileLimited(test_support::VectorPath("package/manifest.json"), 1 << 16);
  ASSERT_TRUE(text.ok());
  auto m = ParseManifest(*text);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->order_id, "VECTORS-2026-11");
  EXPECT_EQ(m->order_sha256, "be35720c90278bf64aa1c277da8480ba7195717106be11ef710d8c5f08458381");
  EXPECT_EQ(m->delete_by_text, "2026-12-30");
  ASSERT_EQ(m->recipients.size(), 1u);
  EXPECT_EQ(m->recipients[0], "age19up2rvg876nevh90e28ygldrd6vlxvlt887enqzhude0ksp8afxqc5h6fz");
  ASSERT_EQ(m->tables.size(), 1u);
  EXPECT_EQ(m->tables[0].file, "patients.csv.age");
  EXPECT_EQ(m->tables[0].ciphertext_size, 220u);
  EXPECT_EQ(m->tables[0].ciphertext_sha256,
            "d1fcc267a9ca901cdfcb82e54527da10a8aeb253f89a059c02db6e9518c8439e");

  auto pub_text = ReadFileLimited(test_support::VectorPath("signing.key.pub"), 4096);
  ASSERT_TRUE(pub_text.ok());
  auto pub = sign::PublicKey::Parse(AsChars(*pub_text));
  ASSERT_TRUE(pub.ok());
  auto sig_text = ReadFileLimited(test_support::VectorPath("package/manifest.json.minisig"), 4096);
  ASSERT_TRUE(sig_text.ok());
  auto sig = sign::Signature::Parse(AsChars(*sig_text));
  ASSERT_TRUE(sig.ok());
  MemorySource manifest(*text);
  EXPECT_TRUE(sign::Verify(*pub, *sig, manifest).ok());
  Bytes altered = *text;
  altered[altered.size() / 2] ^= 1;
  MemorySource forged(altered);
  EXPECT_FALSE(sign::Verify(*pub, *sig, forged).ok());
}

}  // namespace
}  // namespace cordon::pipeline
