// The dense layout of `cordon testdata corpus`: what a scan meets in a dump
// of a patient table on a test server. Every line carries identifiers.
#include <filesystem>

#include "core/file.h"
#include "testdata/corpus.h"
#include "testdata/corpus_items.h"

namespace cordon::testdata {
namespace {

enum : uint32_t { kNir, kCpr, kIban, kCard, kEmail, kPhone };
enum : uint32_t { kBadNir, kBadCpr, kBadIban, kBadCard, kOrder, kLongRun, kVersion };

// Accented on purpose: exports are UTF-8 with names, and a Unicode-aware
// peer pays for it.
const char* kLastNames[] = {"Martin", "Lefèvre",     "Dubois",  "Hélary", "Garçon",
                            "Jensen", "Søndergaard", "Nielsen", "Ærø",    "Müller"};
const char* kFirstNames[] = {"Hélène", "Jean", "Zoé",  "François", "Søren",
                             "Mette",  "Åse",  "Noël", "Anaïs",    "Jørgen"};
const char* kNotes[] = {"RAS",          "à revoir", "contrôle dans 3 mois", "allergie pénicilline",
                        "kontrol OK",   "ny tid",   "rappel fait",          "dossier complet",
                        "bilan normal", "à jeun"};
const char* kLevels[] = {"INFO", "INFO", "INFO", "WARN", "DEBUG"};
const char* kPaths[] = {"/api/patients", "/api/visits", "/api/results", "/export", "/search"};

class DenseMaker {
 public:
  DenseMaker(Rng& r, std::string& truth, CorpusStats& stats)
      : r_(r), truth_(truth), stats_(stats) {}

  // Appends the identifier (labelled at its byte column) or the decoy.
  void Put(const Item& it, const std::string& where, uint64_t line, size_t line_start,
           std::string& text) {
    if (it.kind.empty()) {
      ++stats_.decoys;
    } else {
      truth_ += where + "\t" + std::to_string(line) + "\t" +
                std::to_string(text.size() - line_start + 1) + "\t" + it.kind + "\t" + it.text +
                "\n";
      ++stats_.identifiers;
    }
    text += it.text;
  }
  // An identifier of `kind`, or (one time in `odds`) the decoy `decoy`.
  Item Maybe(uint32_t kind, uint32_t decoy, uint32_t odds) {
    return r_.Below(odds) == 0 ? Decoy(r_, decoy) : Identifier(r_, kind);
  }
  std::string Date(char sep, bool year_first) {
    const auto day = 1 + r_.Below(28);
    const auto month = 1 + r_.Below(12);
    const auto year = 1930 + r_.Below(95);
    return year_first ? Pad(year, 4) + sep + Pad(month, 2) + sep + Pad(day, 2)
                      : Pad(day, 2) + sep + Pad(month, 2) + sep + Pad(year, 4);
  }

  // A French patient table: id;nir;nom;prenom;naissance;email;telephone;iban;commentaire
  void PatientRow(const std::string& where, uint64_t line, uint64_t id, std::string& text) {
    const size_t start = text.size();
    text += std::to_string(id) + ";";
    Put(Maybe(kNir, kBadNir, 6), where, line, start, text);
    // One draw per statement: the operands of + are evaluated in an
    // unspecified order, and the corpus of a seed must not depend on it.
    text += ';';
    text += kLastNames[r_.Below(std::size(kLastNames))];
    text += ';';
    text += kFirstNames[r_.Below(std::size(kFirstNames))];
    text += ';';
    text += Date('/', false);
    text += ';';
    if (r_.Below(10) != 0) Put(Identifier(r_, kEmail), where, line, start, text);
    text += ";";
    Put(Identifier(r_, kPhone), where, line, start, text);
    text += ";";
    Put(Maybe(kIban, kBadIban, 4), where, line, start, text);
    text += ";";
    text += kNotes[r_.Below(std::size(kNotes))];
    switch (r_.Below(6)) {
      case 0:
        text += " commande ";
        Put(Decoy(r_, kOrder), where, line, start, text);
        break;
      case 1:
        text += " carte ";
        Put(Identifier(r_, kCard), where, line, start, text);
        break;
      case 2:
        text += " réf ";
        Put(Decoy(r_, kLongRun), where, line, start, text);
        break;
      default:
        break;
    }
    text += "\n";
  }

