// The exchange's package check on whole files, as a commit runs it: every
// byte read once, hashed (SHA-256) and judged (exchange/ciphertext_check.h).
// usage: package_check FILE...   prints one JSON line per file:
//   {"file", "bytes", "seconds", "ok", "error"}
#include "exchange/package_check.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/file.h"
#include "crypto/hash.h"

int main(int argc, char** argv) {
  using namespace cordon;
  int refused = 0;
  for (int i = 1; i < argc; ++i) {
    auto src = FileSource::Open(argv[i]);
    if (!src.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[i], src.error().message().c_str());
      return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    crypto::HashingSource hashed(**src);
    bool plaintext = false;
    Status st = exchange::CheckPackageFile(hashed, (*src)->size(), &plaintext);
    auto digest = hashed.Finish();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    refused += st.ok() ? 0 : 1;
    nlohmann::json line = {{"file", argv[i]},
                           {"bytes", (*src)->size()},
                           {"seconds", seconds},
                           {"ok", st.ok() && digest.ok()},
                           {"error", st.ok() ? "" : st.error().message()}};
    std::printf("%s\n", line.dump().c_str());
  }
  return refused == 0 ? 0 : 1;
}
