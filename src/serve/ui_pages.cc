#include "serve/ui_pages.h"

#include <span>

namespace cordon::serve {

// Generated (build/generated/serve/ui_assets.cc) from src/serve/ui/.
extern const std::span<const UiAsset> kUiAssets;

namespace {

std::string_view ContentType(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

std::optional<Response> UiPage(std::string_view path) {
  if (path == "/" || path == "/ui") {
    Response r;
    r.status = 303;
    r.content_type = "text/plain; charset=utf-8";
    r.headers["Location"] = "/ui/";
    return r;
  }
  constexpr std::string_view kUi = "/ui/";
  if (!path.starts_with(kUi)) return std::nullopt;
  std::string_view name = path.substr(kUi.size());
  if (name.empty()) name = "index.html";
  for (const UiAsset& asset : kUiAssets) {
    if (asset.name != name) continue;
    Response r;
    r.content_type = std::string(ContentType(name));
    r.body = std::string(asset.body);
    r.headers["Content-Security-Policy"] = kPageSecurityPolicy;
    r.headers["Referrer-Policy"] = "no-referrer";
    r.headers["X-Frame-Options"] = "DENY";
    return r;
  }
  return std::nullopt;
}

}  // namespace cordon::serve
