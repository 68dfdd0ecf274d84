// The provenance of many large packages, made directly (bench/trace.sh):
// extracting 100 packages of a million rows would take an hour and measure
// extract, not trace. Writes PACKAGES provenance files of ROWS row digests
// and 2·ROWS value digests each (a NIR and a file number per row), the
// extract events that commit them in the ledger, and a leak of LEAK rows
// (invented patients: file number, NIR, name, first name, birth date) whose
// rows package number PACKAGES/2 holds, digested for real under the trace
// key. The other digests are random: an HMAC's output is indistinguishable
// from them, and they cost nothing to make.
// usage: trace_provenance TRACE_KEY LEDGER_DIR OUT_DIR LEAK_CSV PACKAGES ROWS LEAK
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "core/file.h"
#include "crypto/hash.h"
#include "ledger/ledger.h"
#include "pipeline/provenance.h"

namespace {

using namespace cordon;

std::string Nir(std::mt19937_64& rnd) {
  char body[16];
  std::snprintf(body, sizeof body, "%d%02d%02d%02d%03d%03d", static_cast<int>(1 + rnd() % 2),
                static_cast<int>(30 + rnd() % 70), static_cast<int>(1 + rnd() % 12),
                static_cast<int>(1 + rnd() % 95), static_cast<int>(1 + rnd() % 990),
                static_cast<int>(1 + rnd() % 999));
  const uint64_t n = std::stoull(body);
  char key[4];
  std::snprintf(key, sizeof key, "%02d", static_cast<int>(97 - n % 97));
  return std::string(body) + key;
}

std::vector<uint64_t> Sorted(std::vector<uint64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

int Run(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr,
                 "usage: trace_provenance TRACE_KEY LEDGER_DIR OUT_DIR LEAK_CSV PACKAGES ROWS "
                 "LEAK\n");
    return 2;
  }
  auto key_text = ReadFileLimited(argv[1], 1 << 16);
  if (!key_text.ok()) return std::fprintf(stderr, "%s\n", key_text.error().message().c_str()), 1;
  auto key = pipeline::TraceKey::Parse(*key_text);
  if (!key.ok()) return std::fprintf(stderr, "%s\n", key.error().message().c_str()), 1;
  auto ledger = ledger::Ledger::Open(argv[2], ledger::Ledger::Access::kAppend);
  if (!ledger.ok()) return std::fprintf(stderr, "%s\n", ledger.error().message().c_str()), 1;
  const std::string out = argv[3];
  const size_t packages = std::stoul(argv[5]), rows = std::stoul(argv[6]),
               leak_rows = std::stoul(argv[7]);
  std::mt19937_64 rnd(20261201);

  // The leak, and its digests as extract would have made them.
  const char* names[] = {"MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "DURAND", "LEROY"};
  const char* firsts[] = {"Jean", "Marie", "Pierre", "Anne", "Nicolas", "Sophie", "Paul"};
  std::string csv = "NUM_DOSSIER,NIR,NOM,PRENOM,DATE_NAISSANCE\n";
  std::vector<uint64_t> leak_row_digests, leak_value_digests;
  for (size_t i = 0; i < leak_rows; ++i) {
    std::vector<std::string> cells = {
        std::to_string(10000000 + rnd() % 89999999), Nir(rnd), names[rnd() % 7], firsts[rnd() % 7],
        std::to_string(1 + rnd() % 28) + "/0" + std::to_string(1 + rnd() % 9) + "/19" +
            std::to_string(30 + rnd() % 70)};
    std::vector<std::string_view> views(cells.begin(), cells.end());
    leak_row_digests.push_back(key->RowDigest("patients", views));
    for (int c : {0, 1, 2, 3})
      leak_value_digests.push_back(*key->ValueDigest("patients", cells[c]));
    for (size_t c = 0; c < cells.size(); ++c) csv += cells[c] + (c + 1 < cells.size() ? "," : "\n");
  }
  if (auto st = WriteFileAtomic(argv[4], AsBytes(csv), 0600); !st.ok()) {
    return std::fprintf(stderr, "%s\n", st.error().message().c_str()), 1;
  }

  std::vector<nlohmann::json> events;
  for (size_t p = 0; p < packages; ++p) {
    std::vector<uint64_t> row_digests(rows), value_digests(2 * rows);
    for (auto& d : row_digests) d = rnd();
    for (auto& d : value_digests) d = rnd();
    if (p == packages / 2) {
      std::copy(leak_row_digests.begin(), leak_row_digests.end(), row_digests.begin());
      std::copy(leak_value_digests.begin(), leak_value_digests.end(), value_digests.begin());
    }
    char manifest[65];
    std::snprintf(manifest, sizeof manifest, "%064zx", p + 1);
    pipeline::Provenance prov{
        .package_sha256 = manifest,
        .order_id = "BENCH-" + std::to_string(p),
        .key_id = key->id(),
        .created = "2026-12-01T00:00:00Z",
        .delete_by = "2028-12-01",
        .tables = {{"patients", Sorted(std::move(row_digests)), Sorted(std::move(value_digests))}}};
    Bytes bytes = prov.Serialize();
    const std::string path = out + "/p" + std::to_string(p) + ".provenance";
    if (auto st = WriteFileAtomic(path, bytes, 0600); !st.ok()) {
      return std::fprintf(stderr, "%s\n", st.error().message().c_str()), 1;
    }
    events.push_back(
        {{"action", "extract"},
         {"outcome", "ok"},
         {"order", {{"id", prov.order_id}, {"controller", "Bench"}, {"processor", "Bench"}}},
         {"recipients", {"age1bench" + std::to_string(p)}},
         {"key_ids", {{"trace", key->id()}}},
         {"tables", {{{"name", "patients"}, {"rows_written", rows}}}},
         {"package",
          {{"manifest_sha256", manifest},
           {"provenance_sha256", HexEncode(crypto::Sha256::Hash(bytes))},
           {"provenance_delete_by", prov.delete_by}}}});
  }
  auto appended = ledger->Append(std::move(events));
  if (!appended.ok()) return std::fprintf(stderr, "%s\n", appended.error().message().c_str()), 1;
  std::printf("%zu provenance files of %zu rows in %s; the leak is package BENCH-%zu's\n", packages,
              rows, out.c_str(), packages / 2);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
