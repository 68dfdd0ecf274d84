// `cordon encrypt` and `cordon decrypt`: age v1 files, interchangeable with
// the age CLI.
#include <unistd.h>

#include <optional>

#include "age/age.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "cli/ledger_io.h"
#include "core/encoding.h"
#include "crypto/hash.h"

namespace cordon::cli {
namespace {

struct EncryptArgs {
  LedgerArgs ledger;
  std::vector<std::string> recipients;
  std::vector<std::string> recipient_files;
  bool passphrase = false;
  std::string passphrase_file;
  bool armor = false;
  std::string output;
  std::string input;
};

struct DecryptArgs {
  LedgerArgs ledger;
  std::vector<std::string> identity_files;
  bool passphrase = false;
  std::string passphrase_file;
  int max_work_factor = age::kDefaultMaxScryptLogN;
  std::string output;
  std::string input;
};

// Hashes the ciphertext as it is read. A regular file is read ahead and
// hashed on a second thread while this one decrypts; other inputs (pipes,
// terminals), whose reads may wait, are hashed in line.
class CiphertextHasher {
 public:
  explicit CiphertextHasher(Input& in) {
    if (in.size()) {
      ahead_.emplace(in.source());
    } else {
      inline_.emplace(in.source());
    }
  }
  ByteSource& source() { return ahead_ ? static_cast<ByteSource&>(*ahead_) : *inline_; }
  uint64_t bytes() { return ahead_ ? ahead_->bytes() : inline_->bytes(); }
  crypto::Sha256::Digest Final() { return ahead_ ? ahead_->Final() : inline_->Final(); }

 private:
  std::optional<crypto::ReadAheadHashingSource> ahead_;
  std::optional<crypto::HashingSource> inline_;
};

Result<std::vector<std::unique_ptr<age::Recipient>>> CollectRecipients(const EncryptArgs& args) {
  std::vector<std::unique_ptr<age::Recipient>> out;
  for (const std::string& text : args.recipients) {
    CORDON_ASSIGN_OR_RETURN(age::X25519Recipient r, age::X25519Recipient::Parse(text));
    out.push_back(age::MakeX25519Recipient(r));
  }
  for (const std::string& path : args.recipient_files) {
    CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(path, 1 << 20));
    CORDON_ASSIGN_OR_RETURN(auto list, age::ParseRecipientsFile(AsChars(text), path));
    for (const auto& r : list) out.push_back(age::MakeX25519Recipient(r));
  }
  if (args.passphrase || !args.passphrase_file.empty()) {
    if (!out.empty()) {
      return Error(ErrorCode::kInvalidArgument, "a passphrase cannot be combined with recipients",
                   "use either -p or -r/-R");
    }
    CORDON_ASSIGN_OR_RETURN(SecretBuffer pass, ReadPassphrase(args.passphrase_file, true));
    out.push_back(age::MakeScryptRecipient(std::move(pass)));
  }
  if (out.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no recipient given",
                 "name who may open the file: -r age1…, -R recipients.txt, or -p for a passphrase");
  }
  return out;
}

Status Encrypt(const EncryptArgs& args, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(auto recipients, CollectRecipients(args));
  if (args.passphrase || !args.passphrase_file.empty()) {
    event["recipients"] = "passphrase";
  } else {
    nlohmann::json list = args.recipients;
    for (const auto& f : args.recipient_files) {
      if (auto text = ReadFileLimited(f, 1 << 20); text.ok()) {
        if (auto rs = age::ParseRecipientsFile(AsChars(*text), f); rs.ok()) {
          for (const auto& r : *rs) list.push_back(r.Encode());
        }
      }
    }
    event["recipients"] = list;
  }
  CORDON_ASSIGN_OR_RETURN(Input in, Input::Open(args.input));
  CORDON_ASSIGN_OR_RETURN(Output out, Output::Open(args.output));
  if (!args.armor && out.is_terminal()) {
    return Error(ErrorCode::kInvalidArgument, "refusing to write binary ciphertext to the terminal",
                 "use -o FILE, redirect the output, or -a for armored text");
  }
  out.EnableLargeWrites();
  // The ciphertext is hashed and written on a second thread while this one
  // reads and encrypts.
  crypto::ConcurrentHashingSink hashed(out.sink());
  CORDON_ASSIGN_OR_RETURN(
      auto enc,
      age::Encryptor::Create(recipients, hashed, args.armor ? age::Armor::kYes : age::Armor::kNo));
  CORDON_TRY(Pump(in.source(), *enc, in.size(), "encrypted"));
  CORDON_TRY(enc->Close());
  CORDON_TRY(hashed.Finish());
  CORDON_TRY(out.Commit());
  // The ciphertext is named by its hash: that is what travels.
  event["output"] = {{"bytes", hashed.bytes()}, {"sha256", HexEncode(hashed.Final())}};
  return Ok();
}

