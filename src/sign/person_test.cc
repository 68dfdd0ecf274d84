#include "sign/person.h"

#include <gtest/gtest.h>

namespace cordon::sign {
namespace {

TEST(Person, NamesArePeopleNotAddressesOrIdentifiers) {
  EXPECT_EQ(*CheckPersonName("  Olivier Martin "), "Olivier Martin");
  EXPECT_TRUE(CheckPersonName("Amélie Łukasz-Ørsted").ok());
  for (const char* bad :
       {"olivier@vendor.example", "Olivier Martin 0612345678", "O", "", "   ", "Olivier\tMartin",
        "person:x", "Olivier\nMartin", "-- --", "\xff\xfe name"}) {
    auto r = CheckPersonName(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_NE(CheckPersonName("olivier@vendor.example").error().message().find("e-mail"),
            std::string::npos);
  EXPECT_FALSE(SecretKey::GeneratePersonal("rachel@lab42.example").ok());
}

TEST(Person, EverySignatureOfAPersonalKeyNamesItsHolder) {
  auto key = SecretKey::GeneratePersonal("Olivier Martin");
  ASSERT_TRUE(key.ok());
  // The name survives the key file.
  auto reread = SecretKey::Parse(key->Format().RevealBytes());
  ASSERT_TRUE(reread.ok()) << reread.error().message();
  EXPECT_EQ(reread->person(), "Olivier Martin");
  EXPECT_EQ(reread->key_id(), key->key_id());
  MemorySource m(AsBytes("manifest"));
  auto sig = Sign(*reread, m, "cordon manifest of order T1");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->trusted_comment, "cordon manifest of order T1\tperson:Olivier Martin");
  MemorySource again(AsBytes("manifest"));
  auto person = VerifiedPerson(key->public_key(), *sig, again);
  ASSERT_TRUE(person.ok());
  EXPECT_EQ(person->value_or(""), "Olivier Martin");
  // A forged name breaks the signature.
  Signature forged = *sig;
  forged.trusted_comment = "cordon manifest of order T1\tperson:Someone Else";
  MemorySource third(AsBytes("manifest"));
  EXPECT_EQ(VerifiedPerson(key->public_key(), forged, third).error().code(),
            ErrorCode::kAuthFailed);
  // Only the key names a person; a key that names nobody signs as before.
  MemorySource m2(AsBytes("x"));
  EXPECT_FALSE(Sign(SecretKey::Generate(), m2, "ok\tperson:Someone Else").ok());
  MemorySource m3(AsBytes("x"));
  auto anonymous = Sign(SecretKey::Generate(), m3, "ok");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->trusted_comment, "ok");
  EXPECT_FALSE(PersonInTrustedComment(anonymous->trusted_comment).has_value());
}

TEST(Person, TheKeyStatementProvesTheNameOfAPublicKey) {
  auto key = SecretKey::GeneratePersonal("Rachel Petit");
  ASSERT_TRUE(key.ok());
  const std::string pub = key->public_key().Format();
  auto statement = SignKeyStatement(*key);
  ASSERT_TRUE(statement.ok());
  auto person = PersonOfPublicKey(pub, statement->Format());
  ASSERT_TRUE(person.ok()) << person.error().message();
  EXPECT_EQ(*person, "Rachel Petit");
  // Another key's statement, or an edited .pub file, proves nothing.
  auto other = SecretKey::GeneratePersonal("Eve Intruder");
  EXPECT_FALSE(PersonOfPublicKey(pub, SignKeyStatement(*other)->Format()).ok());
  std::string edited = pub;
  edited.insert(edited.find('\n'), " (Eve Intruder)");
  EXPECT_EQ(PersonOfPublicKey(edited, statement->Format()).error().code(), ErrorCode::kAuthFailed);
  EXPECT_FALSE(SignKeyStatement(SecretKey::Generate()).ok());
}

}  // namespace
}  // namespace cordon::sign
