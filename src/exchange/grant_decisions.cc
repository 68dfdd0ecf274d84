#include "exchange/grant_decisions.h"

#include <nlohmann/json.hpp>

#include "core/utc_time.h"

namespace cordon::exchange {

bool IsGrantDecision(std::string_view verb) {
  return verb == "approve" || verb == "deny" || verb == "revoke" || verb == "review";
}

std::string DecisionDocument(const Grant& g, const Account& requester, std::string_view decision,
                             std::string_view origin) {
  using nlohmann::json;
  // nlohmann's object is a std::map: keys come out sorted, and dump()
  // without indentation writes no whitespace — RFC 8785's form for
  // documents without floating-point numbers.
  json grant = {{"id", g.id},
                {"subject", g.package},
                {"reason", g.reason},
                {"requested_at", FormatUtc(g.requested_at)},
                {"start_at", g.start_at ? json(FormatUtc(*g.start_at)) : json(nullptr)},
                {"duration_seconds", g.duration},
                {"ticket", g.ticket ? json(*g.ticket) : json(nullptr)},
                {"break_glass", g.break_glass},
                {"requester",
                 {{"id", requester.id},
                  {"email", requester.email},
                  {"name", requester.name},
                  {"organisation", requester.organisation}}}};
  json doc = {{"format", "cordon-grant-decision"},
              {"version", 1},
              {"exchange", std::string(origin)},
              {"decision", std::string(decision)},
              {"grant", grant}};
  // Stored text is valid UTF-8 (reasons and names are checked on the way
  // in); replacing anything else keeps the bytes deterministic regardless.
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace cordon::exchange
