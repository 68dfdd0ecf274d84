// `cordon sign` and `cordon verify`: minisign-compatible signatures.
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "core/diagnostic.h"
#include "sign/minisign.h"

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
  std::string input;
};

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

Status Verify(const VerifyArgs& args) {
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
  std::string sig_path = args.signature.empty() ? args.input + ".minisig" : args.signature;
  CORDON_ASSIGN_OR_RETURN(Bytes sig_text, ReadFileLimited(sig_path, kMaxSignatureFile));
  auto sig = sign::Signature::Parse(AsChars(sig_text));
  if (!sig.ok()) return sig.error().WithContext(sig_path);
  CORDON_ASSIGN_OR_RETURN(Input in, Input::Open(args.input));
  Status verified = sign::Verify(*key, *sig, in.source());
  if (args.json) {
    nlohmann::json j = {{"file", args.input},
                        {"signature", sig_path},
                        {"key_id", sign::KeyIdHex(sig->key_id)},
                        {"verified", verified.ok()}};
    if (verified.ok()) j["trusted_comment"] = sig->trusted_comment;
    if (!verified.ok()) j["error"] = verified.error().message();
    std::cout << j.dump() << "\n";
  }
  if (!verified.ok()) return verified.error().WithContext(args.input);
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
      "  cordon verify -p controller.key.pub order.toml");
  auto* p = v->add_option("-p,--public-key-file", vargs->public_key_file, "public key file (.pub)");
  v->add_option("-P,--public-key", vargs->public_key, "public key as its base64 line")->excludes(p);
  v->add_option("-x,--signature", vargs->signature, "signature file (default: FILE.minisig)");
  v->add_flag("--json", vargs->json, "print the result as one JSON object");
  v->add_option("FILE", vargs->input, "signed file")->required();
  v->callback([vargs, exit_code] { *exit_code = Finish(Verify(*vargs)); });
}

}  // namespace cordon::cli
