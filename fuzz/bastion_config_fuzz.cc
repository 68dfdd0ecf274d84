// Fuzzes the bastion's configuration (`cordon bastion … --config`): TOML
// from a root-owned file, parsed at every login. No crash, no exception;
// whatever is accepted has every required key and a bounded anchor period.
#include <string_view>

#include "client/bastion_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = cordon::client::ParseBastionConfig(text, "fuzz.toml");
  if (c.ok()) {
    if (c->server.empty() || c->token_file.empty() || c->known_hosts.empty() ||
        c->recordings.empty())
      __builtin_trap();
    if (c->anchor_seconds < 1 || c->anchor_seconds > 60) __builtin_trap();
  }
  return 0;
}
