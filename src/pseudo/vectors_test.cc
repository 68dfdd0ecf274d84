// Pins every transform's output for fixed inputs under a fixed key
// (tests/vectors/cordon/transforms.tsv): a change to a derivation, a tweak,
// cycle walking or a synthetic table would silently re-pseudonymize everyone
// and break joins with earlier extractions, so it must fail here first.
// tests/check_vectors.py re-derives the keyed outputs independently.
#include <gtest/gtest.h>

#include <sstream>

#include "order/value.h"
#include "pseudo/key.h"
#include "pseudo/transforms.h"
#include "testing/golden.h"

namespace cordon::pseudo {
namespace {

struct Case {
  std::string fate;
  std::string type = "text";
  std::string subject;
  char sex = 0;
  std::vector<RowIdentifier> identifiers;
  std::vector<std::string> inputs;
};

std::vector<Case> Cases() {
  const std::string kDate = "date:%d/%m/%Y";
  return {
      {"pseudonym", "text", "", 0, {}, {"12345", "DOSSIER-0001", "Élodie", ""}},
      {"pseudonym:nir",
       "text",
       "",
       0,
       {},
       {"184017645108964", "2 69 05 2A 123 456 88", "155129741101243"}},
      {"pseudonym:nir:keep=none", "text", "", 0, {}, {"184017645108964"}},
      {"pseudonym:nir:keep=sex,year", "text", "", 0, {}, {"184017645108964"}},
      {"pseudonym:cpr", "text", "", 0, {}, {"0707614005", "070761-4285"}},
      {"pseudonym:cpr:keep=none", "text", "", 0, {}, {"0707614005"}},
      {"fpe:digits", "text", "", 0, {}, {"0612345678", "06 12 34 56 78", "AB-123456-Z"}},
      {"shift-date:30", kDate, "P0001", 0, {}, {"15/03/1968", "01/01/2000"}},
      {"shift-date:30", kDate, "P0002", 0, {}, {"15/03/1968"}},
      {"shift-date:7", "date:%Y-%m-%d %H:%M", "P0001", 0, {}, {"2021-03-04 08:15"}},
      {"generalize:year", kDate, "", 0, {}, {"15/03/1968"}},
      {"generalize:month", kDate, "", 0, {}, {"15/03/1968"}},
      {"generalize:dept", "text", "", 0, {}, {"76000", "20167", "20200", "97411"}},
      {"generalize:age-band:10", "int", "", 0, {}, {"54", "0"}},
      {"generalize:age-band:5", kDate, "", 0, {}, {"15/03/1968"}},
      {"mask", "text", "", 0, {}, {"Dupont"}},
      {"mask:2", "text", "", 0, {}, {"Dupont-Éric"}},
      {"mask:1:2", "text", "", 0, {}, {"06 12 34 56 78"}},
      {"null", "text", "", 0, {}, {"anything"}},
      {"synthetic:first_name", "text", "", 'M', {}, {"Jean"}},
      {"synthetic:first_name", "text", "", 'F', {}, {"Marie"}},
      {"synthetic:last_name", "text", "", 0, {}, {"DUPONT", "Martin"}},
      {"synthetic:address", "text", "", 0, {}, {"12 rue de la Paix"}},
      {"synthetic:city", "text", "", 0, {}, {"Rouen"}},
      {"synthetic:phone", "text", "", 0, {}, {"06 12 34 56 78"}},
      {"synthetic:email", "text", "", 0, {}, {"jean.dupont@example.fr"}},
      {"synthetic:first_name:da", "text", "", 'F', {}, {"Mette"}},
      {"synthetic:last_name:da", "text", "", 0, {}, {"Jensen"}},
      {"synthetic:phone:da", "text", "", 0, {}, {"+45 20 12 34 56"}},
      {"redact",
       "text",
       "",
       0,
       {{"Dupont", "[NAME]"}, {"0611223344", "[PHONE]"}},
       {"Vu M. Dupont (tel 0611223344), NIR 1 84 01 76 451 089 64, mail j.d@example.fr"}},
  };
}

TEST(TransformVectors, EveryTransformGivesTodaysOutput) {
  auto key = PseudonymKey::Parse(AsBytes(
      std::string_view("CORDON-PSEUDONYM-KEY-1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")));
  ASSERT_TRUE(key.ok());
  const int32_t reference_day = *order::ParseIsoDate("2027-06-30");
  std::ostringstream out;
  out << "# cordon transform vectors: key " << key->id()
      << " (tests/vectors/cordon/pseudonym.key), domain \"vectors\", age reference day "
         "2027-06-30\n"
      << "# fate\ttype\tsubject\tsex\tidentifiers\tinput\toutput\n";
  for (const Case& c : Cases()) {
    auto fate = order::ParseFate(c.fate);
    ASSERT_TRUE(fate.ok()) << c.fate;
    auto type = order::ParseColumnType(c.type);
    ASSERT_TRUE(type.ok()) << c.type;
    TransformSetup setup{&*key, "vectors", *type, reference_day};
    auto transform = MakeTransform(*fate, setup);
    ASSERT_TRUE(transform.ok()) << c.fate << ": " << transform.error().message();
    RowContext row{c.subject, c.sex, c.identifiers};
    std::string ids;
    for (const auto& id : c.identifiers) {
      ids += (ids.empty() ? "" : "|") + std::string(id.value) + "=" + std::string(id.placeholder);
    }
    for (const std::string& input : c.inputs) {
      std::string result;
      Status applied = (*transform)->Apply(input, row, result);
      ASSERT_TRUE(applied.ok()) << c.fate << ": " << applied.error().message();
      out << c.fate << '\t' << c.type << '\t' << (c.subject.empty() ? "-" : c.subject) << '\t'
          << (c.sex ? std::string(1, c.sex) : "-") << '\t' << (ids.empty() ? "-" : ids) << '\t'
          << (input.empty() ? "-" : input) << '\t' << (result.empty() ? "-" : result) << '\n';
    }
  }
  test_support::ExpectMatchesVector("transforms.tsv", out.str());
}

}  // namespace
}  // namespace cordon::pseudo
