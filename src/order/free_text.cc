#include "order/free_text.h"

#include <algorithm>
#include <cctype>

namespace cordon::order {

bool NameLooksFreeText(std::string_view column) {
  std::string upper;
  for (char c : column)
    upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  static const char* kPrefixes[] = {
      "COMMENT",   "COMMENTAIRE", "NOTE",        "OBS",        "REMARQUE", "REMARK",
      "TEXTE",     "TEXT",        "DESCRIPTION", "MEMO",       "MESSAGE",  "LIBRE",
      "NARRATIVE", "ANAMNESE",    "CONCLUSION",  "DIAGNOSTIC", "MOTIF"};
  for (const char* p : kPrefixes) {
    if (upper.rfind(p, 0) == 0) return true;
  }
  return upper.find("COMMENT") != std::string::npos || upper.find("REMARQUE") != std::string::npos;
}

void FreeTextSniffer::Add(std::string_view value) {
  if (value.empty()) return;
  ++non_empty_;
  size_t spaces = static_cast<size_t>(std::count(value.begin(), value.end(), ' '));
  if (value.size() >= 25 && spaces >= 3) ++prose_;
}

bool FreeTextSniffer::LooksFreeText() const { return non_empty_ > 0 && prose_ * 5 >= non_empty_; }

}  // namespace cordon::order
