#include "testdata/corpus.h"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/file.h"
#include "testdata/containers.h"
#include "testdata/corpus_items.h"
#include "testdata/lis_fr.h"
#include "testdata/rng.h"

namespace cordon::testdata {
namespace {

const char* kWords[] = {"patient", "admission", "result", "sample",  "ok",        "status",
                        "lab",     "request",   "the",    "and",     "processed", "queue",
                        "retry",   "batch",     "user",   "session", "export",    "import"};

// Text in one of five styles (log, CSV, JSON, Markdown, Python) with, now
// and then, an identifier or a decoy; every identifier goes into the truth,
// located at `where` (a path, or "path:entry", or "db:table:column:rowid").
class TextMaker {
 public:
  TextMaker(Rng& r, std::string& truth, CorpusStats& stats) : r_(r), truth_(truth), stats_(stats) {}

  std::string Text(int style, size_t size, const std::string& where) {
    std::string text;
    uint64_t line = 1;
    while (text.size() < size) {
      Line(style, where, line++, text);
      text += "\n";
    }
    return text;
  }

  // One line of filler words, appended to `text` (which may hold earlier lines).
  void Line(int style, const std::string& where, uint64_t line, std::string& text) {
    size_t line_start = text.size();
    size_t words = 3 + r_.Below(8);
    for (size_t w = 0; w < words; ++w) {
      if (w > 0) text += style == 1 ? ";" : " ";
      uint32_t dice = r_.Below(100);
      if (dice >= 6 && dice < 97) {
        text += kWords[r_.Below(std::size(kWords))];
        continue;
      }
      Item it = dice < 6 ? Identifier(r_) : Decoy(r_);
      if (style == 2) text += "\"";
      size_t column = text.size() - line_start + 1;
      text += it.text;
      if (style == 2) text += "\"";
      if (it.kind.empty()) {
        ++stats_.decoys;
        continue;
      }
      Label(where, line, column, it);
    }
  }

  void Label(const std::string& where, uint64_t line, size_t column, const Item& it) {
    truth_ += where + "\t" + std::to_string(line) + "\t" + std::to_string(column) + "\t" + it.kind +
              "\t" + it.text + "\n";
    ++stats_.identifiers;
  }

 private:
  Rng& r_;
  std::string& truth_;
  CorpusStats& stats_;
};

// A NIR without Corsica's letters, as a number (SQLite INTEGER cells).
int64_t NumericNir(Rng& r, std::string& text) {
  for (;;) {
    std::string b = NirBody(r);
    if (b.find_first_of("AB") != std::string::npos) continue;
    text = b + Pad(static_cast<uint32_t>(NirKey(b)), 2);
    return std::stoll(text);
  }
}

}  // namespace

Result<CorpusStats> WriteCorpus(const std::string& dir, const CorpusOptions& o) {
  if (o.layout == CorpusLayout::kDense) return WriteDenseCorpus(dir, o);
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec)) return Error(ErrorCode::kAlreadyExists, dir + " already exists");
  for (const char* sub : {"logs", "data", "api", "docs", "src", "archives", "bin"})
    fs::create_directories(fs::path(dir) / sub, ec);
  if (ec) return Error(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
  Rng r(o.seed, 7);
  CorpusStats stats;
  std::string truth = "path\tline\tcolumn\tkind\tvalue\n";
  TextMaker maker(r, truth, stats);
  const uint64_t target = o.size_mb << 20;
  auto at = [&](const std::string& rel) { return (fs::path(dir) / rel).string(); };
  static const char* kNames[] = {"logs/app-%d.log", "data/export-%d.csv", "api/dump-%d.json",
                                 "docs/notes-%d.md", "src/module-%d.py"};
  for (int f = 0; stats.bytes < target; ++f) {
    char rel[64];
    (void)std::snprintf(rel, sizeof rel, kNames[f % 5], f);
    const size_t size = 256 * 1024 + r.Below(256 * 1024);
    if (f % 10 == 3) {  // a gzip'ed log (truth: the .gz file itself)
      std::string gz = std::string(rel) + ".gz";
      std::string text = maker.Text(0, size, gz);
      CORDON_TRY(WriteGzip(at(gz), text));
      stats.bytes += text.size();
    } else if (f % 10 == 6) {  // a zip with a CSV, a note and a gzip'ed log inside
      std::string zip = "archives/batch-" + std::to_string(f) + ".zip";
      std::string csv = maker.Text(1, size / 2, zip + ":export/patients.csv");
      std::string md = maker.Text(3, size / 4, zip + ":README.md");
      std::string log = maker.Text(0, size / 4, zip + ":logs/app.log.gz");
      CORDON_ASSIGN_OR_RETURN(std::string gz, GzipBytes(log));
      CORDON_TRY(WriteZip(
          at(zip), {{"export/patients.csv", csv}, {"README.md", md}, {"logs/app.log.gz", gz}}));
      stats.bytes += csv.size() + md.size() + log.size();
    } else if (f % 10 == 8) {  // a SQLite database: every cell is scanned
      std::string db = "data/records-" + std::to_string(f) + ".sqlite";
      std::vector<std::vector<Cell>> rows;
      size_t bytes = 0;
      for (int64_t id = 1; bytes < size; ++id) {
        std::string note, contact;
        maker.Line(0, db + ":records:note:" + std::to_string(id), 1, note);
        maker.Line(3, db + ":records:contact:" + std::to_string(id), 1, contact);
        std::string nir;
        int64_t numeric = NumericNir(r, nir);
        maker.Label(db + ":records:nir:" + std::to_string(id), 1, 1, {"nir", nir});
        bytes += note.size() + contact.size() + nir.size();
        rows.push_back({id, numeric, note, contact});
      }
      CORDON_TRY(WriteSqlite(at(db),
                             "CREATE TABLE records(id INTEGER PRIMARY KEY, nir INTEGER, "
                             "note TEXT, contact TEXT);",
                             "INSERT INTO records VALUES (?, ?, ?, ?)", rows));
      stats.bytes += bytes;
    } else if (f % 10 == 9) {
      // Binary noise with identifiers inside, each between NUL bytes (as in
      // a record of a binary format). The scan reads the printable runs of
      // binary content and reports only the kinds a checksum proves there,
      // so only those are labelled; e-mails and phones are not looked for.
      std::string noise;
      std::string where = "bin/blob-" + std::to_string(f) + ".bin";
      uint64_t line = 1;
      size_t line_start = 0, counted = 0;  // lines counted up to `counted`
      while (noise.size() < size / 4) {
        for (int k = 0; k < 64; ++k) noise.push_back(static_cast<char>(r.Below(256)));
        noise[0] = '\0';  // binary from its first byte
        noise += '\0';
        for (; counted < noise.size(); ++counted) {
          if (noise[counted] == '\n') {
            ++line;
            line_start = counted + 1;
          }
        }
        Item it = Identifier(r);
        if (it.kind == "nir" || it.kind == "cpr" || it.kind == "iban" || it.kind == "card") {
          maker.Label(where, line, noise.size() - line_start + 1, it);
        }
        noise += it.text;
        noise += '\0';
      }
      CORDON_TRY(WriteFileAtomic(at(where), AsBytes(noise)));
      stats.bytes += noise.size();
    } else {
      std::string text = maker.Text(f % 5, size, rel);
      CORDON_TRY(WriteFileAtomic(at(rel), AsBytes(text)));
      stats.bytes += text.size();
    }
    ++stats.files;
  }
  CORDON_TRY(WriteFileAtomic(at("truth.tsv"), AsBytes(truth)));
  return stats;
}

}  // namespace cordon::testdata
