// Orders submitted for validation (issue 17): an operator (a vendor's
// engineer) submits an order's exact bytes with the exact plan JSON it was
// made with; the DPOs of the controller's organisation list and read them,
// and hear of each submission through the alert channels. The exchange
// stores text people wrote and counts the plan made: never a row of data
// (the plan's samples are masked by `cordon plan`).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/encoding.h"
#include "core/utc_time.h"
#include "crypto/hash.h"
#include "exchange/orders.h"
#include "exchange/targets.h"
#include "order/order.h"
#include "order/plan_digest.h"
#include "pipeline/extract.h"
#include "serve/api_internal.h"
#include "ssh/sshsig.h"

namespace cordon::serve {

using api_internal::Fail;
using api_internal::FilterFor;
using api_internal::Forbidden;
using api_internal::HasRole;
using api_internal::json;
using api_internal::Json;
using api_internal::MayRead;
using api_internal::ParseId;
using api_internal::Role;
using api_internal::SshKeygenVerify;
using api_internal::Str;
using api_internal::Unrecorded;

namespace {

// The submission's body: an order and a plan, base64 (so that the bytes
// arrive exactly, whatever they hold), and a little JSON around them.
constexpr uint64_t kMaxSubmissionBody =
    (exchange::kMaxSubmittedOrderBytes + exchange::kMaxSubmittedPlanBytes) / 3 * 4 + 4096 + 8;

Response TooLarge() {
  return Fail(413,
              "an order submission is at most " + std::to_string(kMaxSubmissionBody >> 20) + " MiB",
              "an order is at most 1 MiB and its plan 8 MiB");
}

json OrderJson(const exchange::StoredOrder& o) {
  return {{"order_id", o.order_id},
          {"version", o.version},
          {"organisation", o.organisation},
          {"submitter_id", o.submitter_id},
          {"submitter_organisation", o.submitter_organisation},
          {"submitted_at", FormatUtc(o.submitted_at)},
          {"order_sha256", o.order_sha256},
          {"plan_sha256", o.plan_sha256},
          {"order_bytes", o.order_bytes},
          {"plan_bytes", o.plan_bytes}};
}

// The exact bytes of a base64 field, or the 400 that refuses it.
std::variant<std::string, Response> Bytes64(const json& body, const char* key, size_t max) {
  auto text = Str(body, key);
  if (!text) return Fail(400, std::string(key) + ": a base64 string is required");
  if (text->size() > (max + 2) / 3 * 4) {
    return Fail(413, std::string(key) + " is larger than the exchange takes (" +
                         std::to_string(max >> 10) + " KiB)");
  }
  auto bytes = Base64Decode(*text);
  if (!bytes.ok()) return Fail(400, std::string(key) + ": not canonical base64");
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace

std::variant<Response, BodySink> Api::StartOrderSubmission(const Request& head) {
  // Who may send it is decided before any byte of the body is read.
  {
    auto lease = Acquire();
    if (!lease.ok()) return Fail(lease.error());
    Call call{head, **lease, Now(), std::nullopt, json::object()};
    if (auto refused = Authenticate(call)) return std::move(*refused);
    if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  }
  // The network layer applies a sink's bound to chunked bodies; a declared
  // length past it is refused here, before any byte is read.
  if (const std::string length = head.Header("content-length"); !length.empty()) {
    if (length.size() > 12 || std::strtoull(length.c_str(), nullptr, 10) > kMaxSubmissionBody) {
      return TooLarge();
    }
  }
  // In memory (bounded by kMaxSubmissionBody), never on disk: it is read
  // once, checked, and stored in the database or dropped.
  const int fd = memfd_create("cordon-order", MFD_CLOEXEC);
  if (fd < 0) return Fail(Error(ErrorCode::kIo, std::string("memfd: ") + std::strerror(errno)));
  const int reader = dup(fd);
  UniqueFd sink_fd(fd);
  if (reader < 0) return Fail(Error(ErrorCode::kIo, std::string("dup: ") + std::strerror(errno)));
  auto read_fd = std::make_shared<UniqueFd>(reader);
  BodySink sink;
  sink.fd = std::move(sink_fd);
  sink.max_bytes = kMaxSubmissionBody;
  sink.finish = [this, head, read_fd](const Status& received, uint64_t bytes) -> Response {
    if (!received.ok() || bytes > kMaxSubmissionBody) {
      if (bytes > kMaxSubmissionBody || received.error().code() == ErrorCode::kLimitExceeded) {
        return TooLarge();
      }
      return Fail(400, "the body did not arrive whole: " + received.error().message());
    }
    Request whole = head;
    whole.body.resize(bytes);
    size_t off = 0;
    while (off < bytes) {
      const ssize_t n =
          pread(read_fd->get(), whole.body.data() + off, bytes - off, static_cast<off_t>(off));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Fail(Error(ErrorCode::kIo, "reading the order submission back"));
      off += static_cast<size_t>(n);
    }
    // Through the router as any request: authenticated again (the session
    // may have ended meanwhile), then SubmitOrder.
    return Handle(whole);
  };
  return sink;
}

Response Api::SubmitOrder(Call& call) {
  if (!HasRole(call, {Role::kOperator})) return Forbidden(*call.who, "operator");
  auto order_bytes = Bytes64(call.body, "order_base64", exchange::kMaxSubmittedOrderBytes);
  if (auto* bad = std::get_if<Response>(&order_bytes)) return std::move(*bad);
  auto plan_bytes = Bytes64(call.body, "plan_base64", exchange::kMaxSubmittedPlanBytes);
  if (auto* bad = std::get_if<Response>(&plan_bytes)) return std::move(*bad);
  const std::string& order_toml = std::get<std::string>(order_bytes);
  const std::string& plan = std::get<std::string>(plan_bytes);
  if (call.body.contains("organisation") && !Str(call.body, "organisation")) {
    return Fail(400, "organisation: a string");
  }
  // The order must be one cordon reads, and carry the digest of this plan:
  // what a DPO validates then names the plan they read.
  order::LoadedOrder loaded = order::ParseOrder(order_toml, "order.toml");
  if (!loaded.problems.empty()) {
    std::string first;
    for (size_t i = 0; i < loaded.problems.size() && i < 5; ++i) {
      first += (i ? "; " : "") + order::FormatDiagnostic("order.toml", loaded.problems[i]);
    }
    return Fail(400, "the order does not read: " + first, "`cordon order check` says the same");
  }
  const std::string& id = loaded.order.id;
  if (Status s = exchange::CheckSubmittedOrderId(id); !s.ok()) return Fail(s.error());
  auto digest = order::PlanDigestIn(order_toml);
  if (!digest.ok()) return Fail(digest.error());
  const std::string plan_sha256 = order::PlanSha256Hex(plan);
  if (!*digest || **digest != plan_sha256) {
    return Fail(400,
                *digest ? "the order's plan_sha256 is not the SHA-256 of the plan sent"
                        : "the order has no plan_sha256",
                "`cordon remote order submit` runs the plan and writes its digest into the order");
  }
  const json plan_json = json::parse(plan, nullptr, false);
  if (plan_json.is_discarded() || !plan_json.is_object() ||
      plan_json.value("format", json()) != "cordon-plan" || !plan_json.contains("order") ||
      !plan_json["order"].is_object() || plan_json["order"].value("id", json()) != id) {
    return Fail(400, "the plan is not this order's `cordon plan --json`",
                "a JSON object with \"format\": \"cordon-plan\" and the order's id");
  }
  // The controller's organisation: named, or the order's controller.
  const std::string organisation = Str(call.body, "organisation").value_or(loaded.order.controller);
  exchange::Organisations organisations(call.s.db);
  auto known = organisations.List();
  if (!known.ok()) return Fail(known.error());
  bool exists = false;
  for (const auto& o : *known) exists = exists || o.name == organisation;
  if (!exists) {
    return Fail(400, "no organisation named \"" + organisation + "\" on the exchange",
                "pass --organisation with the controller's organisation as the exchange knows it "
                "(its DPOs' accounts)");
  }
  auto suspended = organisations.Suspended(call.who->organisation);
  if (!suspended.ok()) return Fail(suspended.error());
  if (*suspended) {
    RecordRefusal(call, "order.submit", "refused",
                  {{"order", {{"id", id}}}, {"error", "organisation suspended"}});
    return Fail(
        403, "your organisation is suspended",
        "once the exchange's admin asks, an approver of a hospital it maintains resumes it");
  }
  exchange::OrderSubmission submission{
      id, organisation, call.who->id, call.who->organisation, order_toml, plan};
  auto stored = exchange::Orders(call.s.db).Submit(
      submission, call.now, [&](const exchange::StoredOrder& o) -> Status {
        // Digests and ids only: the plan's content stays out of the ledger.
        auto seq = Record(call, "order.submit", "ok",
                          {{"order", {{"id", o.order_id}}},
                           {"version", o.version},
                           {"organisation", o.organisation},
                           {"order_sha256", o.order_sha256},
                           {"plan_sha256", o.plan_sha256},
                           {"order_bytes", o.order_bytes},
                           {"plan_bytes", o.plan_bytes}});
        if (!seq.ok()) return seq.error();
        return Ok();
      });
  if (!stored.ok()) {
    if (stored.error().code() == ErrorCode::kIo) return Unrecorded();
    if (stored.error().code() == ErrorCode::kRefused) {
      RecordRefusal(call, "order.submit", "refused",
                    {{"order", {{"id", id}}}, {"error", stored.error().message()}});
      return Fail(409, stored.error().message(), stored.error().hint());
    }
    return Fail(stored.error());
  }
  // The organisation's DPOs hear of it (by account id: alerts name no one).
  json dpos = json::array();
  if (auto people = call.s.accounts.List(); people.ok()) {
    for (const auto& a : *people) {
      // The DPOs who can act on it now: not one whose account ended or
      // was locked (a person who left hears no more).
      if (a.role == Role::kDpo && a.organisation == organisation &&
          a.status == exchange::AccountStatus::kActive && a.expires_at > call.now &&
          !a.hard_locked && a.locked_reason.empty()) {
        dpos.push_back(a.id);
        // And in their mailbox: ids and a link, nothing of the plan; at
        // most one per order an hour and a few in all, so resubmitting in
        // a loop floods no one (the alert still names every version).
        // Both budgets or neither: a mail the DPO's hourly budget stops
        // must not spend this order's, or its next version goes unmailed.
        // The hourly budget is per submitting organisation: one vendor's
        // loop of junk ids does not silence another's orders.
        if (options_.mailer && !order_mails_.Take(a.id, stored->order_id, call.now)) {
          if (!dpo_mails_.Take(a.id, call.who->organisation, call.now)) {
            options_.mailer->Send(OrderSubmittedMail(a.email, stored->order_id, stored->version,
                                                     organisation, options_.web.origin));
          } else {
            order_mails_.GiveBack(a.id, stored->order_id, call.now);
          }
        }
      }
    }
  }
  Alert(AlertKind::kOrderSubmitted, {{"message", "order submitted for validation"},
                                     {"order", stored->order_id},
                                     {"version", stored->version},
                                     {"organisation", organisation},
                                     {"account", call.who->id},
                                     {"dpos", dpos},
                                     {"plan_sha256", stored->plan_sha256}});
  return Json(201, OrderJson(*stored));
}

Response Api::ListOrders(Call& call) {
  auto list = exchange::Orders(call.s.db).List(FilterFor(call));
  if (!list.ok()) return Fail(list.error());
  json out = json::array();
  for (const auto& o : *list) out.push_back(OrderJson(o));
  return Json(200, {{"orders", out}});
}

Response Api::ShowOrder(Call& call, const std::string& id) {
  std::optional<int64_t> version;
  if (auto it = call.request.query.find("version"); it != call.request.query.end()) {
    version = ParseId(it->second);
    if (!version) return Fail(400, "version: a positive integer");
  }
  if (Status s = exchange::CheckSubmittedOrderId(id); !s.ok()) {
    return Fail(404, "no such order");  // no stored id looks like this
  }
  auto o = exchange::Orders(call.s.db).Get(id, version);
  // Another organisation's order is answered as one that does not exist.
  if ((!o.ok() && o.error().code() == ErrorCode::kNotFound) ||
      (o.ok() && !MayRead(FilterFor(call), *o))) {
    return Fail(404, "no such order" + std::string(version ? " version" : ""),
                "GET /api/v1/orders lists the ones you may read");
  }
  if (!o.ok()) return Fail(o.error());
  // A DPO's (or anyone's) reading is evidence too: which bytes they saw.
  RecordRefusal(call, "order.read", "ok",
                {{"order", {{"id", o->order_id}}},
                 {"version", o->version},
                 {"order_sha256", o->order_sha256},
                 {"plan_sha256", o->plan_sha256}});
  json out = OrderJson(*o);
  out["order_base64"] = Base64Encode(AsBytes(o->order_toml));
  out["plan_base64"] = Base64Encode(AsBytes(o->plan_json));
  auto signatures = exchange::Orders(call.s.db).Signatures(o->order_id, o->version);
  if (!signatures.ok()) return Fail(signatures.error());
  json signed_by = json::array();
  for (const auto& sig : *signatures) {
    signed_by.push_back({{"signer_id", sig.signer_id},
                         {"passkey_id", sig.passkey_id},
                         {"signed_at", FormatUtc(sig.signed_at)},
                         {"sshsig", sig.sshsig}});
  }
  out["signatures"] = signed_by;
  // What a DPO's passkey signs: the WebAuthn challenge is the SSHSIG
  // signed data of these exact bytes, so the page needs no hashing of its
  // own and the signature verifies with ssh-keygen.
  if (call.who->role == Role::kDpo && options_.web.on()) {
    const std::string ns = OrderNamespace();
    out["sign"] = {
        {"namespace", ns},
        {"challenge", Base64UrlEncode(AsBytes(ssh::SshsigSignedData(ns, AsBytes(o->order_toml))))}};
  }
  return Json(200, out);
}

std::string Api::OrderNamespace() const {
  return std::string(pipeline::kOrderNamespace) + "@" + options_.web.rp_id;
}

// A DPO approves one version of an order of their organisation with their
// passkey: the signature over its exact bytes (which carry the plan's
// digest) is verified, kept with the order, and recorded.
Response Api::SignOrder(Call& call, const std::string& id) {
  if (auto off = RefusePasskeysOff()) return std::move(*off);
  auto version = api_internal::Int(call.body, "version");
  if (!version || *version < 1) {
    return Fail(400, "version: the version you read and sign (a positive integer)");
  }
  if (Status s = exchange::CheckSubmittedOrderId(id); !s.ok()) return Fail(404, "no such order");
  exchange::Orders orders(call.s.db);
  auto o = orders.Get(id, *version);
  if ((!o.ok() && o.error().code() == ErrorCode::kNotFound) ||
      (o.ok() && !MayRead(FilterFor(call), *o))) {
    return Fail(404, "no such order version", "GET /api/v1/orders lists the ones you may read");
  }
  if (!o.ok()) return Fail(o.error());
  json details = {{"order", {{"id", o->order_id}}},
                  {"version", o->version},
                  {"order_sha256", o->order_sha256},
                  {"plan_sha256", o->plan_sha256}};
  auto signed_ =
      SignWithPasskey(call, AsBytes(o->order_toml), OrderNamespace(), "order.sign", details);
  if (auto* refused = std::get_if<Response>(&signed_)) return std::move(*refused);
  auto& sig = std::get<PasskeySignature>(signed_);
  details["passkey"] = sig.passkey.id;
  details["fingerprint"] = sig.passkey.key.Fingerprint();
  details["signature_sha256"] = HexEncode(crypto::Sha256::Hash(AsBytes(sig.sshsig)));
  bool unrecorded = false;
  Status kept = orders.AddSignature(o->order_id, o->version,
                                    {call.who->id, sig.passkey.id, call.now, sig.sshsig}, [&] {
                                      auto seq = Record(call, "order.sign", "ok", details);
                                      unrecorded = !seq.ok();
                                      return seq.ok() ? Ok() : Status(seq.error());
                                    });
  if (!kept.ok()) {
    if (unrecorded) return Unrecorded();
    return Fail(kept.error());
  }
  return Json(201, {{"order_id", o->order_id},
                    {"version", o->version},
                    {"namespace", OrderNamespace()},
                    {"sshsig", sig.sshsig},
                    {"verify", SshKeygenVerify(call.who->email, OrderNamespace(), "order.toml")}});
}

}  // namespace cordon::serve
