#include "testdata/lis_fr.h"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "core/file.h"
#include "testdata/csv_out.h"
#include "testdata/rng.h"

namespace cordon::testdata {
namespace {

const std::array<const char*, 24> kLastNames = {
    "MARTIN",   "BERNARD", "DUBOIS",  "THOMAS",   "ROBERT",  "RICHARD", "PETIT",  "DURAND",
    "LEROY",    "MOREAU",  "SIMON",   "LAURENT",  "LEFÈVRE", "MICHEL",  "GARCIA", "DAVID",
    "BERTRAND", "ROUX",    "VINCENT", "FOURNIER", "MOREL",   "GIRARD",  "ANDRÉ",  "LE GALL-PÉRÈS"};
const std::array<const char*, 16> kFemale = {
    "Marie",  "Hélène", "Chloé",  "Léa",   "Zoé",    "Anaïs",  "Mélanie",    "Françoise",
    "Cécile", "Inès",   "Noémie", "Agnès", "Émilie", "Sophie", "Anne-Laure", "Maëlle"};
const std::array<const char*, 16> kMale = {
    "Jean", "François", "Léo",    "Noël",   "Jérôme",  "Hugo",        "Gaël",  "Loïc",
    "Théo", "André",    "Benoît", "Cédric", "Raphaël", "Jean-Michel", "Hervé", "Étienne"};
const std::array<const char*, 12> kStreets = {"rue de la République",
                                              "avenue Jean Jaurès",
                                              "boulevard Victor Hugo",
                                              "rue des Écoles",
                                              "place de l'Église",
                                              "chemin des Prés",
                                              "rue du Général de Gaulle",
                                              "allée des Tilleuls",
                                              "impasse des Lilas",
                                              "rue Pasteur",
                                              "route de Lyon",
                                              "quai Saint-Michel"};
struct Place {
  const char* dept;     // as in the NIR
  const char* commune;  // 3 digits (2 for overseas, after a 3-digit dept)
  const char* cp;
  const char* city;
};
const std::array<Place, 12> kPlaces = {{{"75", "056", "75011", "Paris"},
                                        {"69", "123", "69003", "Lyon"},
                                        {"13", "055", "13005", "Marseille"},
                                        {"33", "063", "33000", "Bordeaux"},
                                        {"59", "350", "59000", "Lille"},
                                        {"35", "238", "35000", "Rennes"},
                                        {"2A", "004", "20000", "Ajaccio"},
                                        {"2B", "033", "20200", "Bastia"},
                                        {"971", "20", "97110", "Pointe-à-Pitre"},
                                        {"974", "11", "97400", "Saint-Denis"},
                                        {"67", "482", "67000", "Strasbourg"},
                                        {"31", "555", "31000", "Toulouse"}}};
const std::array<const char*, 8> kDomains = {"orange.fr", "free.fr",  "gmail.com",  "laposte.net",
                                             "sfr.fr",    "yahoo.fr", "hotmail.fr", "wanadoo.fr"};
const std::array<const char*, 8> kDoctors = {"Dr Lemaire",  "Dr N'Guyen", "Dr Bénard",
                                             "Dr Coste",    "Dr Haddad",  "Dr Müller",
                                             "Dr Da Silva", "Dr Perrin"};
const std::array<const char*, 12> kComments = {
    "Patiente enceinte de 12 SA; contrôle sérologie toxoplasmose",
    "Diabète de type 2, sous metformine",
    "Traitement anticoagulant (AVK) : INR cible 2-3",
    "VIH positif, suivi au CHU",
    "Allergie pénicilline",
    "Hépatite C traitée en 2016",
    "Prélèvement difficile, veines fines",
    "Chimiothérapie en cours; NFS hebdomadaire",
    "Grossesse gémellaire",
    "Insuffisance rénale chronique stade 3",
    "Dépistage IST demandé par le patient",
    "Bilan thyroïdien : hypothyroïdie sous Lévothyrox"};
struct Analysis {
  const char* code;
  const char* label;
  const char* unit;
  int low, high;  // tenths
};
const std::array<Analysis, 8> kAnalyses = {{{"GLY", "Glycémie à jeun", "g/L", 6, 20},
                                            {"HBA1C", "Hémoglobine glyquée", "%", 45, 110},
                                            {"CREA", "Créatinine", "µmol/L", 400, 1500},
                                            {"TSH", "TSH ultrasensible", "mUI/L", 2, 80},
                                            {"INR", "INR", "", 8, 40},
                                            {"HB", "Hémoglobine", "g/dL", 90, 170},
                                            {"CRP", "Protéine C réactive", "mg/L", 1, 1500},
                                            {"FER", "Ferritine", "µg/L", 100, 4000}}};

int RandomDay(Rng& rng, int from_year, int to_year, int& y, int& m, int& d) {
  y = from_year + static_cast<int>(rng.Below(static_cast<uint32_t>(to_year - from_year + 1)));
  m = 1 + static_cast<int>(rng.Below(12));
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  d = 1 + static_cast<int>(rng.Below(static_cast<uint32_t>(kDays[m - 1])));
  return y * 10000 + m * 100 + d;
}

std::string Date(int y, int m, int d) {
  char buf[16];
  (void)std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", d, m, y);
  return buf;
}

std::string Digits(Rng& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng.Below(10)));
  return s;
}

