// `cordon keygen` (age X25519 identities) and `cordon sign-keygen` (minisign
// signing keys).
#include <unistd.h>

#include <iostream>
#include <optional>

#include "age/keys.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/diagnostic.h"
#include "core/utc_time.h"
#include "sign/minisign.h"
#include "sign/person.h"

namespace cordon::cli {
namespace {

struct KeygenArgs {
  std::string output;
  std::string convert;
};

Status Keygen(const KeygenArgs& args) {
  if (!args.convert.empty()) {
    CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(args.convert, 1 << 20));
    auto identities = age::ParseIdentityFile(text, args.convert);
    WipeBytes(text);
    if (!identities.ok()) return identities.error();
    for (const auto& id : *identities) std::cout << id.Recipient().Encode() << "\n";
    return Ok();
  }
  age::X25519Identity identity = age::X25519Identity::Generate();
  SecretBuffer file = age::FormatIdentityFile(identity, UtcNowText());
  if (args.output.empty()) {
    if (::isatty(STDOUT_FILENO)) {
      std::cerr << FormatWarning(
          "writing a secret key to the terminal; use -o FILE to keep it in a file");
    }
    FdSink out(STDOUT_FILENO);
    return out.Write(file.RevealBytes());
  }
  CORDON_TRY(WriteSecretFile(args.output, file));
  std::cout << identity.Recipient().Encode() << "\n";
  return Ok();
}

struct SignKeygenArgs {
  std::string output;
  std::string name;
};

Status SignKeygen(const SignKeygenArgs& a) {
  std::optional<sign::SecretKey> made;
  if (a.name.empty()) {
    made.emplace(sign::SecretKey::Generate());
  } else {
    CORDON_ASSIGN_OR_RETURN(sign::SecretKey personal, sign::SecretKey::GeneratePersonal(a.name));
    made.emplace(std::move(personal));
  }
  const sign::SecretKey& key = *made;
  const std::string pub_path = a.output + ".pub", statement_path = pub_path + ".minisig";
  for (const std::string& path : {pub_path, statement_path}) {
    if (PathExists(path)) {
      return Error(ErrorCode::kAlreadyExists,
                   path + " already exists; cordon does not overwrite it");
    }
  }
  std::optional<sign::Signature> statement;
  if (!key.person().empty()) {
    CORDON_ASSIGN_OR_RETURN(sign::Signature s, sign::SignKeyStatement(key));
    statement.emplace(std::move(s));
  }
  CORDON_TRY(WriteSecretFile(a.output, key.Format()));
  CORDON_TRY(
      WriteFileAtomic(pub_path, AsBytes(key.public_key().Format()), 0644, Overwrite::kRefuse));
  if (statement) {
    CORDON_TRY(
        WriteFileAtomic(statement_path, AsBytes(statement->Format()), 0644, Overwrite::kRefuse));
  }
  std::cout << "key id " << sign::KeyIdHex(key.key_id()) << "\n"
            << "secret key: " << a.output << " (keep it private)\n"
            << "public key: " << pub_path << " (give it to whoever verifies)\n";
  if (statement) {
    std::cout << "person: " << key.person() << ", in every signature it makes and in "
              << statement_path << " (minisign -Vm " << pub_path << " -p " << pub_path << ")\n";
  }
  return Ok();
}

}  // namespace

void RegisterKeyCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<KeygenArgs>();
  CLI::App* keygen = app.add_subcommand(
      "keygen",
      "Create an age X25519 identity (secret key) and print its recipient.\n"
      "  cordon keygen -o lab42.key        writes the key (mode 0600), prints age1…\n"
      "  cordon keygen -y lab42.key        prints the recipient of an existing key");
  keygen->add_option("-o,--output", args->output, "write the identity here (refuses to overwrite)");
  keygen->add_option("-y", args->convert, "print the recipient(s) of this identity file")
      ->excludes(keygen->get_option("--output"));
  keygen->callback([args, exit_code] { *exit_code = Finish(Keygen(*args)); });

  auto sk = std::make_shared<SignKeygenArgs>();
  CLI::App* skg = app.add_subcommand(
      "sign-keygen",
      "Create a minisign-compatible Ed25519 signing key pair; with --name, a personal key:\n"
      "every signature it makes names you, and the ledger records you by name.\n"
      "  cordon sign-keygen --name \"Olivier Martin\" -o olivier.key   writes olivier.key "
      "(0600),\n      olivier.key.pub and olivier.key.pub.minisig (the key's own signed "
      "statement of the name)");
  skg->add_option("-o,--output", sk->output, "secret key file; the public key goes to FILE.pub")
      ->required();
  skg->add_option("--name", sk->name,
                  "the person who holds the key, as they sign (not an e-mail address)");
  skg->callback([sk, exit_code] { *exit_code = Finish(SignKeygen(*sk)); });
}

}  // namespace cordon::cli
