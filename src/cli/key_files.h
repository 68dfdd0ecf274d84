// Loading the key files named on the command line: age identity files,
// pseudonym, watch and trace keys, watchlists (minisign keys:
// signing_key_files.h). Errors name the file; key text is wiped
// after parsing and never appears in an error.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "age/recipients.h"
#include "cli/signing_key_files.h"  // LoadSigningKey, LoadPublicKey
#include "pipeline/provenance.h"
#include "pseudo/key.h"
#include "scan/watchlist.h"

namespace cordon::cli {

// Every identity in every file, in order.
Result<std::vector<std::unique_ptr<age::Identity>>> LoadIdentities(
    const std::vector<std::string>& paths);
Result<pseudo::PseudonymKey> LoadPseudonymKey(const std::string& path);
Result<scan::WatchKey> LoadWatchKey(const std::string& path);
Result<pipeline::TraceKey> LoadTraceKey(const std::string& path);
// A watchlist file (not a key: it holds digests only), parsed and checked.
Result<scan::Watchlist> LoadWatchlist(const std::string& path);
// Watchlists merged and checked against a watch key (`extract --avoid-real`,
// `pseudonym reverse --watchlist`): a list made with another key is refused.
Result<scan::WatchChecker> LoadWatchChecker(const std::vector<std::string>& watchlists,
                                            const std::string& watch_key);

}  // namespace cordon::cli
