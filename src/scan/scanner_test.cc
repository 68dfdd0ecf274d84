#include "scan/scanner.h"

#include <gtest/gtest.h>

namespace cordon::scan {
namespace {

TEST(ScanBuffer, ReportsLineAndColumnMasked) {
  std::string text = "first line\nNIR: 1 84 12 76 451 089 46\n\nmail jean.dupont@orange.fr\n";
  FileResult r = ScanBuffer("f.txt", text, {});
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].line, 2u);
  EXPECT_EQ(r.findings[0].column, 6u);
  EXPECT_EQ(r.findings[0].masked, "1 84 12 ** *** *** **");
  EXPECT_EQ(r.findings[1].line, 4u);
  EXPECT_EQ(r.findings[1].column, 6u);
  EXPECT_EQ(r.counts[static_cast<size_t>(detect::Kind::kNir)], 1u);
  for (const auto& f : r.findings) EXPECT_EQ(f.masked.find("451 089 46"), std::string::npos);
}

TEST(ScanBuffer, ScansBinaryForChecksummedKindsAndRespectsKindsAndLimits) {
  std::string bin("\0\x01 184127645108946 a.b@orange.fr", 33);
  FileResult b = ScanBuffer("b", bin, {});
  EXPECT_TRUE(b.binary);
  ASSERT_EQ(b.findings.size(), 1u) << "the NIR, not the e-mail";
  EXPECT_EQ(b.findings[0].kind, detect::Kind::kNir);
  EXPECT_TRUE(b.findings[0].binary);
  ScanOptions only_email_in_binary;
  only_email_in_binary.kinds = detect::KindBit(detect::Kind::kEmail);
  EXPECT_EQ(ScanBuffer("b", bin, only_email_in_binary).total(), 0u);
  ScanOptions only_email;
  only_email.kinds = detect::KindBit(detect::Kind::kEmail);
  EXPECT_EQ(ScanBuffer("t", "184127645108946 a.b@orange.fr", only_email).findings.size(), 1u);
  ScanOptions capped;
  capped.max_findings_per_file = 2;
  std::string many;
  for (int i = 0; i < 10; ++i) many += "x@orange.fr\n";
  FileResult r = ScanBuffer("m", many, capped);
  EXPECT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.total(), 10u) << "counts go on past the stored findings";
}

}  // namespace
}  // namespace cordon::scan
