// `cordon sign` and `cordon verify`: minisign-compatible signatures; and
// `cordon verify --allowed-signers`, the check of a passkey's SSH signature
// (a DPO's order, an approver's grant decision) as `ssh-keygen -Y verify`
// does it, plus the user-verification flag ssh-keygen does not check.
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/signing_key_files.h"
#include "core/diagnostic.h"
#include "sign/minisign.h"
#include "ssh/allowed_signers.h"

namespace cordon::cli {
namespace {

constexpr size_t kMaxSignatureFile = 8 * 1024;

struct SignArgs {
  std::string key;
  std::string trusted_comment;
  std::string signature;
  std::string input;
};

struct VerifyArgs {
  std::string public_key_file;
  std::string public_key;
  std::string signature;
  bool json = false;
  std::vector<std::string> inputs;  // one for minisign; one or more for SSH
  // SSH signatures (ssh-keygen -Y verify's -f, -I, -n).
  std::string allowed_signers;
  std::string identity;
  std::string ns;
};

// Signed documents are orders and decisions (kilobytes); SSHSIG hashes the
// whole message, which is read at once.
constexpr size_t kMaxSshSignedFile = 64 << 20;

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status Sign(const SignArgs& args) {
  CORDON_ASSIGN_OR_RETURN(sign::SecretKey key, LoadSigningKey(args.key));
  std::string comment = args.trusted_comment;
  if (comment.empty()) {
    // minisign's default trusted comment, so both tools show the same thing.
    comment = "timestamp:" + std::to_string(std::time(nullptr)) + "\tfile:" + BaseName(args.input) +
              "\thashed";
  }
  CORDON_ASSIGN_OR_RETURN(Input in, Input::Open(args.input));
  auto sig = sign::Sign(key, in.source(), comment);
  if (!sig.ok()) return sig.error().WithContext(args.input);
  std::string path = args.signature.empty() ? args.input + ".minisig" : args.signature;
  CORDON_TRY(WriteFileAtomic(path, AsBytes(sig->Format())));
  return Ok();
}

// One SSH signature: FILE.sig (or -x) over FILE, by a key whose
// allowed_signers line names `identity`, for `ns`, now.
Status VerifyOneSsh(const VerifyArgs& args, const std::vector<ssh::AllowedSigner>& signers,
                    const std::string& input) {
  const std::string sig_path = args.signature.empty() ? input + ".sig" : args.signature;
  auto checked = [&]() -> Result<ssh::AllowedSignature> {
    CORDON_ASSIGN_OR_RETURN(Bytes sig_text, ReadFileLimited(sig_path, kMaxSignatureFile));
    CORDON_ASSIGN_OR_RETURN(Bytes message, ReadFileLimited(input, kMaxSshSignedFile));
    auto sig = ssh::VerifyWithAllowedSigners(AsChars(sig_text), message, signers, args.ns,
                                             static_cast<int64_t>(std::time(nullptr)));
    if (!sig.ok()) return sig.error().WithContext(sig_path);
    for (const auto& p : sig->principals) {
      if (ssh::MatchPatternList(args.identity, p)) return sig;
    }
    return Error(ErrorCode::kAuthFailed,
                 "the signature is valid, but its key is not " + args.identity + "'s",
                 "the allowed_signers line of this key names someone else");
  }();
  if (args.json) {
    nlohmann::json j = {{"file", input},
                        {"signature", sig_path},
                        {"identity", args.identity},
                        {"namespace", args.ns},
                        {"verified", checked.ok()}};
    if (checked.ok()) j["fingerprint"] = checked->fingerprint;
    if (!checked.ok()) j["error"] = checked.error().message();
    std::cout << j.dump() << "\n";
  } else if (checked.ok()) {
    // ssh-keygen's words, so that scripts and people read one answer.
    std::cout << "Good \"" << args.ns << "\" signature for " << args.identity << " with "
              << "sk-ecdsa-sha2-nistp256@openssh.com key " << checked->fingerprint << "\n";
  }
  if (!checked.ok()) return checked.error();
  return Ok();
}

// The SSH mode: every FILE checked (an auditor checks a grant's or an
// order's signatures in one run); the first failure is the exit status,
// after every file has been reported.
Status VerifySsh(const VerifyArgs& args) {
  if (args.identity.empty() || args.ns.empty()) {
    return Error(ErrorCode::kInvalidArgument, "an SSH signature is checked for someone and a use",
                 "pass -I IDENTITY (the signer's e-mail in allowed_signers) and -n NAMESPACE "
                 "(cordon-order@HOST or cordon-grant@HOST)");
  }
  if (!args.signature.empty() && args.inputs.size() > 1) {
    return Error(ErrorCode::kInvalidArgument, "-x names one signature file, for one FILE",
                 "with several files, each is checked against FILE.sig");
  }
  CORDON_ASSIGN_OR_RETURN(Bytes list, ReadFileLimited(args.allowed_signers, 16 << 20));
  auto signers = ssh::ParseAllowedSigners(AsChars(list));
  if (!signers.ok()) return signers.error().WithContext(args.allowed_signers);
  Status first = Ok();
  for (const std::string& input : args.inputs) {
    Status one = VerifyOneSsh(args, *signers, input);
    if (!one.ok() && first.ok()) first = one;
    if (!one.ok() && args.inputs.size() > 1 && !args.json) {
      std::cerr << "cordon: " << input << ": " << one.error().message() << "\n";
    }
  }
  return first;
}

Status Verify(const VerifyArgs& args) {
  if (!args.allowed_signers.empty()) return VerifySsh(args);
  if (args.inputs.size() != 1) {
    return Error(ErrorCode::kInvalidArgument, "a minisign signature is checked one file at a time");
  }
  const std::string& input = args.inputs.front();
  std::string key_text = args.public_key;
  if (!args.public_key_file.empty()) {
    CORDON_ASSIGN_OR_RETURN(Bytes raw, ReadFileLimited(args.public_key_file, 4096));
    key_text.assign(AsChars(raw));
  }
  if (key_text.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no public key given",
                 "pass -p FILE.pub (or -P with the key's base64 line)");
  }
  auto key = sign::PublicKey::Parse(key_text);
  if (!key.ok())
    return key.error().WithContext(args.public_key_file.empty() ? "-P" : args.public_key_file);
  std::string sig_path = args.signature.empty() ? input + ".minisig" : args.signature;
  CORDON_ASSIGN_OR_RETURN(Bytes sig_text, ReadFileLimited(sig_path, kMaxSignatureFile));
  auto sig = sign::Signature::Parse(AsChars(sig_text));
  if (!sig.ok()) return sig.error().WithContext(sig_path);
  CORDON_ASSIGN_OR_RETURN(Input in, Input::Open(input));
  Status verified = sign::Verify(*key, *sig, in.source());
  if (args.json) {
    nlohmann::json j = {{"file", input},
                        {"signature", sig_path},
                        {"key_id", sign::KeyIdHex(sig->key_id)},
                        {"verified", verified.ok()}};
    if (verified.ok()) j["trusted_comment"] = sig->trusted_comment;
    if (!verified.ok()) j["error"] = verified.error().message();
    std::cout << j.dump() << "\n";
  }
  if (!verified.ok()) return verified.error().WithContext(input);
  if (!args.json) std::cout << "trusted comment: " << sig->trusted_comment << "\n";
  return Ok();
}

}  // namespace

