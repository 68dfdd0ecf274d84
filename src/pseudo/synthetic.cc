#include "pseudo/synthetic.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <string>

#include "core/strings.h"
#include "crypto/kdf.h"

namespace cordon::pseudo {
namespace {

using List = std::span<const std::string_view>;

constexpr std::string_view kFrMale[] = {
    "Jean",        "Pierre",       "Michel",     "André",   "Philippe", "Alain",   "Jacques",
    "Bernard",     "Éric",         "Christophe", "Nicolas", "François", "Laurent", "Stéphane",
    "Julien",      "Thomas",       "Sébastien",  "Olivier", "Frédéric", "David",   "Antoine",
    "Mathieu",     "Jérôme",       "Benoît",     "Hugo",    "Lucas",    "Léo",     "Gabriel",
    "Louis",       "Raphaël",      "Arthur",     "Noé",     "Théo",     "Maël",    "Jean-Luc",
    "Jean-Pierre", "Marc-Antoine", "Loïc",       "Gaëtan",  "Hervé",    "Joël",    "Rémi",
    "Cédric",      "Yannick",      "Mohamed",    "Karim",   "Youssef",  "Samir",   "Mehdi",
    "Sofiane"};
constexpr std::string_view kFrFemale[] = {
    "Marie",   "Nathalie", "Isabelle",   "Sylvie",       "Catherine",    "Françoise", "Christine",
    "Monique", "Valérie",  "Sandrine",   "Sophie",       "Céline",       "Aurélie",   "Julie",
    "Camille", "Émilie",   "Léa",        "Manon",        "Chloé",        "Inès",      "Jade",
    "Louise",  "Zoé",      "Anaïs",      "Agnès",        "Hélène",       "Cécile",    "Élodie",
    "Mélanie", "Noémie",   "Anne-Laure", "Marie-Claire", "Marie-Hélène", "Léonie",    "Maëlle",
    "Gaëlle",  "Pénélope", "Brigitte",   "Josiane",      "Geneviève",    "Fatima",    "Nadia",
    "Samira",  "Yasmine",  "Leïla",      "Amélie",       "Clémence",     "Margaux",   "Océane",
    "Lucie"};
constexpr std::string_view kFrLast[] = {
    "MARTIN",   "BERNARD",   "DUBOIS",   "THOMAS",    "ROBERT",     "RICHARD",        "PETIT",
    "DURAND",   "LEROY",     "MOREAU",   "SIMON",     "LAURENT",    "LEFEBVRE",       "MICHEL",
    "GARCIA",   "DAVID",     "BERTRAND", "ROUX",      "VINCENT",    "FOURNIER",       "MOREL",
    "GIRARD",   "ANDRÉ",     "LEFÈVRE",  "MERCIER",   "DUPONT",     "LAMBERT",        "BONNET",
    "FRANÇOIS", "MARTINEZ",  "LEGRAND",  "GARNIER",   "FAURE",      "ROUSSEAU",       "BLANC",
    "GUÉRIN",   "MULLER",    "HENRY",    "ROUSSEL",   "NICOLAS",    "PERRIN",         "MORIN",
    "MATHIEU",  "CLÉMENT",   "GAUTHIER", "DUMONT",    "LOPEZ",      "FONTAINE",       "CHEVALIER",
    "ROBIN",    "MASSON",    "SANCHEZ",  "GÉRARD",    "NGUYEN",     "BOYER",          "DENIS",
    "LEMAIRE",  "DUVAL",     "JOLY",     "GAUTIER",   "ROGER",      "ROCHE",          "ROY",
    "NOËL",     "MEYER",     "LUCAS",    "MEUNIER",   "JEAN",       "PEREZ",          "MARCHAND",
    "DUFOUR",   "BLANCHARD", "MARIE",    "BARBIER",   "BRUN",       "DUMAS",          "BRUNET",
    "SCHMITT",  "LEROUX",    "COLIN",    "FERNANDEZ", "PIERRE",     "RENARD",         "ARNAUD",
    "ROLLAND",  "CARON",     "AUBERT",   "GIRAUD",    "LECLERC",    "VIDAL",          "BOURGEOIS",
    "RENAUD",   "LEMOINE",   "PICARD",   "GAILLARD",  "PHILIPPE",   "LECLERCQ",       "LACROIX",
    "FABRE",    "DUPUIS",    "OLIVIER",  "RODRIGUEZ", "DA SILVA",   "HUBERT",         "LOUIS",
    "CHARLES",  "GUILLOT",   "RIVIÈRE",  "LE GALL",   "GUILLAUME",  "ADAM",           "RÉMY",
    "MOULIN",   "GONZALEZ",  "AUBRY",    "BENOÎT",    "LE ROUX",    "BOUCHER",        "DESCHAMPS",
    "HUET",     "LEBLANC",   "PASQUIER", "BOUVIER",   "SAINT-JUST", "DE LA FONTAINE", "LE BRIS",
    "BÉNARD",   "HADDAD"};
constexpr std::string_view kDaMale[] = {
    "Peter",    "Jens",     "Lars",   "Michael", "Henrik", "Søren",  "Thomas",    "Jan",
    "Niels",    "Anders",   "Morten", "Jesper",  "Mads",   "Rasmus", "Christian", "Martin",
    "Frederik", "Mikkel",   "Jørgen", "Poul",    "Bjørn",  "Kasper", "Jakob",     "Ole",
    "Torben",   "Kjeld",    "Bent",   "Aksel",   "Emil",   "Magnus", "Oskar",     "Valdemar",
    "Asger",    "Sørensen", "Jørn",   "Karl",    "Villum", "Carl",   "Noah",      "William"};
constexpr std::string_view kDaFemale[] = {
    "Anne",   "Kirsten",  "Mette", "Hanne",   "Anna",   "Helle",    "Susanne",   "Lene",
    "Maria",  "Marianne", "Lone",  "Camilla", "Pia",    "Louise",   "Charlotte", "Bente",
    "Inge",   "Tina",     "Gitte", "Karen",   "Søs",    "Birthe",   "Jytte",     "Ditte",
    "Freja",  "Ida",      "Sofie", "Emma",    "Clara",  "Astrid",   "Agnete",    "Bodil",
    "Dorthe", "Grethe",   "Tove",  "Åse",     "Sørine", "Mathilde", "Signe",     "Maja"};
constexpr std::string_view kDaLast[] = {
    "Jensen",   "Nielsen",      "Hansen",        "Pedersen",   "Andersen", "Christensen", "Larsen",
    "Sørensen", "Rasmussen",    "Jørgensen",     "Petersen",   "Madsen",   "Kristensen",  "Olsen",
    "Thomsen",  "Christiansen", "Poulsen",       "Johansen",   "Møller",   "Mortensen",   "Knudsen",
    "Jakobsen", "Mikkelsen",    "Frederiksen",   "Henriksen",  "Lund",     "Holm",        "Schmidt",
    "Eriksen",  "Kristiansen",  "Clausen",       "Simonsen",   "Svendsen", "Andreasen",   "Iversen",
    "Jeppesen", "Vestergaard",  "Møller-Hansen", "Østergaard", "Bækgaard", "Dalsgård",    "Søgaard",
    "Ærenlund", "Kjær",         "Bach",          "Friis"};
constexpr std::string_view kFrStreetTypes[] = {"rue",     "allée",  "chemin",  "impasse",
                                               "sentier", "square", "passage", "sente"};
// Plausible but uncommon street names, so that a synthetic address is
// unlikely to be anyone's real one.
constexpr std::string_view kFrStreetNames[] = {
    "des Myosotis",         "des Glycines",      "du Belvédère",     "des Hirondelles",
    "de la Source Claire",  "des Coquelicots",   "du Vieux Lavoir",  "des Mésanges",
    "de l'Arc-en-Ciel",     "des Bleuets",       "du Verger Fleuri", "des Érables Rouges",
    "des Saules Pleureurs", "du Pressoir",       "des Alouettes",    "de la Clairière",
    "des Libellules",       "du Cadran Solaire", "des Quatre Vents", "de la Roseraie"};
constexpr std::string_view kDaStreets[] = {
    "Humlebæksti", "Kløverløkken",   "Tranebærvej",    "Spurvehøj",      "Violstien",
    "Mågeklinten", "Hyldeblomstvej", "Ræveskrænten",   "Syrenlunden",    "Blåbærhaven",
    "Ålekistevej", "Tjørnekrogen",   "Kærmindevænget", "Pilevangsstien", "Hasselbakken",
    "Stæremosen",  "Lyngtoften",     "Æbleløkken",     "Birkemosestien", "Sølvgranvej"};
constexpr std::string_view kFrCities[] = {"Paris",
                                          "Marseille",
                                          "Lyon",
                                          "Toulouse",
                                          "Nice",
                                          "Nantes",
                                          "Montpellier",
                                          "Strasbourg",
                                          "Bordeaux",
                                          "Lille",
                                          "Rennes",
                                          "Reims",
                                          "Saint-Étienne",
                                          "Le Havre",
                                          "Toulon",
                                          "Grenoble",
                                          "Dijon",
                                          "Angers",
                                          "Nîmes",
                                          "Villeurbanne",
                                          "Clermont-Ferrand",
                                          "Le Mans",
                                          "Aix-en-Provence",
                                          "Brest",
                                          "Tours",
                                          "Amiens",
                                          "Limoges",
                                          "Annecy",
                                          "Besançon",
                                          "Orléans",
                                          "Rouen",
                                          "Mulhouse",
                                          "Caen",
                                          "Nancy",
                                          "Argenteuil",
                                          "Saint-Denis",
                                          "Ajaccio",
                                          "Bastia",
                                          "Pointe-à-Pitre",
                                          "Évry"};
constexpr std::string_view kDaCities[] = {
    "København", "Aarhus",        "Odense",      "Aalborg",    "Esbjerg",    "Randers",
    "Kolding",   "Horsens",       "Vejle",       "Roskilde",   "Herning",    "Hørsholm",
    "Helsingør", "Silkeborg",     "Næstved",     "Fredericia", "Viborg",     "Køge",
    "Holstebro", "Taastrup",      "Slagelse",    "Hillerød",   "Sønderborg", "Svendborg",
    "Hjørring",  "Frederikshavn", "Nørresundby", "Ringsted",   "Ølstykke",   "Haderslev"};
// ARCEP numbers reserved for fiction: 01 99 00, 02 61 91, 03 53 01,
// 04 65 71, 05 36 49, 06 39 98 — each followed by 4 digits.
constexpr std::string_view kFrFictionPrefixes[] = {"01 99 00", "02 61 91", "03 53 01",
                                                   "04 65 71", "05 36 49", "06 39 98"};
constexpr std::string_view kExampleDomains[] = {"example.com", "example.org", "example.net"};

class SyntheticTransform : public Transform {
 public:
  SyntheticTransform(std::string what, bool danish, const SecretBuffer& key)
      : what_(std::move(what)), danish_(danish), prf_(key) {}

