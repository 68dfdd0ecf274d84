// The web pages of `cordon serve` (issue 17): the files of src/serve/ui/,
// compiled into the binary so that the server stays one file (CMakeLists.txt
// writes them into a generated .cc as raw strings), answered at /ui/.
#pragma once

#include <optional>
#include <string_view>

#include "serve/http.h"

namespace cordon::serve {

struct UiAsset {
  std::string_view name;  // "app.js"
  std::string_view body;
};

// The policy of the pages' answers: their own script and style only — no
// inline script, no eval, no other origin — and nothing may frame them.
inline constexpr const char* kPageSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The answer to a GET of a page's path ("/", "/ui/", "/ui/app.js"), or none
// for any other path. The pages hold no data: everything they show comes
// from the API, with the session.
std::optional<Response> UiPage(std::string_view path);

}  // namespace cordon::serve
