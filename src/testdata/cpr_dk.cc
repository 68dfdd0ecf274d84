#include "testdata/cpr_dk.h"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "core/file.h"
#include "testdata/csv_out.h"
#include "testdata/rng.h"

namespace cordon::testdata {
namespace {

const std::array<const char*, 20> kMen = {"Søren",   "Jørgen", "Bjarne", "Flemming", "Henning",
                                          "Preben",  "Ejnar",  "Kåre",   "Æbbe",     "Gorm",
                                          "Halfdan", "Ib",     "Knud",   "Leif",     "Palle",
                                          "Svend",   "Tage",   "Uffe",   "Vagn",     "Aage"};
const std::array<const char*, 20> kWomen = {"Birgitte", "Grethe",    "Inger",  "Jette", "Karin",
                                            "Lis",      "Merete",    "Ninna",  "Oda",   "Rigmor",
                                            "Solveig",  "Ulla",      "Vibeke", "Yrsa",  "Ærtrud",
                                            "Øda",      "Åse-Marie", "Bodil",  "Dorte", "Else"};
const std::array<const char*, 20> kSurnames = {
    "Kjærgaard", "Sørensen",       "Mølgaard", "Østergård", "Bødker",   "Lykke",   "Skovgaard",
    "Brøndum",   "Dahl-Jørgensen", "Fogh",     "Gråbøl",    "Højgaard", "Isaksen", "Juul",
    "Krøyer",    "Lauritsen",      "Nørgaard", "Rømer",     "Vinther",  "Aagaard"};
const std::array<const char*, 12> kStreets = {
    "Ørstedsvej", "Gåsebæksvej",  "Kærvej",        "Søndre Allé", "Bøgebakken", "Lærkehøj",
    "Ågade",      "Præstevænget", "Møllegårdsvej", "Engtoften",   "Fælledvej",  "Hørgården"};
struct Town {
  const char* postcode;
  const char* name;
};
const std::array<Town, 10> kTowns = {{{"2300", "København S"},
                                      {"8000", "Aarhus C"},
                                      {"5000", "Odense C"},
                                      {"9000", "Aalborg"},
                                      {"6700", "Esbjerg"},
                                      {"7100", "Vejle"},
                                      {"4000", "Roskilde"},
                                      {"3000", "Helsingør"},
                                      {"8800", "Viborg"},
                                      {"6400", "Sønderborg"}}};
const std::array<const char*, 6> kServices = {"Personlig pleje", "Medicingivning", "Rengøring",
                                              "Indkøb",          "Sårpleje",       "Tryghedsbesøg"};
const std::array<const char*, 8> kNotes = {
    "Borgeren var glad i dag; spiste hele morgenmaden.",
    "Sår på venstre ben renset og forbundet. Ingen tegn på infektion.",
    "Klager over smerter i hoften, læge kontaktet.",
    "Faldt i badeværelset i nat, ingen synlige skader.",
    "Medicin givet kl. 8.00 og 20.00 efter plan.",
    "Meget træt, sov det meste af besøget.",
    "Ønsker hjælp til indkøb fremover.",
    "Diabetes: blodsukker 7,2 før morgenmad."};
const std::array<const char*, 4> kDomains = {"mail.dk", "jubii.dk", "gmail.com", "outlook.dk"};

std::string Pad(uint32_t v, int width) {
  std::string s = std::to_string(v);
  return std::string(static_cast<size_t>(std::max(0, width - static_cast<int>(s.size()))), '0') + s;
}

// "DD-MM-YYYY" in [first_year, first_year + years). One draw per statement:
// the operands of + are evaluated in an unspecified order (GCC and clang
// differ); GCC's order (year, month, day) is kept.
std::string DateText(Rng& rng, int first_year, uint64_t years) {
  const auto year = static_cast<uint64_t>(first_year) + rng.Below(years);
  const auto month = 1 + rng.Below(12);
  const auto day = 1 + rng.Below(28);
  return Pad(static_cast<uint32_t>(day), 2) + "-" + Pad(static_cast<uint32_t>(month), 2) + "-" +
         std::to_string(year);
}

// A CPR for a person born on y-m-d of the given sex (1 male, 2 female):
// the 7th digit consistent with the century, mod 11 for numbers issued
// before 2007 (and not always after), the last digit's parity the sex.
std::string Cpr(Rng& rng, int y, int m, int d, int sex) {
  std::string date = Pad(static_cast<uint32_t>(d), 2) + Pad(static_cast<uint32_t>(m), 2) +
                     Pad(static_cast<uint32_t>(y % 100), 2);
  // 7th digit: 0–3 for 1900–1999; 4 or 9 for 2000–2036; 5–8 for 2000–2057.
  char seventh = y < 2000 ? static_cast<char>('0' + rng.Below(4)) : (rng.Chance(50) ? '4' : '5');
  const bool mod11 = y < 2007 || rng.Chance(50);
  static const int kW[] = {4, 3, 2, 7, 6, 5, 4, 3, 2, 1};
  for (;;) {
    const auto ninth = rng.Below(10);  // one draw per statement, GCC's order
    const auto eighth = rng.Below(10);
    std::string c = date + seventh + std::to_string(eighth) + std::to_string(ninth);
    for (int last = 0; last < 10; ++last) {
      if (last % 2 != (sex == 1 ? 1 : 0)) continue;
      std::string full = c + static_cast<char>('0' + last);
      int sum = 0;
      for (int i = 0; i < 10; ++i) sum += (full[static_cast<size_t>(i)] - '0') * kW[i];
      if ((sum % 11 == 0) == mod11) return full.substr(0, 6) + "-" + full.substr(6);
    }
  }
}

std::string Phone(Rng& rng) {
  std::string p = "+45 ";
  p += std::to_string(2 + rng.Below(8));
  p += std::to_string(rng.Below(10));
  for (int i = 0; i < 3; ++i) {
    p += ' ';
    p += Pad(rng.Below(100), 2);
  }
  return p;
}

// "Søren" → "soeren", as people type their e-mail addresses.
std::string Login(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    std::string_view rest = s.substr(i);
    if (rest.starts_with("æ") || rest.starts_with("Æ")) {
      out += "ae", ++i;
    } else if (rest.starts_with("ø") || rest.starts_with("Ø")) {
      out += "oe", ++i;
    } else if (rest.starts_with("å") || rest.starts_with("Å")) {
      out += "aa", ++i;
    } else if (s[i] == ' ' || s[i] == '-') {
      out += '.';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    }
  }
  return out;
}

}  // namespace