  // A Danish visit table: cpr, dato, kort, beloeb, ref, note (tab-separated).
  void VisitRow(const std::string& where, uint64_t line, std::string& text) {
    const size_t start = text.size();
    const uint64_t before = stats_.identifiers;
    Put(Maybe(kCpr, kBadCpr, 6), where, line, start, text);
    text += '\t';
    text += Date('-', true);
    text += '\t';
    Put(Maybe(kCard, kBadCard, 3), where, line, start, text);
    const auto units = r_.Below(5000);
    const auto cents = r_.Below(100);
    text += '\t';
    text += std::to_string(units) + "." + Pad(cents, 2);
    text += '\t';
    Put(Decoy(r_, kOrder), where, line, start, text);
    text += "\t";
    text += kNotes[r_.Below(std::size(kNotes))];
    // A relative's CPR in the note, always when the row holds only decoys.
    if (stats_.identifiers == before || r_.Below(3) == 0) {
      text += " pårørende ";
      Put(Identifier(r_, kCpr), where, line, start, text);
    }
    text += "\n";
  }

  // An application log: each request names its patient and contacts.
  void LogLine(const std::string& where, uint64_t line, std::string& text) {
    const size_t start = text.size();
    const auto ms = r_.Below(1000);
    const auto sec = r_.Below(60);
    const auto min = r_.Below(60);
    const auto hour = r_.Below(24);
    const char* level = kLevels[r_.Below(std::size(kLevels))];
    const char* path = kPaths[r_.Below(std::size(kPaths))];
    const auto request = r_.Below(1000000);
    text += "2026-11-" + Pad(1 + static_cast<uint32_t>(line % 28), 2) + "T" + Pad(hour, 2) + ":" +
            Pad(min, 2) + ":" + Pad(sec, 2) + "." + Pad(ms, 3) + "Z " + level + " " + path +
            " req=" + Pad(request, 6) + " ";
    static const uint32_t kKeys[] = {kNir, kNir, kEmail, kPhone, kCpr, kIban, kCard};
    static const char* kNames[] = {"nir=", "nir=", "user=", "phone=", "cpr=", "iban=", "card="};
    const uint32_t fields = 1 + r_.Below(3);
    for (uint32_t f = 0; f < fields; ++f) {
      const uint32_t k = r_.Below(std::size(kKeys));
      if (f > 0) text += " ";
      text += kNames[k];
      Put(Identifier(r_, kKeys[k]), where, line, start, text);
    }
    switch (r_.Below(4)) {
      case 0:
        text += " order=";
        Put(Decoy(r_, kOrder), where, line, start, text);
        break;
      case 1:
        text += " client=";
        Put(Decoy(r_, kVersion), where, line, start, text);
        break;
      case 2:
        text += " ref=";
        Put(Decoy(r_, kBadNir), where, line, start, text);
        break;
      default:
        break;
    }
    text += " status=200 ms=" + std::to_string(r_.Below(900)) + "\n";
  }

 private:
  Rng& r_;
  std::string& truth_;
  CorpusStats& stats_;
};

}  // namespace

Result<CorpusStats> WriteDenseCorpus(const std::string& dir, const CorpusOptions& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec)) return Error(ErrorCode::kAlreadyExists, dir + " already exists");
  for (const char* sub : {"tables", "logs"}) fs::create_directories(fs::path(dir) / sub, ec);
  if (ec) return Error(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
  Rng r(o.seed, 11);
  CorpusStats stats;
  std::string truth = "path\tline\tcolumn\tkind\tvalue\n";
  DenseMaker maker(r, truth, stats);
  const uint64_t target = o.size_mb << 20;
  static const char* kNames[] = {"tables/patients-%d.csv", "tables/visits-%d.tsv",
                                 "logs/access-%d.log"};
  for (int f = 0; stats.bytes < target; ++f) {
    char rel[64];
    (void)std::snprintf(rel, sizeof rel, kNames[f % 3], f);
    const size_t size = 256 * 1024 + r.Below(256 * 1024);
    std::string text;
    uint64_t line = 1;
    if (f % 3 == 0) {
      text = "id;nir;nom;prenom;naissance;email;telephone;iban;commentaire\n";
      ++line;
    } else if (f % 3 == 1) {
      text = "cpr\tdato\tkort\tbeloeb\tref\tnote\n";
      ++line;
    }
    for (; text.size() < size; ++line) {
      if (f % 3 == 0) {
        maker.PatientRow(rel, line, line - 1, text);
      } else if (f % 3 == 1) {
        maker.VisitRow(rel, line, text);
      } else {
        maker.LogLine(rel, line, text);
      }
    }
    CORDON_TRY(WriteFileAtomic((fs::path(dir) / rel).string(), AsBytes(text)));
    stats.bytes += text.size();
    ++stats.files;
  }
  CORDON_TRY(WriteFileAtomic((fs::path(dir) / "truth.tsv").string(), AsBytes(truth)));
  return stats;
}

}  // namespace cordon::testdata
