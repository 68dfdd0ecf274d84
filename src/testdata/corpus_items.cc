#include "testdata/corpus_items.h"

#include <algorithm>

#include "testdata/lis_fr.h"

namespace cordon::testdata {

std::string Digits(Rng& r, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + r.Below(10)));
  return s;
}

std::string Pad(uint32_t v, int width) {
  std::string s = std::to_string(v);
  return std::string(static_cast<size_t>(std::max(0, width - static_cast<int>(s.size()))), '0') + s;
}

namespace {

int LuhnDigit(const std::string& body) {  // the check digit to append
  int sum = 0;
  bool dbl = true;
  for (size_t i = body.size(); i-- > 0;) {
    int d = body[i] - '0';
    if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    dbl = !dbl;
  }
  return (10 - sum % 10) % 10;
}

int IbanCheck(const std::string& country, const std::string& bban) {
  std::string s = bban + country + "00";
  int mod = 0;
  for (char c : s) mod = c >= 'A' ? (mod * 100 + (c - 'A' + 10)) % 97 : (mod * 10 + (c - '0')) % 97;
  return 98 - mod;
}

}  // namespace

std::string NirBody(Rng& r) {
  static const char* kDepts[] = {"75", "69", "13", "2A", "2B", "33", "59"};
  // One draw per statement: the operands of + are evaluated in an unspecified
  // order (GCC and clang differ); the order kept is the one GCC always used.
  const auto order = 1 + r.Below(999);
  const auto commune = 1 + r.Below(990);
  const char* dept = kDepts[r.Below(7)];
  const auto month = 1 + r.Below(12);
  const auto year = r.Below(100);
  const auto sex = 1 + r.Below(2);
  return std::to_string(sex) + Pad(year, 2) + Pad(month, 2) + dept + Pad(commune, 3) +
         Pad(order, 3);
}

namespace {

std::string Spaced(const std::string& nir) {
  return nir.substr(0, 1) + " " + nir.substr(1, 2) + " " + nir.substr(3, 2) + " " +
         nir.substr(5, 2) + " " + nir.substr(7, 3) + " " + nir.substr(10, 3) + " " +
         nir.substr(13, 2);
}

}  // namespace

Item Identifier(Rng& r, uint32_t kind) {
  switch (kind) {
    case 0: {
      std::string b = NirBody(r);
      std::string nir = b + Pad(static_cast<uint32_t>(NirKey(b)), 2);
      return {"nir", r.Below(3) == 0 ? Spaced(nir) : nir};
    }
    case 1: {
      // A CPR that satisfies mod 11 (so that the bare form is reported too).
      for (;;) {
        const std::string serial = Digits(r, 3);  // one draw per statement, GCC's order
        const auto year = r.Below(100);
        const auto month = 1 + r.Below(12);
        const auto day = 1 + r.Below(28);
        std::string c = Pad(day, 2) + Pad(month, 2) + Pad(year, 2) + "0" + serial;
        static const int kW[] = {4, 3, 2, 7, 6, 5, 4, 3, 2, 1};
        int sum = 0;
        for (int i = 0; i < 10; ++i) sum += (c[static_cast<size_t>(i)] - '0') * kW[i];
        if (sum % 11 == 0) return {"cpr", r.Below(2) ? c.substr(0, 6) + "-" + c.substr(6) : c};
      }
    }
    case 2: {
      std::string bban = Digits(r, 10) + "A" + Digits(r, 12);  // FR: 23 characters
      int check = IbanCheck("FR", bban);
      std::string iban = "FR" + Pad(static_cast<uint32_t>(check), 2) + bban;
      if (r.Below(2)) {
        std::string g;
        for (size_t i = 0; i < iban.size(); i += 4) g += (i ? " " : "") + iban.substr(i, 4);
        iban = g;
      }
      return {"iban", iban};
    }
    case 3: {
      std::string body = "4" + Digits(r, 14);
      std::string card = body + std::to_string(LuhnDigit(body));
      if (r.Below(2))
        card = card.substr(0, 4) + " " + card.substr(4, 4) + " " + card.substr(8, 4) + " " +
               card.substr(12);
      return {"card", card};
    }
    case 4: {
      static const char* kNames[] = {"jean.martin", "h.lefevre", "sophie_dubois", "k.jensen",
                                     "mette.hansen"};
      static const char* kDomains[] = {"orange.fr", "example.org", "mail.dk", "hopital-exemple.fr"};
      const char* domain = kDomains[r.Below(4)];  // one draw per statement, GCC's order
      const auto number = r.Below(100);
      const char* name = kNames[r.Below(5)];
      return {"email", std::string(name) + std::to_string(number) + "@" + domain};
    }
    default: {
      switch (r.Below(3)) {
        case 0:
          return {"phone", "0" + std::to_string(1 + r.Below(7)) + " " + Digits(r, 2) + " " +
                               Digits(r, 2) + " " + Digits(r, 2) + " " + Digits(r, 2)};
        case 1:
          return {"phone", "+33 6 " + Digits(r, 2) + " " + Digits(r, 2) + " " + Digits(r, 2) + " " +
                               Digits(r, 2)};
        default:
          return {"phone", "+45 " + std::to_string(2 + r.Below(8)) + Digits(r, 1) + " " +
                               Digits(r, 2) + " " + Digits(r, 2) + " " + Digits(r, 2)};
      }
    }
  }
}

Item Decoy(Rng& r, uint32_t kind) {
  switch (kind) {
    case 0: {  // NIR with a wrong key
      std::string b = NirBody(r);
      return {"", b + Pad(static_cast<uint32_t>(NirKey(b) % 97 + 1), 2)};
    }
    case 1:
      return {"", "3102" + Pad(r.Below(100), 2) + "-" + Digits(r, 4)};  // CPR: 31 February
    case 2: {  // IBAN with wrong check digits
      std::string bban = Digits(r, 10) + "A" + Digits(r, 12);
      return {"", "FR" + Pad(static_cast<uint32_t>(IbanCheck("FR", bban) % 97 + 1), 2) + bban};
    }
    case 3: {  // card failing Luhn
      std::string body = "4" + Digits(r, 14);
      return {"", body + std::to_string((LuhnDigit(body) + 1) % 10)};
    }
    case 4:
      return {"", "ORD" + Digits(r, 18)};  // long order numbers
    case 5: {                              // a NIR inside a longer digit run
      std::string b = NirBody(r);
      if (b[5] == '2' && (b[6] == 'A' || b[6] == 'B')) b[6] = '0';
      return {"", Digits(r, 3) + b + Pad(static_cast<uint32_t>(NirKey(b)), 2) + Digits(r, 2)};
    }
    default: {
      const auto patch = r.Below(50);  // one draw per statement, GCC's order
      const auto minor = r.Below(20);
      const auto major = r.Below(9);
      return {"", "v" + std::to_string(major) + "." + std::to_string(minor) + "." +
                      std::to_string(patch)};
    }
  }
}

Item Identifier(Rng& r) { return Identifier(r, r.Below(kIdentifierKinds)); }

Item Decoy(Rng& r) { return Decoy(r, r.Below(kDecoyKinds)); }

}  // namespace cordon::testdata