void RegisterSignCommands(CLI::App& app, int* exit_code) {
  auto sargs = std::make_shared<SignArgs>();
  CLI::App* s = app.add_subcommand(
      "sign",
      "Sign a file (Ed25519 over its BLAKE2b-512 hash, as minisign does). Writes FILE.minisig,\n"
      "which `minisign -V` and `cordon verify` check.\n"
      "  cordon sign -k controller.key -t \"order LAB42 approved by the DPO\" order.toml");
  s->add_option("-k,--key", sargs->key,
                "secret key file (from `cordon sign-keygen` or `minisign -G -W`)")
      ->required();
  s->add_option("-t,--trusted-comment", sargs->trusted_comment,
                "one line that the signature covers (default: timestamp and file name)");
  s->add_option("-x,--signature", sargs->signature, "signature file (default: FILE.minisig)");
  s->add_option("FILE", sargs->input, "file to sign")->required();
  s->callback([sargs, exit_code] { *exit_code = Finish(Sign(*sargs)); });

  auto vargs = std::make_shared<VerifyArgs>();
  CLI::App* v = app.add_subcommand(
      "verify",
      "Verify a minisign signature (made by cordon or minisign). Exit 0 and print the trusted\n"
      "comment, or exit 3 naming what failed (another key, the file, the trusted comment).\n"
      "  cordon verify -p controller.key.pub order.toml\n"
      "Or a passkey's SSH signature (a DPO's order, an approver's decision on a grant), as\n"
      "`ssh-keygen -Y verify` checks it, and with the user-verification flag required:\n"
      "  cordon verify --allowed-signers allowed_signers -I anne@chu.example \\\n"
      "    -n cordon-grant@cordon.chu.example grant-7-approve.json [more.json...]");
  auto* p = v->add_option("-p,--public-key-file", vargs->public_key_file, "public key file (.pub)");
  auto* pk = v->add_option("-P,--public-key", vargs->public_key, "public key as its base64 line")
                 ->excludes(p);
  v->add_option("-x,--signature", vargs->signature,
                "signature file (default: FILE.minisig; with --allowed-signers FILE.sig)");
  v->add_option("--allowed-signers", vargs->allowed_signers,
                "OpenSSH allowed_signers file: check an SSH signature (ssh-keygen -Y verify -f)")
      ->excludes(p)
      ->excludes(pk);
  v->add_option("-I,--identity", vargs->identity,
                "with --allowed-signers: who must have signed (a principal of the key's line)");
  v->add_option("-n,--namespace", vargs->ns,
                "with --allowed-signers: the signature's namespace (cordon-order@HOST, "
                "cordon-grant@HOST)");
  v->add_flag("--json", vargs->json, "print the result as one JSON object");
  v->add_option("FILE", vargs->inputs,
                "signed file (with --allowed-signers, one or more: each against FILE.sig)")
      ->required();
  v->callback([vargs, exit_code] { *exit_code = Finish(Verify(*vargs)); });
}

}  // namespace cordon::cli
