#include "ssh/client_data.h"

#include <set>
#include <string>
#include <vector>

namespace cordon::ssh {

ClientDataJson ParseClientDataJson(std::string_view text) {
  ClientDataJson out;
  std::vector<std::set<std::string>> open;  // the keys of each object being read
  out.value = nlohmann::json::parse(
      text,
      [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if (event == E::object_start) open.emplace_back();
        if (event == E::object_end && !open.empty()) open.pop_back();
        if (event == E::key && !open.empty() &&
            !open.back().insert(parsed.get<std::string>()).second) {
          out.duplicate_key = true;
        }
        return true;
      },
      /*allow_exceptions=*/false);
  return out;
}

}  // namespace cordon::ssh
