// `cordon remote ssh-key`: the SSH keys your decisions from the command
// line are signed with (issue 17). `add` proves to the exchange that you
// hold the key — ssh-keygen signs the exchange's registration document
// with it — so nobody registers a colleague's public key as their own.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "cli/remote_common.h"
#include "cli/ssh_keygen_sign.h"
#include "client/answer.h"
#include "client/ssh_keys.h"
#include "core/file.h"

namespace cordon::cli {
namespace {

constexpr size_t kMaxPublicKeyFile = 16 * 1024;

struct SshKeyArgs {
  RemoteArgs remote;
  std::string key;  // the private key file (its .pub beside it), or the .pub
  int64_t id = 0;
};

// KEY and KEY.pub, whichever was given: ssh-keygen signs with the private
// file (or, given the .pub, with the key in ssh-agent); the exchange takes
// the public line.
struct KeyPaths {
  std::string sign_with, public_file;
};
KeyPaths PathsOf(const std::string& key) {
  if (key.size() > 4 && key.ends_with(".pub")) return {key, key};
  return {key, key + ".pub"};
}

void PrintKey(const nlohmann::json& k) {
  std::cout << "ssh key " << client::IntField(k, "id") << "  " << client::TextField(k, "key_type")
            << "  " << client::TextField(k, "fingerprint")
            << (client::BoolField(k, "security_key") ? "  security key" : "  key file")
            << (client::TextField(k, "revoked_at").empty() ? "" : "  REVOKED") << "\n";
}

Status Add(const SshKeyArgs& a) {
  const KeyPaths paths = PathsOf(a.key);
  CORDON_ASSIGN_OR_RETURN(Bytes pub, ReadRegularFileLimited(paths.public_file, kMaxPublicKeyFile));
  const std::string line(pub.begin(), pub.end());
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  CORDON_ASSIGN_OR_RETURN(client::SshKeyProofRequest asked, client::AskSshKeyProof(c, line));
  std::cerr << "cordon remote: signing the registration with " << paths.sign_with
            << " (touch your security key if it blinks)\n";
  CORDON_ASSIGN_OR_RETURN(std::string proof,
                          SignWithSshKeygen(paths.sign_with, asked.ns, asked.document));
  CORDON_ASSIGN_OR_RETURN(nlohmann::json k, client::RegisterSshKey(c, line, proof));
  Print(a.remote, k, [&] {
    PrintKey(k);
    std::cerr << "your decisions from the command line are now signed with it: "
                 "cordon remote grant approve ID --sign-with "
              << paths.sign_with << "\n";
    if (!client::BoolField(k, "security_key")) {
      std::cerr << "note: a key file; a security key (ssh-keygen -t ed25519-sk) keeps the "
                   "private key off the disk and asks for a touch on each signature\n";
    }
  });
  return Ok();
}

Status List(const RemoteArgs& r) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(r));
  CORDON_ASSIGN_OR_RETURN(nlohmann::json j, client::ListSshKeys(c));
  Print(r, j, [&] {
    const nlohmann::json& keys = client::ArrayField(j, "ssh_keys");
    if (keys.empty()) std::cout << "no SSH signing key: cordon remote ssh-key add KEY\n";
    for (const auto& k : keys) PrintKey(k);
  });
  return Ok();
}

Status Revoke(const SshKeyArgs& a) {
  CORDON_ASSIGN_OR_RETURN(client::Connection c, Connect(a.remote));
  CORDON_ASSIGN_OR_RETURN(nlohmann::json j, client::RevokeSshKey(c, a.id));
  Print(a.remote, j, [&] { std::cout << "ssh key " << a.id << " revoked\n"; });
  return Ok();
}

}  // namespace

void RegisterRemoteSshKeyCommands(CLI::App* remote, const std::shared_ptr<RemoteArgs>& ra,
                                  int* exit_code) {
  auto a = std::make_shared<SshKeyArgs>();
  CLI::App* cmd = remote->add_subcommand(
      "ssh-key", "The SSH keys your decisions from the command line are signed with.");
  cmd->require_subcommand(1);
  cmd->footer(
      "Once you registered a key, your decisions on grants are signatures by it (an SSHSIG\n"
      "anyone checks with ssh-keygen -Y verify), and unsigned ones are refused.\n"
      "A security key is recommended:\n"
      "  ssh-keygen -t ed25519-sk -O verify-required -f ~/.ssh/id_cordon_sk\n"
      "  cordon remote ssh-key add ~/.ssh/id_cordon_sk\n"
      "  cordon remote grant approve 12 --sign-with ~/.ssh/id_cordon_sk");
  CLI::App* add = cmd->add_subcommand(
      "add", "Register a key: ssh-keygen signs the exchange's registration document with it.");
  add->add_option("KEY", a->key,
                  "the private key file (KEY.pub beside it), or KEY.pub for a key in "
                  "ssh-agent")
      ->required();
  add->callback([ra, a, exit_code] {
    a->remote = *ra;
    *exit_code = Finish(Add(*a));
  });
  cmd->add_subcommand("list", "Your SSH signing keys.")->callback([ra, exit_code] {
    *exit_code = Finish(List(*ra));
  });
  CLI::App* revoke = cmd->add_subcommand("revoke", "Retire one of your keys for good.");
  revoke->add_option("ID", a->id, "the key's id (cordon remote ssh-key list)")->required();
  revoke->callback([ra, a, exit_code] {
    a->remote = *ra;
    *exit_code = Finish(Revoke(*a));
  });
}

}  // namespace cordon::cli
