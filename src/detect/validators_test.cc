#include "detect/validators.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>

namespace cordon::detect {
namespace {

constexpr auto kNone = Confidence::kNone;
constexpr auto kMedium = Confidence::kMedium;
constexpr auto kHigh = Confidence::kHigh;

TEST(Nir, AcceptsValidNumbersPlainAndGrouped) {
  // Keys checked with an independent implementation (Python, 97 - int(body) % 97).
  EXPECT_EQ(ValidateNir("184127645108946"), kHigh);
  EXPECT_EQ(ValidateNir("1 84 12 76 451 089 46"), kHigh);
  EXPECT_EQ(ValidateNir("1-84-12-76-451-089-46"), kHigh);  // forms and exports
  EXPECT_EQ(ValidateNir("1.84.12.76.451.089.46"), kHigh);
  EXPECT_EQ(ValidateNir("255081416802538"), kHigh);
  EXPECT_EQ(ValidateNir("184122A12345697"), kHigh);  // Corsica: 2A counts as 19
  EXPECT_EQ(ValidateNir("269039712345684"), kHigh);  // overseas 97x
  EXPECT_EQ(NirKey("184122A123456"), 97);
  EXPECT_EQ(NirKey("184122B123456"), 97 - static_cast<int>(1841218123456ULL % 97));
}

TEST(Nir, RejectsWrongKeysShapesAndImpossibleFields) {
  EXPECT_EQ(ValidateNir("184127645108947"), kNone);       // key off by one
  EXPECT_EQ(ValidateNir("384127645108946"), kNone);       // sex digit 3
  EXPECT_EQ(ValidateNir("184137645108946"), kNone);       // month 13 (not a special range)
  EXPECT_EQ(ValidateNir("184120045108946"), kNone);       // department 00
  EXPECT_EQ(ValidateNir("184122C12345697"), kNone);       // no department 2C
  EXPECT_EQ(ValidateNir("18412764510894"), kNone);        // 14 characters
  EXPECT_EQ(ValidateNir("1 84 12 76 451 08946"), kNone);  // wrong grouping
  EXPECT_EQ(ValidateNir("1  84 12 76 451 089 46"), kNone);
  EXPECT_EQ(ValidateNir("1-84 12 76 451 089 46"), kNone);  // one separator throughout
  EXPECT_EQ(ValidateNir("1 84 12 76 451.089 46"), kNone);
  EXPECT_EQ(ValidateNir("1/84/12/76/451/089/46"), kNone);
  EXPECT_EQ(ValidateNir("1-84-12-76-451-089-47"), kNone);  // key still checked
  EXPECT_EQ(ValidateNir("1841276451089460"), kNone);
  EXPECT_EQ(ValidateNir(""), kNone);
}

TEST(Nir, AcceptsUnknownMonthRangesAndTemporaryNumbers) {
  // Same body with month 30 (unknown month) and sex 7 (temporary number).
  std::string body = "1843076451089";
  char key[3];
  std::snprintf(key, sizeof key, "%02d", NirKey(body));
  EXPECT_EQ(ValidateNir(body + key), kHigh);
  std::string temp = "7841276451089";
  std::snprintf(key, sizeof key, "%02d", NirKey(temp));
  EXPECT_EQ(ValidateNir(temp + key), kHigh);
}

TEST(Cpr, UsesTheCenturyTableAndModEleven) {
  EXPECT_EQ(ValidateCpr("070761-4285"), kHigh);
  EXPECT_EQ(ValidateCpr("0707614285"), kHigh);
  EXPECT_EQ(ValidateCpr("1111111118"), kHigh);
  EXPECT_EQ(ValidateCpr("010150-3007"), kMedium);  // real date, fails mod 11 (allowed since 2007)
  EXPECT_EQ(ValidateCpr("0101503007"), kNone);     // … but not as ten bare digits
  EXPECT_EQ(ValidateCpr("290200-4004"), kMedium);  // 7th digit 4, 00 → 2000: a leap year
  EXPECT_EQ(ValidateCpr("290200-0004"), kNone);    // 7th digit 0 → 1900: not a leap year
  EXPECT_EQ(ValidateCpr("290201-4004"), kNone);    // 2001 is not a leap year
  EXPECT_EQ(ValidateCpr("300200-1234"), kNone);    // 30 February
  EXPECT_EQ(ValidateCpr("321299-1234"), kNone);    // day 32
  EXPECT_EQ(ValidateCpr("070761 4285"), kNone);
  EXPECT_EQ(ValidateCpr("07076142851"), kNone);
  EXPECT_EQ(ValidateCpr("0707a14285"), kNone);
}

TEST(Iban, AcceptsRegistryExamplesWithOrWithoutSpaces) {
  EXPECT_EQ(ValidateIban("GB82WEST12345698765432"), kHigh);
  EXPECT_EQ(ValidateIban("GB82 WEST 1234 5698 7654 32"), kHigh);
  EXPECT_EQ(ValidateIban("FR1420041010050500013M02606"), kHigh);
  EXPECT_EQ(ValidateIban("FR14 2004 1010 0505 0001 3M02 606"), kHigh);
  EXPECT_EQ(ValidateIban("DE89370400440532013000"), kHigh);
  EXPECT_EQ(ValidateIban("DK5000400440116243"), kHigh);
}

TEST(Iban, RejectsBadCheckDigitsLengthsAndCountries) {
  EXPECT_EQ(ValidateIban("GB83WEST12345698765432"), kNone);  // check digits
  EXPECT_EQ(ValidateIban("GB82WEST1234569876543"), kNone);   // length
  EXPECT_EQ(ValidateIban("XX82WEST12345698765432"), kNone);  // no such country
  EXPECT_EQ(ValidateIban("gb82west12345698765432"), kNone);  // lowercase
  EXPECT_EQ(ValidateIban("GB82 WEST  1234 5698 7654 32"), kNone);
  EXPECT_EQ(ValidateIban("GB82 WES T1234 5698 7654 32"), kNone);
}

// ISO 7064 MOD 97-10 catches every substituted character and every swap of
// two adjacent different ones when the number's length stays (a digit for a
// digit, a capital for a capital: 10 and 100 are prime to 97, and no change
// of a value reaches 97). Each such change of a valid IBAN, grouped or not,
// the check digits and the country included, must be refused.
TEST(Iban, EverySubstitutionAndAdjacentSwapIsRefused) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const std::string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  int tried = 0;
  for (const std::string valid :
       {"GB82WEST12345698765432", "FR1420041010050500013M02606", "DE89370400440532013000",
        "DK5000400440116243", "NO9386011117947", "MT84MALT011000012345MTLCAST001S",
        "FR14 2004 1010 0505 0001 3M02 606"}) {
    ASSERT_EQ(ValidateIban(valid), Confidence::kHigh) << valid;
    for (size_t i = 0; i < valid.size(); ++i) {
      if (valid[i] == ' ') continue;
      for (char c : alphabet) {
        if (c == valid[i] || digit(c) != digit(valid[i])) continue;
        std::string changed = valid;
        changed[i] = c;
        EXPECT_EQ(ValidateIban(changed), Confidence::kNone) << changed;
        ++tried;
      }
      const char next = i + 1 < valid.size() ? valid[i + 1] : ' ';
      if (next != ' ' && next != valid[i] && digit(next) == digit(valid[i])) {
        std::string swapped = valid;
        std::swap(swapped[i], swapped[i + 1]);
        EXPECT_EQ(ValidateIban(swapped), Confidence::kNone) << swapped;
        ++tried;
      }
    }
  }
  EXPECT_GT(tried, 1500);
}

TEST(Card, AcceptsLuhnValidNumbersInKnownRanges) {
  EXPECT_EQ(ValidateCard("4111111111111111"), kHigh);
  EXPECT_EQ(ValidateCard("4111 1111 1111 1111"), kHigh);
  EXPECT_EQ(ValidateCard("4111-1111-1111-1111"), kHigh);
  EXPECT_EQ(ValidateCard("5555555555554444"), kHigh);
  EXPECT_EQ(ValidateCard("2223003122003222"), kHigh);  // Mastercard 2-series
  EXPECT_EQ(ValidateCard("378282246310005"), kHigh);
  EXPECT_EQ(ValidateCard("6011111111111117"), kHigh);
  EXPECT_EQ(ValidateCard("3530111333300000"), kHigh);
}

TEST(Card, RejectsLuhnFailuresUnknownRangesAndMixedSeparators) {
  EXPECT_EQ(ValidateCard("4111111111111112"), kNone);
  EXPECT_EQ(ValidateCard("1111111111111117"), kNone);  // Luhn-valid, no issuer starts with 1
  EXPECT_EQ(ValidateCard("4111 1111-1111 1111"), kNone);
  EXPECT_EQ(ValidateCard("4111  1111 1111 1111"), kNone);
  EXPECT_EQ(ValidateCard("411111111111"), kNone);  // too short
  EXPECT_EQ(ValidateCard("3782822463100052"), kNone);
  EXPECT_EQ(ValidateCard("3782 822463 10005"), kHigh);  // Amex printed 4-6-5
  // Found by the labelled corpus: a spaced NIR and one more digit is no card.
  EXPECT_EQ(ValidateCard("2 59 08 75 123 456 78 4"), kNone);  // Luhn-valid, but Amex has 15 digits
}

TEST(Email, AcceptsCommonAddressesAndRejectsLookAlikes) {
  EXPECT_EQ(ValidateEmail("jean.dupont@orange.fr"), kHigh);
  EXPECT_EQ(ValidateEmail("j+tag@mail.example.com"), kHigh);
  EXPECT_EQ(ValidateEmail("a@b"), kNone);
  EXPECT_EQ(ValidateEmail("user@localhost"), kNone);
  EXPECT_EQ(ValidateEmail("a..b@orange.fr"), kNone);
  EXPECT_EQ(ValidateEmail(".a@orange.fr"), kNone);
  EXPECT_EQ(ValidateEmail("a@-orange.fr"), kNone);
  EXPECT_EQ(ValidateEmail("a@orange.f1"), kNone);
  EXPECT_EQ(ValidateEmail("a@@orange.fr"), kNone);
  EXPECT_EQ(ValidateEmail("pkg@1.2.3"), kNone);  // a version, not an address
  EXPECT_EQ(ValidateEmail(std::string(65, 'a') + "@x.fr"), kNone);
}

TEST(Phone, FrenchDanishAndE164) {
  EXPECT_EQ(ValidatePhone("06 12 34 56 78"), kHigh);
  EXPECT_EQ(ValidatePhone("06.12.34.56.78"), kHigh);
  EXPECT_EQ(ValidatePhone("01-45-67-89-10"), kHigh);
  EXPECT_EQ(ValidatePhone("0612345678"), kMedium);
  EXPECT_EQ(ValidatePhone("+33 6 12 34 56 78"), kHigh);
  EXPECT_EQ(ValidatePhone("+33612345678"), kHigh);
  EXPECT_EQ(ValidatePhone("+45 20 12 34 56"), kHigh);
  EXPECT_EQ(ValidatePhone("+4520123456"), kHigh);
  EXPECT_EQ(ValidatePhone("+44 20 7946 0958"), kMedium);
  EXPECT_EQ(ValidatePhone("00 12 34 56 78"), kNone);  // 00 is not a French prefix
  // "00", the international prefix dialled from Europe: France and Denmark
  // by their plans, any other country not on length alone.
  EXPECT_EQ(ValidatePhone("0033 6 12 34 56 78"), kHigh);
  EXPECT_EQ(ValidatePhone("0033612345678"), kHigh);
  EXPECT_EQ(ValidatePhone("0033-6-12-34-56-78"), kHigh);
  EXPECT_EQ(ValidatePhone("0045 20 12 34 56"), kHigh);
  EXPECT_EQ(ValidatePhone("004520123456"), kHigh);
  EXPECT_EQ(ValidatePhone("0033 0 12 34 56 78"), kNone);
  EXPECT_EQ(ValidatePhone("0045 10 12 34 56"), kNone);
  EXPECT_EQ(ValidatePhone("0044 20 7946 0958"), kNone);
  EXPECT_EQ(ValidatePhone("00 33 6 12 34 56 78"), kNone);
  EXPECT_EQ(ValidatePhone("000033612345678"), kNone);
  EXPECT_EQ(ValidatePhone("06 12 34 56 7"), kNone);
  EXPECT_EQ(ValidatePhone("06 12.34 56 78"), kNone);
  EXPECT_EQ(ValidatePhone("+33 0 12 34 56 78"), kNone);
  EXPECT_EQ(ValidatePhone("+45 10 12 34 56"), kNone);  // Danish numbers start 2–9
  EXPECT_EQ(ValidatePhone("+1234"), kNone);
}

TEST(Validate, DispatchesByKind) {
  EXPECT_EQ(Validate(Kind::kNir, "184127645108946"), kHigh);
  EXPECT_EQ(Validate(Kind::kCpr, "184127645108946"), kNone);
  EXPECT_EQ(KindName(Kind::kIban), "iban");
}

// The fast path for 16-digit cards answers as the general path does, on
// the shapes it takes (bare, 4 4 4 4 with spaces or dashes) and on near
// misses of them: a digit changed, a separator moved or mixed, a letter,
// a byte from 0x80 up, ':' and '/' (just past and before the digits).
TEST(Card, FastPathAgreesWithTheGeneralOne) {
  std::mt19937 rng(16);
  const std::string noise = "0123456789 -:/Ax\x80";
  int accepted = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string digits(16, '0');
    digits[0] = static_cast<char>('2' + rng() % 5);
    for (size_t i = 1; i < 16; ++i) digits[i] = static_cast<char>('0' + rng() % 10);
    std::string text = digits;
    if (rng() % 2 == 0) {
      const char sep = rng() % 2 == 0 ? ' ' : '-';
      text = digits.substr(0, 4) + sep + digits.substr(4, 4) + sep + digits.substr(8, 4) + sep +
             digits.substr(12, 4);
    }
    for (int m = static_cast<int>(rng() % 3); m > 0; --m) {
      text[rng() % text.size()] = noise[rng() % noise.size()];
    }
    const Confidence fast = ValidateCard(text), general = internal::ValidateCardAnyShape(text);
    ASSERT_EQ(fast, general) << "\"" << text << "\"";
    accepted += fast != Confidence::kNone;
  }
  EXPECT_GT(accepted, 1000);  // valid numbers were among them, not only rejections
}

}  // namespace
}  // namespace cordon::detect
