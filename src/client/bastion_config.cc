#include "client/bastion_config.h"

#include <utility>

#include "core/file.h"
#include "core/strings.h"
#include "core/toml.h"  // the text is checked to be ASCII first

namespace cordon::client {

Result<BastionConfig> ParseBastionConfig(std::string_view text, const std::string& file) {
  if (const int line = FirstNonPlainAsciiLine(text); line != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 file + " line " + std::to_string(line) +
                     ": only plain ASCII text is accepted in the configuration");
  }
  toml::parse_result parsed = toml::parse(text, file);
  if (!parsed) {
    return Error(ErrorCode::kInvalidArgument,
                 file + " line " + std::to_string(parsed.error().source().begin.line) + ": " +
                     std::string(parsed.error().description()));
  }
  BastionConfig c;
  const std::pair<const char*, std::string*> keys[] = {
      {"server", &c.server},         {"fingerprint", &c.fingerprint},
      {"token_file", &c.token_file}, {"known_hosts", &c.known_hosts},
      {"recordings", &c.recordings}, {"target_user", &c.target_user},
      {"login_user", &c.login_user}, {"ssh", &c.ssh},
      {"user_ca", &c.user_ca},       {"agent_socket", &c.agent_socket}};
  for (const auto& [key, node] : parsed.table()) {
    std::string* into = nullptr;
    for (const auto& [name, field] : keys) {
      if (key.str() == name) into = field;
    }
    const std::string where = file + " line " + std::to_string(node.source().begin.line);
    if (key.str() == "anchor_seconds") {
      const auto* i = node.as_integer();
      if (!i || i->get() < 1 || i->get() > 60) {
        return Error(ErrorCode::kInvalidArgument,
                     where + ": anchor_seconds must be a whole number from 1 to 60");
      }
      c.anchor_seconds = static_cast<int>(i->get());
      continue;
    }
    if (!into) {
      return Error(ErrorCode::kInvalidArgument,
                   where + ": unknown key \"" + std::string(key.str()) + "\"",
                   "known keys: server, fingerprint, token_file, known_hosts, recordings, "
                   "target_user, login_user, ssh, user_ca, agent_socket, anchor_seconds");
    }
    const auto* s = node.as_string();
    if (!s) {
      return Error(ErrorCode::kInvalidArgument,
                   where + ": " + std::string(key.str()) + " must be a string (in quotes)");
    }
    *into = s->get();
  }
  for (const auto& [name, field] : keys) {
    if (field->empty() && std::string_view(name) != "fingerprint" &&
        std::string_view(name) != "user_ca" && std::string_view(name) != "agent_socket") {
      return Error(ErrorCode::kInvalidArgument, file + ": " + name + " is missing",
                   "docs/remote-maintenance.md shows a complete bastion configuration");
    }
  }
  return c;
}

Result<BastionConfig> LoadBastionConfig(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(Bytes text, ReadFileLimited(path, 64 * 1024));
  return ParseBastionConfig(
      std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), path);
}

}  // namespace cordon::client
