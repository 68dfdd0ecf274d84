// The matcher design choice, measured: cordon's single-pass candidate finder
// with its validators against a Vectorscan (Hyperscan) database of the same
// candidate patterns, one core each, on the same text held in memory.
// Vectorscan runs without start-of-match (it then only knows where a
// candidate ends, and validation would need a second pass) and with
// HS_FLAG_SOM_LEFTMOST (what validation needs). Prints one JSON object.
// usage: matcher_vs_vectorscan FILE... (text files, read whole)
#include <hs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "detect/matcher.h"

namespace {

// The candidate patterns (as bench/scan_vs_ripgrep.sh gives ripgrep).
const char* kPatterns[] = {
    R"(\b[1278] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b)",
    R"(\b\d{6}-?\d{4}\b)",
    R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b)",
    R"(\b(?:\d{4}[ -]?){3}\d{1,4}\b)",
    R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24})",
    R"((?:\b0\d(?:[ .-]?\d{2}){4}\b|\+\d{2}(?:[ .-]?\d){8,12}))",
};

double Seconds(const std::chrono::steady_clock::time_point& t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <typename F>
double Median(int runs, F&& f) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    times.push_back(Seconds(t0));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

struct Vectorscan {
  hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;
  explicit Vectorscan(unsigned extra_flags) {
    std::vector<unsigned> flags, ids;
    for (size_t i = 0; i < std::size(kPatterns); ++i) {
      flags.push_back(HS_FLAG_UTF8 | extra_flags);
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(kPatterns, flags.data(), ids.data(), std::size(kPatterns), HS_MODE_BLOCK,
                         nullptr, &db, &err) != HS_SUCCESS) {
      std::fprintf(stderr, "hs_compile_multi: %s\n", err->message);
      std::exit(1);
    }
    hs_alloc_scratch(db, &scratch);
  }
  ~Vectorscan() {
    hs_free_scratch(scratch);
    hs_free_database(db);
  }
  uint64_t Count(const std::string& text) const {
    uint64_t n = 0;
    auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned,
                       void* ctx) -> int {
      ++*static_cast<uint64_t*>(ctx);
      return 0;
    };
    // Block mode is limited to 4 GiB per call; feed 64 MiB blocks cut at newlines.
    size_t at = 0;
    while (at < text.size()) {
      size_t end = std::min(text.size(), at + (size_t{64} << 20));
      if (end < text.size()) end = text.rfind('\n', end) + 1;
      hs_scan(db, text.data() + at, static_cast<unsigned>(end - at), 0, scratch, on_match, &n);
      at = end;
    }
    return n;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string text;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    text += '\n';
  }
  const int runs = 3;
  uint64_t cordon_found = 0, hs_plain = 0, hs_som = 0;
  double cordon_s = Median(runs, [&] {
    cordon_found = 0;
    cordon::detect::FindIdentifiers(text, cordon::detect::kAllKinds,
                                    [&](const cordon::detect::Match&) { ++cordon_found; });
  });
  Vectorscan plain(0), som(HS_FLAG_SOM_LEFTMOST);
  double plain_s = Median(runs, [&] { hs_plain = plain.Count(text); });
  double som_s = Median(runs, [&] { hs_som = som.Count(text); });
  double mb = static_cast<double>(text.size()) / 1e6;
  std::printf(
      "{\"bytes\": %zu, \"cordon_s\": %.4f, \"cordon_mb_s\": %.0f, \"cordon_validated\": %llu, "
      "\"vectorscan_s\": %.4f, \"vectorscan_mb_s\": %.0f, \"vectorscan_matches\": %llu, "
      "\"vectorscan_som_s\": %.4f, \"vectorscan_som_mb_s\": %.0f, \"vectorscan_som_matches\": "
      "%llu}\n",
      text.size(), cordon_s, mb / cordon_s, static_cast<unsigned long long>(cordon_found), plain_s,
      mb / plain_s, static_cast<unsigned long long>(hs_plain), som_s, mb / som_s,
      static_cast<unsigned long long>(hs_som));
}