  Status Apply(std::string_view v, const RowContext& row, std::string& out) override {
    out.clear();
    if (v.empty()) return Ok();
    // A synthetic value is never the row's own: on a match, draw again
    // (deterministically, from the next hash of the value).
    std::string salted(v);
    for (int attempt = 0; attempt < 16; ++attempt) {
      Make(Hash(salted), v, row, out);
      if (!EqualsIgnoringAsciiCase(out, v)) return Ok();
      salted += '\0';
    }
    return Ok();
  }

 private:
  void Make(const std::array<uint8_t, 32>& hash, std::string_view v, const RowContext& row,
            std::string& out) const {
    Draw draw(hash);
    if (what_ == "first_name") {
      bool female = row.sex == 'F' || (row.sex == 0 && draw.Below(2) == 0);
      out = Pick(draw, danish_ ? (female ? List(kDaFemale) : List(kDaMale))
                               : (female ? List(kFrFemale) : List(kFrMale)));
    } else if (what_ == "last_name") {
      out = Pick(draw, danish_ ? List(kDaLast) : List(kFrLast));
      // Keep the source's case convention: "PETIT" stays upper case, "Petit" does not.
      bool upper = std::none_of(v.begin(), v.end(), [](char c) { return c >= 'a' && c <= 'z'; });
      if (!upper && !danish_) out = Capitalized(out);
      if (upper && danish_) out = Upper(out);
    } else if (what_ == "address") {
      // One draw per statement, here and below: the operands of + and the
      // arguments of a call are evaluated in an unspecified order, which
      // GCC and clang do not share — a clang build made other values (the
      // vectors caught it). The order is the one release (GCC) builds have
      // always used, so no synthetic value changes
      // (tests/vectors/cordon/transforms.tsv).
      const uint64_t number = 1 + draw.Below(150);
      if (danish_) {
        out = std::string(Pick(draw, List(kDaStreets))) + " " + std::to_string(number);
      } else {
        const std::string name = Pick(draw, List(kFrStreetNames));
        const std::string type = Pick(draw, List(kFrStreetTypes));
        out = std::to_string(number) + " " + type + " " + name;
      }
    } else if (what_ == "city") {
      out = Pick(draw, danish_ ? List(kDaCities) : List(kFrCities));
    } else if (what_ == "phone") {
      const auto second_pair = static_cast<unsigned>(draw.Below(100));
      const auto first_pair = static_cast<unsigned>(draw.Below(100));
      char digits[16];
      (void)std::snprintf(digits, sizeof digits, "%02u %02u", first_pair, second_pair);
      if (danish_) {
        // Eight digits like every Danish number, but starting with 0: a
        // range never assigned to a subscriber.
        const uint64_t lead = draw.Below(10);
        out = "+45 0" + std::to_string(lead) + " " + digits + " ";
        const auto last = static_cast<unsigned>(draw.Below(100));
        if (last < 10) out += '0';
        out += std::to_string(last);
      } else {
        out = std::string(Pick(draw, List(kFrFictionPrefixes))) + " " + digits;
      }
    } else {  // email
      std::string first = Pick(draw, danish_ ? List(kDaFemale) : List(kFrFemale));
      std::string last = Pick(draw, danish_ ? List(kDaLast) : List(kFrLast));
      const std::string domain = Pick(draw, List(kExampleDomains));
      const uint64_t suffix = draw.Below(100);
      out = Ascii(first) + "." + Ascii(last) + std::to_string(suffix) + "@" + domain;
    }
  }

