// Values per second of each column transform, one core, on realistic
// values (valid NIRs and CPRs, names, dates, free text with identifiers).
// Prints one JSON object: {"<fate>": values_per_second, …}.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "detect/validators.h"
#include "pseudo/transforms.h"

namespace {

std::string Pad(unsigned v, int width) {
  std::string s = std::to_string(v);
  return std::string(static_cast<size_t>(width) - s.size(), '0') + s;
}

}  // namespace

int main() {
  using cordon::order::ColumnType;
  using cordon::order::ValueType;
  auto key = cordon::pseudo::PseudonymKey::Generate();
  const size_t n = 200000;
  std::vector<std::string> nirs, cprs, names, dates, phones, texts;
  uint64_t x = 88172645463325252ull;
  auto next = [&] { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; };
  while (nirs.size() < n) {
    std::string body = std::to_string(1 + next() % 2) + Pad(next() % 100, 2) +
                       Pad(1 + next() % 12, 2) + Pad(1 + next() % 95, 2) +
                       Pad(1 + next() % 990, 3) + Pad(1 + next() % 999, 3);
    int k = cordon::detect::NirKey(body);
    std::string nir = body + Pad(static_cast<unsigned>(k), 2);
    if (cordon::detect::ValidateNir(nir) != cordon::detect::Confidence::kNone) nirs.push_back(nir);
  }
  while (cprs.size() < n) {
    std::string c = Pad(1 + next() % 28, 2) + Pad(1 + next() % 12, 2) + Pad(next() % 100, 2) + "-" +
                    Pad(next() % 10000, 4);
    if (cordon::detect::ValidateCpr(c) != cordon::detect::Confidence::kNone) cprs.push_back(c);
  }
  for (size_t i = 0; i < n; ++i) {
    names.push_back("NOM" + std::to_string(next() % 50000));
    dates.push_back(Pad(1 + next() % 28, 2) + "/" + Pad(1 + next() % 12, 2) + "/" +
                    std::to_string(1930 + next() % 90));
    phones.push_back("0" + std::to_string(1 + next() % 7) + " " + Pad(next() % 100, 2) + " " +
                     Pad(next() % 100, 2) + " " + Pad(next() % 100, 2) + " " +
                     Pad(next() % 100, 2));
    texts.push_back("Patient rappelé au " + phones.back() + ", NIR " + nirs[i] +
                    ", suivi diabète; RAS.");
  }
  struct Case {
    const char* fate;
    const std::vector<std::string>* values;
    ColumnType type;
  };
  ColumnType fr{ValueType::kDate, "%d/%m/%Y"};
  std::vector<Case> cases = {{"pseudonym", &names, {}},
                             {"pseudonym:nir", &nirs, {}},
                             {"pseudonym:nir:keep=none", &nirs, {}},
                             {"pseudonym:cpr", &cprs, {}},
                             {"fpe:digits", &phones, {}},
                             {"shift-date:30", &dates, fr},
                             {"generalize:year", &dates, fr},
                             {"mask:0:2", &phones, {}},
                             {"synthetic:last_name", &names, {}},
                             {"synthetic:first_name", &names, {}},
                             {"redact", &texts, {}}};
  std::printf("{");
  for (size_t c = 0; c < cases.size(); ++c) {
    auto fate = cordon::order::ParseFate(cases[c].fate);
    auto t = cordon::pseudo::MakeTransform(*fate, {&key, "bench", cases[c].type, 20000});
    cordon::pseudo::RowContext row;
    std::string out;
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; ++i) {
      row.subject = names[i];
      if (!(*t)->Apply((*cases[c].values)[i], row, out).ok()) return 1;
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s\"%s\": %.0f", c ? ", " : "", cases[c].fate, static_cast<double>(n) / s);
  }
  std::printf("}\n");
}