Result<CprDkStats> WriteCprDk(const std::string& dir, const CprDkOptions& o) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Error(ErrorCode::kIo, "cannot create " + dir + ": " + std::strerror(errno));
  }
  CORDON_ASSIGN_OR_RETURN(AtomicFile bf,
                          AtomicFile::Create(dir + "/borgere.csv", 0644, Overwrite::kRefuse));
  CORDON_ASSIGN_OR_RETURN(AtomicFile vf,
                          AtomicFile::Create(dir + "/besoeg.csv", 0644, Overwrite::kRefuse));
  Rng rng(o.seed, 3);
  CprDkStats stats;
  CsvDialect dialect{';', true, true};
  CsvOut b(dialect), v(dialect);
  for (const char* h : {"BORGER_ID", "CPR", "FORNAVN", "EFTERNAVN", "ADRESSE", "POSTNR", "BY",
                        "TELEFON", "EMAIL", "OPRETTET"}) {
    b.Field(h);
  }
  b.End();
  for (const char* h : {"BORGER_ID", "DATO", "YDELSE", "MINUTTER", "NOTAT"}) v.Field(h);
  v.End();
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (uint64_t i = 1; i <= o.people; ++i) {
    int sex = rng.Chance(55) ? 2 : 1;
    int y = 1920 + static_cast<int>(rng.Below(95)), m = 1 + static_cast<int>(rng.Below(12));
    int d = 1 + static_cast<int>(rng.Below(static_cast<uint32_t>(kDays[m - 1])));
    std::string first = sex == 2 ? rng.Pick(kWomen) : rng.Pick(kMen);
    std::string last = rng.Pick(kSurnames);
    const Town& town = kTowns[rng.Below(kTowns.size())];
    std::string id = "B";
    id += Pad(static_cast<uint32_t>(i), 7);
    b.Field(id);
    b.Field(Cpr(rng, y, m, d, sex));
    b.Field(first);
    b.Field(last);
    {
      // One draw per statement: the operands of + are evaluated in an
      // unspecified order (GCC and clang differ); GCC's order is kept.
      const std::string floor =
          rng.Chance(30) ? ", " + std::to_string(1 + rng.Below(5)) + ". tv." : "";
      const auto number = 1 + rng.Below(90);
      const std::string street = rng.Pick(kStreets);
      b.Field(street + " " + std::to_string(number) + floor);
    }
    b.Field(town.postcode);
    b.Field(town.name);
    b.Field(Phone(rng));
    b.Field(Login(first) + "." + Login(last) + "@" + rng.Pick(kDomains));
    b.Field(DateText(rng, 2015, 10));
    b.End();
    ++stats.people;
    uint32_t visits = 1 + rng.Below(6);
    for (uint32_t k = 0; k < visits; ++k) {
      std::string note = rng.Pick(kNotes);
      // Free text typed by carers: relatives' numbers and names slip in.
      if (rng.Chance(8))
        note += " Datteren " + std::string(rng.Pick(kWomen)) + " ringer på " + Phone(rng) + ".";
      if (rng.Chance(4)) {
        int ry = 1940 + static_cast<int>(rng.Below(60)), rm = 1 + static_cast<int>(rng.Below(12));
        note += " Ægtefælle CPR " + Cpr(rng, ry, rm, 1 + static_cast<int>(rng.Below(28)), 3 - sex) +
                ".";
      }
      if (rng.Chance(5)) note += " " + first + " " + last + " ønsker at blive ringet op.";
      v.Field(id);
      v.Field(DateText(rng, 2020, 6));
      v.Field(rng.Pick(kServices));
      v.Field(std::to_string(5 + 5 * rng.Below(12)));
      v.Field(note);
      v.End();
      ++stats.visits;
    }
    CORDON_TRY(b.FlushTo(bf, stats.bytes, 1 << 20));
    CORDON_TRY(v.FlushTo(vf, stats.bytes, 1 << 20));
  }
  CORDON_TRY(b.FlushTo(bf, stats.bytes));
  CORDON_TRY(v.FlushTo(vf, stats.bytes));
  CORDON_TRY(bf.Commit());
  CORDON_TRY(vf.Commit());
  return stats;
}

}  // namespace cordon::testdata