std::string Phone(Rng& rng) {
  std::string p = "0";
  p += std::to_string(1 + rng.Below(7));
  for (int i = 0; i < 4; ++i) {
    p += ' ';
    p += Digits(rng, 2);
  }
  return p;
}

std::string Lower(std::string_view s) {
  // Logins and e-mails drop accents the way people type them: é → e, ç → c.
  static const std::string_view kFrom[] = {"à", "â", "ä", "é", "è", "ê", "ë", "î", "ï", "ô",
                                           "ö", "ù", "û", "ü", "ç", "É", "È", "Ê", "À", "Ç"};
  static const char kTo[] = "aaaeeeeiioouuuceeeac";
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool folded = false;
    for (size_t k = 0; k < std::size(kFrom); ++k) {
      if (s.substr(i, kFrom[k].size()) == kFrom[k]) {
        out.push_back(kTo[k]);
        i += kFrom[k].size();
        folded = true;
        break;
      }
    }
    if (folded) continue;
    char c = s[i++];
    if (static_cast<unsigned char>(c) >= 0x80) continue;
    if (c == ' ' || c == '\'') c = '-';
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string Nir(Rng& rng, int sex, int birth_year, int birth_month, const Place& place) {
  std::string n = std::to_string(sex);
  int yy = birth_year % 100;
  n += static_cast<char>('0' + yy / 10);
  n += static_cast<char>('0' + yy % 10);
  int month = birth_month;
  if (rng.Chance(1)) month = 20 + static_cast<int>(rng.Below(23));  // unknown month ranges
  char mm[3];
  (void)std::snprintf(mm, sizeof mm, "%02d", month);
  n += mm;
  n += place.dept;
  n += place.commune;
  char order[4];  // the birth order number runs from 001 to 999
  (void)std::snprintf(order, sizeof order, "%03u", 1 + rng.Below(999));
  n += order;
  char key[3];
  (void)std::snprintf(key, sizeof key, "%02d", NirKey(n));
  n += key;
  if (rng.Chance(15)) {  // written with spaces, as on the carte Vitale
    return n.substr(0, 1) + " " + n.substr(1, 2) + " " + n.substr(3, 2) + " " + n.substr(5, 2) +
           " " + n.substr(7, 3) + " " + n.substr(10, 3) + " " + n.substr(13, 2);
  }
  return n;
}

}  // namespace

