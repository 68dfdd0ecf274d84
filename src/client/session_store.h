// What `cordon remote` remembers between runs, in one JSON file per user:
// the session token per server URL, and the pinned public key per
// host:port (docs/exchange.md). The file is the person's own: mode 0600 in a
// 0700 directory, replaced atomically.
#pragma once

#include <string>

#include "core/result.h"

namespace cordon::client {

// A server's pin as stored. `legacy_certificate_sha256` is what versions
// before key pins kept (the SHA-256 of the whole certificate, per URL); it is
// only read when no key pin exists, and replaced by the key's on the next
// connection that matches it.
struct StoredPin {
  std::string key_sha256;
  std::string legacy_certificate_sha256;
};

// Every call reads the file afresh, and every Save* rewrites it: a few small
// reads per command. A missing file reads as empty (nothing pinned, not
// logged in). A file that cannot be read or is not a JSON object is an
// error (kMalformed, with a hint), for reads and saves alike: read as empty
// and saved over, it would lose every pin, turning each server's next
// contact into a first use an impostor could be waved through on.
// Not thread-safe, and two processes saving at once may lose one's change
// (the last rename wins; the file is never torn).
class SessionStore {
 public:
  explicit SessionStore(std::string path) : path_(std::move(path)) {}
  // ${XDG_CONFIG_HOME:-$HOME/.config}/cordon/remote.json, from the
  // environment of this process.
  static SessionStore ForCurrentUser();
  // The same from given values (a null or empty XDG_CONFIG_HOME falls back
  // to HOME/.config, a null HOME to ./.config).
  static std::string DefaultPath(const char* xdg_config_home, const char* home);

  const std::string& path() const { return path_; }

  // The session token for `url` (as the person wrote it, without trailing
  // slashes), or empty.
  Result<std::string> Token(const std::string& url) const;
  // Stores `token` for `url`; an empty token forgets it.
  Status SaveToken(const std::string& url, const std::string& token);

  // The pin for `pin_key` ("host:port", net::ServerEndpoint::PinKey), or the
  // legacy certificate pin stored for `url`.
  Result<StoredPin> Pin(const std::string& pin_key, const std::string& url) const;
  // Pins `key_sha256` on `pin_key` and drops `url`'s legacy pin. Writes the
  // file only when this changes it.
  Status SavePin(const std::string& pin_key, const std::string& url, const std::string& key_sha256);

 private:
  std::string path_;
};

}  // namespace cordon::client
