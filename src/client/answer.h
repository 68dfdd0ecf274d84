// The exchange's answers as values: a JSON body when the status is one the
// call expects, otherwise an Error whose code follows the HTTP status and
// whose message and hint are the server's own (docs/exchange.md, "errors").
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.h"
#include "net/http_client.h"

namespace cordon::client {

// The error for an answer the caller did not expect:
//   401 → kAuthFailed (hint: log in, unless the server gave one)
//   404 → kNotFound, 409 → kAlreadyExists, 413 → kLimitExceeded,
//   5xx → kIo, any other → kRefused.
// The message is the body's "error" and the hint its "hint" when the body is
// a JSON object holding strings there, else "the exchange answered N".
Error ErrorFromAnswer(int status, std::string_view body);

// `answer`'s JSON body when its status is one of `ok` (an empty object when
// the body is not JSON), ErrorFromAnswer otherwise; a transport error as is.
Result<nlohmann::json> ExpectJson(const Result<net::ClientResponse>& answer,
                                  std::initializer_list<int> ok);

// Fields of an answer, read without throwing: the fallback when the key is
// missing or holds another type (the exchange is pinned, but a client must
// not crash on an answer it did not expect).
std::string TextField(const nlohmann::json& object, const char* key,
                      const std::string& fallback = "");
int64_t IntField(const nlohmann::json& object, const char* key, int64_t fallback = 0);
// A time the exchange writes as "YYYY-MM-DDTHH:MM:SSZ" (or Unix seconds), in
// Unix seconds; the fallback when missing or not a time.
int64_t TimeField(const nlohmann::json& object, const char* key, int64_t fallback = 0);
bool BoolField(const nlohmann::json& object, const char* key, bool fallback = false);
// object[key] when it is an array, else an empty array.
const nlohmann::json& ArrayField(const nlohmann::json& object, const char* key);
// object[key] when it is an object, else an empty object.
const nlohmann::json& ObjectField(const nlohmann::json& object, const char* key);

}  // namespace cordon::client