int NirKey(std::string_view first13) {
  uint64_t number = 0;
  for (size_t i = 0; i < first13.size(); ++i) {
    char c = first13[i];
    if (i == 6 && (c == 'A' || c == 'B')) {
      // Corsica: 2A → 19, 2B → 18 (replace the two department characters).
      number = number / 10 * 100 + (c == 'A' ? 19 : 18);
      continue;
    }
    number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  return static_cast<int>(97 - number % 97);
}

Result<LisFrStats> WriteLisFr(const std::string& dir, const LisFrOptions& o) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Error(ErrorCode::kIo, "cannot create " + dir + ": " + std::strerror(errno));
  }
  CORDON_ASSIGN_OR_RETURN(AtomicFile pf,
                          AtomicFile::Create(dir + "/patients.csv", 0644, Overwrite::kRefuse));
  CORDON_ASSIGN_OR_RETURN(AtomicFile rf,
                          AtomicFile::Create(dir + "/resultats.csv", 0644, Overwrite::kRefuse));
  Rng rng(o.seed);
  LisFrStats stats;
  CsvDialect dialect{o.separator, o.crlf, o.utf8};
  CsvOut p(dialect), r(dialect);
  for (const char* h :
       {"NUM_DOSSIER", "NIR", "NOM", "PRENOM", "SEXE", "DATE_NAISSANCE", "ADRESSE", "CP", "VILLE",
        "TEL", "EMAIL", "DATE_DERNIERE_VISITE", "MEDECIN_PRESCRIPTEUR", "COMMENTAIRE_P",
        "COMMENTAIRE_D", "IDENTIFIANT_SR", "MOT_DE_PASSE"}) {
    p.Field(h);
  }
  p.End();
  for (const char* h : {"NUM_DOSSIER", "DATE_PRELEVEMENT", "CODE_ANALYSE", "LIBELLE", "RESULTAT",
                        "UNITE", "COMMENTAIRE"}) {
    r.Field(h);
  }
  r.End();
  for (uint64_t i = 1; i <= o.patients; ++i) {
    int sex = rng.Chance(52) ? 2 : 1;
    std::string last = rng.Pick(kLastNames);
    std::string first = sex == 2 ? rng.Pick(kFemale) : rng.Pick(kMale);
    const Place& place = kPlaces[rng.Below(kPlaces.size())];
    int by, bm, bd, vy, vm, vd;
    int birth = RandomDay(rng, 1930, 2015, by, bm, bd);
    int visit;
    do {
      visit = RandomDay(rng, 2009, 2021, vy, vm, vd);
    } while (visit <= birth);
    char dossier[16];
    (void)std::snprintf(dossier, sizeof dossier, "%08llu", static_cast<unsigned long long>(i));
    std::string login = Lower(first) + "." + Lower(last);
    std::string comment_p, comment_d;
    if (rng.Chance(35)) comment_p = rng.Pick(kComments);
    if (rng.Chance(10))
      comment_p +=
          (comment_p.empty() ? "" : "; ") + std::string("joindre le fils au ") + Phone(rng);
    if (rng.Chance(5))
      comment_p += (comment_p.empty() ? "" : "\r\n") + std::string("mail : ") + login + "@" +
                   rng.Pick(kDomains);
    if (rng.Chance(20)) comment_d = rng.Pick(kComments);
    if (rng.Chance(3)) {
      comment_d += (comment_d.empty() ? "" : " ") + std::string("NIR du conjoint ") +
                   Nir(rng, 3 - sex, by, bm, kPlaces[rng.Below(kPlaces.size())]);
    }
    p.Field(dossier);
    p.Field(Nir(rng, sex, by, bm, place));
    p.Field(last);
    p.Field(first);
    p.Field(sex == 2 ? "F" : "M");
    p.Field(Date(by, bm, bd));
    // One draw per statement: the operands of + are evaluated in an
    // unspecified order (GCC and clang differ); GCC's order is kept.
    const std::string street = rng.Pick(kStreets);
    p.Field(std::to_string(1 + rng.Below(120)) + " " + street);
    p.Field(place.cp);
    p.Field(place.city);
    p.Field(Phone(rng));
    const std::string domain = rng.Pick(kDomains);
    p.Field(login + std::to_string(rng.Below(100)) + "@" + domain);
    p.Field(Date(vy, vm, vd));
    p.Field(rng.Pick(kDoctors));
    p.Field(comment_p);
    p.Field(comment_d);
    p.Field(login + std::to_string(1000 + rng.Below(9000)));
    p.Field(Digits(rng, 4) + login.substr(0, 3) + "!" + Digits(rng, 2));
    p.End();
    ++stats.patients;
    uint32_t n = 1 + rng.Below(5);
    for (uint32_t k = 0; k < n; ++k) {
      const Analysis& a = kAnalyses[rng.Below(kAnalyses.size())];
      int value = a.low + static_cast<int>(rng.Below(static_cast<uint32_t>(a.high - a.low + 1)));
      int sy, sm, sd;
      RandomDay(rng, vy > 2009 ? vy - 1 : 2009, vy, sy, sm, sd);
      r.Field(dossier);
      r.Field(Date(sy, sm, sd));
      r.Field(a.code);
      r.Field(a.label);
      r.Field(std::to_string(value / 10) + "," + std::to_string(value % 10));  // decimal comma
      r.Field(a.unit);
      r.Field(rng.Chance(5) ? "Résultat contrôlé; à recontacter" : "");
      r.End();
      ++stats.results;
    }
    CORDON_TRY(p.FlushTo(pf, stats.bytes, 1 << 20));
    CORDON_TRY(r.FlushTo(rf, stats.bytes, 1 << 20));
  }
  CORDON_TRY(p.FlushTo(pf, stats.bytes));
  CORDON_TRY(r.FlushTo(rf, stats.bytes));
  CORDON_TRY(pf.Commit());
  CORDON_TRY(rf.Commit());
  return stats;
}

}  // namespace cordon::testdata
