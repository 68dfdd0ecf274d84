// Free-text detection: the columns where diagnoses, phone numbers and
// relatives' names hide (CNIL SAN-2022-009 §45: "commentaire P/D"). Kept
// free text must be a deliberate decision ("keep:free-text").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cordon::order {

// True when the column name says free text (COMMENT*, NOTE*, OBS*, REMARQUE*,
// TEXTE*, DESCRIPTION*, MEMO*, LIBELLE_LIBRE*, MESSAGE*, …; any case).
bool NameLooksFreeText(std::string_view column);

// Accumulates a sample of a column's values and says whether they read like
// prose: long values with several spaces in a good share of the non-empty ones.
class FreeTextSniffer {
 public:
  void Add(std::string_view value);
  bool LooksFreeText() const;

 private:
  size_t non_empty_ = 0;
  size_t prose_ = 0;
};

}  // namespace cordon::order
