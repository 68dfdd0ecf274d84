#include "client/session_store.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/file.h"

namespace cordon::client {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The file's state; an empty one when there is no file yet. A file that
// cannot be read or parsed is an error, never "no pins": read as empty and
// saved over, it would lose every pin, and the next contact with each
// server would be a first use someone could answer "yes" to for an impostor.
Result<json> Load(const std::string& path) {
  auto text = ReadFileLimited(path, 1 << 20);
  if (!text.ok() && text.error().code() == ErrorCode::kNotFound) return json::object();
  const char* kHint =
      "it holds the keys pinned for each exchange: repair it, or move it away to pin every "
      "server afresh (compare each fingerprint with the exchange's operator)";
  if (!text.ok()) return text.error().WithHint(kHint);
  json j = json::parse(AsChars(*text), nullptr, false);
  if (!j.is_object()) {
    return Error(ErrorCode::kMalformed, path + ": damaged (not the JSON object cordon writes)",
                 kHint);
  }
  return j;
}

Status Save(const std::string& path, const json& state) {
  std::error_code ec;
  const fs::path dir = fs::path(path).parent_path();
  if (!dir.empty()) {
    fs::create_directories(dir, ec);
    ::chmod(dir.c_str(), 0700);
  }
  return WriteFileAtomic(path, AsBytes(state.dump(2) + "\n"), 0600);
}

// state[name] as an object (made one when missing or of another type).
json& Table(json& state, const std::string& name) {
  json& t = state[name];
  if (!t.is_object()) t = json::object();
  return t;
}

std::string Text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

SessionStore SessionStore::ForCurrentUser() {
  return SessionStore(DefaultPath(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME")));
}

std::string SessionStore::DefaultPath(const char* xdg, const char* home) {
  const std::string base = xdg && *xdg ? xdg : std::string(home ? home : ".") + "/.config";
  return base + "/cordon/remote.json";
}

Result<std::string> SessionStore::Token(const std::string& url) const {
  CORDON_ASSIGN_OR_RETURN(json state, Load(path_));
  return Text(Table(Table(state, "servers"), url), "token");
}

Status SessionStore::SaveToken(const std::string& url, const std::string& token) {
  CORDON_ASSIGN_OR_RETURN(json state, Load(path_));
  json& server = Table(Table(state, "servers"), url);
  if (token.empty()) {
    server.erase("token");
  } else {
    server["token"] = token;
  }
  return Save(path_, state);
}

Result<StoredPin> SessionStore::Pin(const std::string& pin_key, const std::string& url) const {
  CORDON_ASSIGN_OR_RETURN(json state, Load(path_));
  StoredPin pin;
  pin.key_sha256 = Text(Table(Table(state, "pins"), pin_key), "key_sha256");
  if (pin.key_sha256.empty()) {
    pin.legacy_certificate_sha256 = Text(Table(Table(state, "servers"), url), "fingerprint");
  }
  return pin;
}

Status SessionStore::SavePin(const std::string& pin_key, const std::string& url,
                             const std::string& key_sha256) {
  CORDON_ASSIGN_OR_RETURN(json state, Load(path_));
  json& server = Table(Table(state, "servers"), url);
  json& pin = Table(Table(state, "pins"), pin_key);
  const json want = {{"key_sha256", key_sha256}};
  if (pin == want && !server.contains("fingerprint")) return Ok();
  pin = want;
  server.erase("fingerprint");
  return Save(path_, state);
}

}  // namespace cordon::client
