#include "client/answer.h"

#include <string>

#include "core/utc_time.h"

namespace cordon::client {

using nlohmann::json;

Error ErrorFromAnswer(int status, std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  std::string message = "the exchange answered " + std::to_string(status);
  std::string hint;
  if (j.is_object()) {
    message = TextField(j, "error", message);
    hint = TextField(j, "hint");
  }
  const ErrorCode code = status == 401   ? ErrorCode::kAuthFailed
                         : status == 404 ? ErrorCode::kNotFound
                         : status == 409 ? ErrorCode::kAlreadyExists
                         : status == 413 ? ErrorCode::kLimitExceeded
                         : status >= 500 ? ErrorCode::kIo
                                         : ErrorCode::kRefused;
  if (status == 401 && hint.empty()) hint = "log in: cordon remote login --email YOU";
  return Error(code, message, hint);
}

Result<json> ExpectJson(const Result<net::ClientResponse>& answer, std::initializer_list<int> ok) {
  if (!answer.ok()) return answer.error();
  for (int status : ok) {
    if (answer->status == status) {
      json body = json::parse(answer->body, nullptr, false);
      return body.is_discarded() ? json::object() : body;
    }
  }
  return ErrorFromAnswer(answer->status, answer->body);
}

std::string TextField(const json& object, const char* key, const std::string& fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

int64_t IntField(const json& object, const char* key, int64_t fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

int64_t TimeField(const nlohmann::json& object, const char* key, int64_t fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) return ParseUtc(it->get_ref<const std::string&>()).value_or(fallback);
  return fallback;
}

bool BoolField(const json& object, const char* key, bool fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

const json& ArrayField(const json& object, const char* key) {
  static const json kEmpty = json::array();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : kEmpty;
}

const json& ObjectField(const json& object, const char* key) {
  static const json kEmpty = json::object();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace cordon::client