  // Successive numbers drawn from one 256-bit HMAC.
  struct Draw {
    std::array<uint8_t, 32> h;
    size_t at = 0;
    explicit Draw(std::array<uint8_t, 32> hash) : h(hash) {}
    uint64_t Below(uint64_t n) {
      uint64_t v = 0;
      for (int i = 0; i < 4; ++i) v = (v << 8) | h[(at++) % h.size()];
      return v % n;
    }
  };
  static std::string Pick(Draw& d, List list) { return std::string(list[d.Below(list.size())]); }

  std::array<uint8_t, 32> Hash(std::string_view v) const { return prf_.Mac(AsBytes(v)); }

  // "DUPONT" → "Dupont", "LE GALL" → "Le Gall", "GUÉRIN" → "Guérin".
  static std::string Capitalized(const std::string& s) {
    std::string out;
    bool start = true;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      auto u = static_cast<unsigned char>(c);
      if (u == 0xC3 && i + 1 < s.size() && !start) {  // É È Ê Ë Î Ï Ô Û Ç … → lower case
        out += c;
        out += static_cast<char>(static_cast<unsigned char>(s[++i]) | 0x20);
        continue;
      }
      out += start ? c : static_cast<char>(std::tolower(u));
      start = c == ' ' || c == '-' || c == '\'';
    }
    return out;
  }
  static std::string Upper(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      auto u = static_cast<unsigned char>(s[i]);
      if (u == 0xC3 && i + 1 < s.size()) {  // æ ø å → Æ Ø Å
        out += s[i];
        out += static_cast<char>(static_cast<unsigned char>(s[++i]) & ~0x20);
        continue;
      }
      out += static_cast<char>(std::toupper(u));
    }
    return out;
  }
  // For e-mail local parts: "Hélène" → "helene", "Søren" → "soren".
  static std::string Ascii(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      auto u = static_cast<unsigned char>(s[i]);
      if (u == 0xC3 && i + 1 < s.size()) {
        // C3 xx is Latin-1 U+00C0..U+00FF; | 0x20 folds capitals to lower case.
        unsigned n = ((static_cast<unsigned char>(s[++i]) & 0x3F) | 0xC0) | 0x20;
        static const char* kMap = "aaaaaaaceeeeiiiidnooooo/ouuuuyty";  // à..ÿ (0xE0..0xFF)
        char c = kMap[n - 0xE0];
        if (n == 0xE6) {
          out += "ae";
        } else if (n == 0xF8) {
          out += 'o';
        } else if (n == 0xE5) {
          out += "aa";
        } else {
          out += c;
        }
        continue;
      }
      if (std::isalnum(u)) out += static_cast<char>(std::tolower(u));
      if (u == '-' || u == ' ') out += '-';
    }
    return out;
  }

  std::string what_;
  bool danish_;
  crypto::HmacSha256Prf prf_;
};

}  // namespace

Result<std::unique_ptr<Transform>> MakeSynthetic(std::string_view what, std::string_view locale,
                                                 SecretBuffer key) {
  return Made<SyntheticTransform>(std::string(what), locale == "da", key);
}

}  // namespace cordon::pseudo
