// `cordon keygen` (age X25519 identities) and `cordon sign-keygen` (minisign
// signing keys).
#include <unistd.h>

#include <iostream>

#include "age/keys.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/diagnostic.h"
#include "sign/minisign.h"

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
  SecretBuffer file = age::FormatIdentityFile(identity, NowUtc());
  if (args.output.empty()) {
    if (::isatty(STDOUT_FILENO)) {
      std::cerr << FormatWarning(
          "writing a secret key to the terminal; use -o FILE to keep it in a file");
    }
    FdSink out(STDOUT_FILENO);
    return out.Write(file.RevealBytes());
  }
  CORDON_TRY(WriteFileAtomic(args.output, file.RevealBytes(), 0600, Overwrite::kRefuse));
  std::cout << identity.Recipient().Encode() << "\n";
  return Ok();
}

Status SignKeygen(const std::string& output) {
  sign::SecretKey key = sign::SecretKey::Generate();
  std::string pub_path = output + ".pub";
  if (PathExists(pub_path)) {
    return Error(ErrorCode::kAlreadyExists,
                 pub_path + " already exists; cordon does not overwrite it");
  }
  CORDON_TRY(WriteFileAtomic(output, key.Format().RevealBytes(), 0600, Overwrite::kRefuse));
  CORDON_TRY(
      WriteFileAtomic(pub_path, AsBytes(key.public_key().Format()), 0644, Overwrite::kRefuse));
  std::cout << "key id " << sign::KeyIdHex(key.key_id()) << "\n"
            << "secret key: " << output << " (keep it private)\n"
            << "public key: " << pub_path << " (give it to whoever verifies)\n";
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

  auto out = std::make_shared<std::string>();
  CLI::App* skg = app.add_subcommand("sign-keygen",
                                     "Create a minisign-compatible Ed25519 signing key pair.\n"
                                     "  cordon sign-keygen -o controller.key   writes "
                                     "controller.key (0600) and controller.key.pub");
  skg->add_option("-o,--output", *out, "secret key file; the public key goes to FILE.pub")
      ->required();
  skg->callback([out, exit_code] { *exit_code = Finish(SignKeygen(*out)); });
}

}  // namespace cordon::cli