Status Decrypt(const DecryptArgs& args, nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(auto identities, LoadIdentities(args.identity_files));
  if (args.passphrase || !args.passphrase_file.empty()) {
    CORDON_ASSIGN_OR_RETURN(SecretBuffer pass, ReadPassphrase(args.passphrase_file, false));
    identities.push_back(age::MakeScryptIdentity(std::move(pass), args.max_work_factor));
  }
  if (identities.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no identity given",
                 "pass -i KEYFILE (from `cordon keygen`), or -p for a passphrase-encrypted file");
  }
  CORDON_ASSIGN_OR_RETURN(Input in, Input::Open(args.input));
  CiphertextHasher hashed(in);
  // Open the output only after the header authenticates, so a file that is
  // not ours never creates even an empty output.
  auto dec = age::Decryptor::Open(hashed.source(), identities);
  if (!dec.ok()) return dec.error().WithContext(in.name());
  // Plaintext is patient data: readable by its owner only, as `cordon open`
  // writes it (the umask may narrow it further, never widen it).
  CORDON_ASSIGN_OR_RETURN(Output out, Output::Open(args.output, 0600));
  out.EnableLargeWrites();
  // Written on a second thread while this one decrypts (a disk written
  // directly then waits in parallel with the work).
  crypto::ConcurrentHashingSink plain(out.sink(), crypto::ConcurrentHashingSink::Hashing::kOff);
  Status pumped = Pump(**dec, plain, in.size(), "decrypted");
  // Even on failure, every chunk that authenticated is released, as before.
  Status flushed = plain.Finish();
  if (!pumped.ok()) return pumped.error().WithContext(in.name());
  if (!flushed.ok()) return flushed.error().WithContext(in.name());
  CORDON_TRY(out.Commit());
  event["input"] = {{"bytes", hashed.bytes()}, {"sha256", HexEncode(hashed.Final())}};
  event["output"] = {{"bytes", plain.bytes()}};
  return Ok();
}

}  // namespace

void RegisterAgeCommands(CLI::App& app, int* exit_code) {
  auto enc = std::make_shared<EncryptArgs>();
  CLI::App* e = app.add_subcommand(
      "encrypt",
      "Encrypt a file to age recipients (or a passphrase). The result opens with\n"
      "`cordon decrypt` or `age -d`.\n"
      "  cordon encrypt -r age1… -o data.csv.age data.csv\n"
      "  cordon encrypt -R recipients.txt -a < notes.txt > notes.txt.age");
  e->add_option("-r,--recipient", enc->recipients, "an age1… public key (repeatable)")
      ->allow_extra_args(false);
  e->add_option("-R,--recipients-file", enc->recipient_files,
                "a file of age1… keys, one per line (repeatable)")
      ->allow_extra_args(false);
  e->add_flag("-p,--passphrase", enc->passphrase,
              "encrypt with a passphrase (scrypt), asked on the terminal");
  e->add_option("--passphrase-file", enc->passphrase_file,
                "read the passphrase from this file's first line");
  e->add_flag("-a,--armor", enc->armor, "write PEM-armored text instead of binary");
  e->add_option("-o,--output", enc->output, "write here (atomically) instead of standard output");
  e->add_option("INPUT", enc->input, "file to encrypt (default: standard input)");
  AddLedgerOption(e, enc->ledger);
  e->callback([enc, exit_code] {
    *exit_code = Finish(
        Recorded(enc->ledger, "encrypt", [&](nlohmann::json& ev) { return Encrypt(*enc, ev); }));
  });

  auto dec = std::make_shared<DecryptArgs>();
  CLI::App* d = app.add_subcommand(
      "decrypt",
      "Decrypt an age file (binary or armored). Only authenticated data is written; with\n"
      "-o, a failure leaves no output file at all, and the plaintext is written mode 0600.\n"
      "  cordon decrypt -i lab42.key -o data.csv data.csv.age");
  d->add_option("-i,--identity", dec->identity_files, "an identity file (repeatable)")
      ->allow_extra_args(false);
  d->add_flag("-p,--passphrase", dec->passphrase, "the file was encrypted with a passphrase");
  d->add_option("--passphrase-file", dec->passphrase_file,
                "read the passphrase from this file's first line");
  d->add_option("--max-work-factor", dec->max_work_factor,
                "highest scrypt work factor (log2 N) to accept (default 22)")
      ->check(CLI::Range(1, 30));
  d->add_option("-o,--output", dec->output, "write here (atomically) instead of standard output");
  d->add_option("INPUT", dec->input, "file to decrypt (default: standard input)");
  AddLedgerOption(d, dec->ledger);
  d->callback([dec, exit_code] {
    *exit_code = Finish(
        Recorded(dec->ledger, "decrypt", [&](nlohmann::json& ev) { return Decrypt(*dec, ev); }));
  });
}

}  // namespace cordon::cli
