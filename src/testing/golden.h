// Known-answer vectors for cordon's own formats (tests/vectors/cordon/):
// a test computes today's output and compares it with the committed file,
// so a refactor that would change a pseudonym, an entry or a certificate
// fails. Regenerating is deliberate: CORDON_UPDATE_VECTORS=1 writes the
// files instead of comparing (then review the diff: every changed line is a
// changed output for someone).
// Test-only, header-only: included by *_test.cc files and nothing else.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace cordon::test_support {

inline std::string VectorPath(std::string_view name) {
  return std::string(CORDON_VECTORS_DIR) + "/cordon/" + std::string(name);
}

inline bool UpdatingVectors() {
  const char* v = std::getenv("CORDON_UPDATE_VECTORS");
  return v != nullptr && std::string_view(v) == "1";
}

inline std::string ReadVector(std::string_view name) {
  std::ifstream in(VectorPath(name), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compares `actual` with the vector file `name`, line by line so that a
// failure names the first line that moved.
inline void ExpectMatchesVector(std::string_view name, const std::string& actual) {
  if (UpdatingVectors()) {
    std::ofstream(VectorPath(name), std::ios::binary) << actual;
    return;
  }
  const std::string expected = ReadVector(name);
  ASSERT_FALSE(expected.empty()) << VectorPath(name) << " is missing or empty";
  std::istringstream want(expected), got(actual);
  std::string w, g;
  for (int line = 1; std::getline(want, w); ++line) {
    ASSERT_TRUE(std::getline(got, g)) << name << ": output ends before line " << line;
    ASSERT_EQ(g, w) << name << ": line " << line << " changed";
  }
  EXPECT_FALSE(std::getline(got, g)) << name << ": output has more lines than the vectors";
  EXPECT_EQ(actual, expected) << name << ": bytes differ (line endings?)";
}

}  // namespace cordon::test_support
