// The HTTP messages the exchange's API sees: plain structs, so that the API
// is written and tested without the network library (Boost.Beast stays in
// http_server.cc, the only file that pays its compile time).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>

#include "core/file.h"
#include "core/result.h"

namespace cordon::serve {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;                            // small bodies only (see kMaxJsonBody)
  std::string client_ip;

  std::string Header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Instead of `body`: this many bytes of an open file are sent from its
  // start (downloads stream from disk, never through memory).
  UniqueFd file;
  uint64_t file_size = 0;
  std::map<std::string, std::string> headers;
  // What went wrong on the server's side behind a 500 (paths, SQLite
  // messages): for the server's log, never sent to the client. The API
  // hands it to its log sink before the response leaves it.
  std::string server_log;
};

// Where a streamed request body goes (an upload): the server writes every
// byte to `fd` and then calls `finish` with Ok() or the reason the body did
// not arrive whole (client gone, timeout, too large) — `finish` must then
// leave nothing behind.
struct BodySink {
  UniqueFd fd;
  uint64_t max_bytes = 0;
  std::function<Response(Status received, uint64_t bytes)> finish;
};

// Splits a request target ("/api/v1/logins?account=4") into path and
// percent-decoded query parameters. Never fails: what it cannot decode it
// keeps as is (the router then finds no such endpoint).
void ParseTarget(std::string_view target, Request& request);

// JSON bodies are small: anything larger is refused with 413 before it is read.
inline constexpr size_t kMaxJsonBody = 64 * 1024;

class Handler {
 public:
  virtual ~Handler() = default;
  // True when this request's body must stream to disk (decided from the
  // method and path only, before anything else is read).
  virtual bool StreamsBody(const Request& head) const = 0;
  // For streamed bodies: the sink, or the response that refuses the upload
  // (authentication and authorization happen here, before any body byte).
  virtual std::variant<Response, BodySink> BeginStream(const Request& head) = 0;
  // Every other request, its body read (≤ kMaxJsonBody).
  virtual Response Handle(const Request& request) = 0;
};

}  // namespace cordon::serve
