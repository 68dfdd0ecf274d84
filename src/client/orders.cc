#include "client/orders.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "client/answer.h"
#include "core/encoding.h"
#include "core/file.h"
#include "order/plan_digest.h"

namespace cordon::client {
namespace {

using nlohmann::json;

SubmittedOrder OrderFrom(const json& j) {
  SubmittedOrder o;
  o.order_id = TextField(j, "order_id");
  o.version = IntField(j, "version");
  o.organisation = TextField(j, "organisation");
  o.submitter_id = IntField(j, "submitter_id");
  o.submitted_at = TextField(j, "submitted_at");
  o.order_sha256 = TextField(j, "order_sha256");
  o.plan_sha256 = TextField(j, "plan_sha256");
  o.order_bytes = static_cast<uint64_t>(IntField(j, "order_bytes"));
  o.plan_bytes = static_cast<uint64_t>(IntField(j, "plan_bytes"));
  o.answer = j;
  return o;
}

Result<std::string> Unbase64(const json& j, const char* key) {
  auto bytes = Base64Decode(TextField(j, key));
  if (!bytes.ok()) {
    return Error(ErrorCode::kMalformed, std::string("the exchange's ") + key + " is not base64");
  }
  return std::string(bytes->begin(), bytes->end());
}

// A path segment for an order id: the exchange only takes ids of letters,
// digits, '.', '_' and '-', but an id typed by a person may hold anything.
std::string Segment(std::string_view id) {
  std::string out;
  for (char c : PercentEncodePath(id)) out += c == '/' ? std::string("%2F") : std::string(1, c);
  return out;
}

}  // namespace

Result<SubmittedOrder> SubmitOrder(Connection& connection, std::string_view order_toml,
                                   std::string_view plan_json, const std::string& organisation) {
  json body = {{"order_base64", Base64Encode(AsBytes(order_toml))},
               {"plan_base64", Base64Encode(AsBytes(plan_json))}};
  if (!organisation.empty()) body["organisation"] = organisation;
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("POST", "/api/v1/orders", {201}, body.dump()));
  SubmittedOrder o = OrderFrom(j);
  // The exchange must have stored what was sent.
  if (o.order_sha256 != order::PlanSha256Hex(order_toml) ||
      o.plan_sha256 != order::PlanSha256Hex(plan_json)) {
    return Error(ErrorCode::kMalformed,
                 "the exchange states other digests than those of the order and plan sent");
  }
  return o;
}

Result<OrderList> ListOrders(Connection& connection) {
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("GET", "/api/v1/orders", {200}));
  OrderList r;
  for (const json& o : ArrayField(j, "orders")) r.orders.push_back(OrderFrom(o));
  r.answer = std::move(j);
  return r;
}

Result<SubmittedOrder> FetchOrder(Connection& connection, const std::string& order_id,
                                  std::optional<int64_t> version) {
  std::string target = "/api/v1/orders/" + Segment(order_id);
  if (version) target += "?version=" + std::to_string(*version);
  CORDON_ASSIGN_OR_RETURN(json j, connection.Call("GET", target, {200}));
  SubmittedOrder o = OrderFrom(j);
  CORDON_ASSIGN_OR_RETURN(o.order_toml, Unbase64(j, "order_base64"));
  CORDON_ASSIGN_OR_RETURN(o.plan_json, Unbase64(j, "plan_base64"));
  o.answer.erase("order_base64");
  o.answer.erase("plan_base64");
  for (const json& sig : ArrayField(j, "signatures")) {
    if (sig.is_object() && sig.contains("sshsig") && sig["sshsig"].is_string()) {
      o.signatures.push_back(sig["sshsig"].get<std::string>());
    }
  }
  if (order::PlanSha256Hex(o.order_toml) != o.order_sha256 ||
      order::PlanSha256Hex(o.plan_json) != o.plan_sha256) {
    return Error(
        ErrorCode::kMalformed,
        "order " + order_id + ": the bytes received do not hash to the exchange's digests");
  }
  CORDON_ASSIGN_OR_RETURN(auto digest, order::PlanDigestIn(o.order_toml));
  if (!digest || *digest != o.plan_sha256) {
    return Error(ErrorCode::kMalformed,
                 "order " + order_id + ": its plan_sha256 is not the digest of its plan");
  }
  return o;
}

Status SaveOrder(const SubmittedOrder& order, const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Error(ErrorCode::kIo, dir + ": cannot create: " + std::strerror(errno));
  }
  CORDON_TRY(WriteFileAtomic(dir + "/order.toml", AsBytes(order.order_toml), 0644));
  CORDON_TRY(WriteFileAtomic(dir + "/plan.json", AsBytes(order.plan_json), 0644));
  // Where `cordon extract` looks for the order's signature. The newest
  // DPO's signature; none for an unsigned version — and an older
  // version's signature left from an earlier fetch goes, so that the
  // directory never pairs an order with a signature of other bytes.
  const std::string sig = dir + "/order.toml.sig";
  if (order.signatures.empty()) {
    if (unlink(sig.c_str()) != 0 && errno != ENOENT) {
      return Error(ErrorCode::kIo, sig + ": cannot remove: " + std::strerror(errno));
    }
    return Ok();
  }
  return WriteFileAtomic(sig, AsBytes(order.signatures.back()), 0644);
}

}  // namespace cordon::client
