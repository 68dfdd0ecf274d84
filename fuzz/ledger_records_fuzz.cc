// Fuzzes the ledger's record reader and everything that reads a ledger
// directory: the bytes become ledger.log (after its magic line) of a real
// ledger; parsing, Verify and Open (with torn-tail recovery) must never
// crash, and records parsed as valid must re-serialize to the same bytes.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ledger/ledger.h"
#include "ledger/records.h"

namespace {

// The scratch ledger's directory, removed when the fuzzer exits (a
// -max_total_time run ends with exit(), so atexit runs): CI leaves nothing
// in /tmp.
std::string g_root;

const std::string& Dir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/cordon-fuzz-ledger-XXXXXX";
    std::string d = mkdtemp(tmpl);
    g_root = d;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(g_root, ec);
    });
    auto key = cordon::sign::SecretKey::Generate();
    if (!cordon::ledger::Ledger::Init(d + "/l", "fuzz.example/ledger", key).ok()) std::abort();
    return d + "/l";
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cordon::ledger;
  cordon::ByteView in(data, size);
  // Records in sequence: valid ones round-trip exactly.
  size_t pos = 0;
  while (pos < in.size()) {
    RecordView r = ParseRecord(in.subspan(pos));
    if (r.status != RecordStatus::kOk) break;
    cordon::Bytes again;
    AppendRecord(again, r.payload, r.leaf);
    if (again.size() != r.size || !std::equal(again.begin(), again.end(), in.begin() + pos)) {
      __builtin_trap();
    }
    pos += r.size;
  }
  // The same bytes as a ledger on disk.
  const std::string& dir = Dir();
  {
    std::ofstream log(dir + "/ledger.log", std::ios::binary | std::ios::trunc);
    log << kLogMagic;
    log.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  (void)Verify(dir, std::nullopt);
  auto l = Ledger::Open(dir, Ledger::Access::kRead);
  if (l.ok()) {
    for (uint64_t i = 0; i < l->size() && i < 8; ++i) (void)l->Entry(i);
    if (l->size() > 0) (void)l->InclusionProof(0, l->size());
  }
  return 0;
}
