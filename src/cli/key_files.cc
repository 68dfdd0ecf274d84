#include "cli/key_files.h"

#include "core/file.h"
#include "core/key_file.h"

namespace cordon::cli {

Result<std::vector<std::unique_ptr<age::Identity>>> LoadIdentities(
    const std::vector<std::string>& paths) {
  std::vector<std::unique_ptr<age::Identity>> identities;
  for (const std::string& path : paths) {
    CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(path, 1 << 20));
    auto parsed = age::ParseIdentityFile(text, path);
    WipeBytes(text);
    if (!parsed.ok()) return parsed.error();
    for (auto& id : *parsed) identities.push_back(age::MakeX25519Identity(std::move(id)));
  }
  return identities;
}

namespace {

// The pseudonym, watch and trace keys are secrets alike: a file that group
// or others may read is refused (their keygen writes 0600), the text is
// read into locked memory and parsed once, here (Key::Parse takes the
// file's bytes).
template <typename Key>
Result<Key> LoadPrivateKey(const std::string& path, const char* what) {
  CORDON_ASSIGN_OR_RETURN(SecretBuffer text, ReadPrivateKeyFile(path, 4096, what));
  auto key = Key::Parse(text.RevealBytes());
  if (!key.ok()) return key.error().WithContext(path);
  return key;
}

}  // namespace

Result<pseudo::PseudonymKey> LoadPseudonymKey(const std::string& path) {
  return LoadPrivateKey<pseudo::PseudonymKey>(path, "the pseudonym key");
}

Result<scan::WatchKey> LoadWatchKey(const std::string& path) {
  return LoadPrivateKey<scan::WatchKey>(path, "the watch key");
}

Result<pipeline::TraceKey> LoadTraceKey(const std::string& path) {
  return LoadPrivateKey<pipeline::TraceKey>(path, "the trace key");
}

Result<scan::Watchlist> LoadWatchlist(const std::string& path) {
  struct stat st {};
  CORDON_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularForReading(path, Symlinks::kFollow, &st));
  FdSource in(fd.get(), path);
  // Read whole, not mapped: a file truncated while mapped would kill the
  // scan with SIGBUS.
  auto list = scan::Watchlist::Read(in, static_cast<uint64_t>(st.st_size));
  if (!list.ok()) return list.error().WithContext(path);
  return list;
}

Result<scan::WatchChecker> LoadWatchChecker(const std::vector<std::string>& watchlists,
                                            const std::string& watch_key) {
  CORDON_ASSIGN_OR_RETURN(scan::WatchKey key, LoadWatchKey(watch_key));
  std::vector<scan::Watchlist> lists;
  for (const std::string& path : watchlists) {
    CORDON_ASSIGN_OR_RETURN(scan::Watchlist list, LoadWatchlist(path));
    if (Status s = scan::CheckWatchKey(list, key); !s.ok()) {
      std::string context = path;
      context.append(" (--watch-key ").append(watch_key).append(")");
      return s.error().WithContext(context);
    }
    lists.push_back(std::move(list));
  }
  CORDON_ASSIGN_OR_RETURN(scan::Watchlist merged, scan::Watchlist::Merge(std::move(lists)));
  return scan::WatchChecker::Create(std::move(key), std::move(merged));
}

}  // namespace cordon::cli
