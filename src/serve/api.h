// The exchange's JSON API under /api/v1 (docs/api.md): who may do what,
// and the ledger event and alert each request produces. Every piece of
// state is in the store (DIR/exchange.db, DIR/packages, DIR/ledger); the
// only things in memory are open database connections and keys.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <vector>

#include "exchange/accounts.h"
#include "exchange/defender.h"
#include "exchange/grants.h"
#include "exchange/package_store.h"
#include "ledger/ledger.h"
#include "serve/alerts.h"
#include "serve/http.h"
#include "sign/minisign.h"

namespace cordon::serve {

struct ApiOptions {
  std::string data_dir;
  exchange::AccountPolicy accounts;
  exchange::GrantPolicy grants;
  exchange::DefenderPolicy defender;
  uint64_t max_file_bytes = 64ULL << 30;        // one uploaded file
  uint64_t download_alert_bytes = 10ULL << 30;  // per account and hour
  int64_t upload_lifetime_seconds = 24 * 3600;  // an unfinished upload is dropped after
  std::function<int64_t()> clock;               // Unix seconds; default: the system's
};

class Api final : public Handler {
 public:
  // `ledger` is the exchange's (DIR/ledger, opened for appending); the
  // certificate key is DIR/exchange.key, created on first use.
  static Result<std::unique_ptr<Api>> Open(ApiOptions options, ledger::Ledger ledger,
                                           Alerts& alerts);
  ~Api() override;

  bool StreamsBody(const Request& head) const override;
  std::variant<Response, BodySink> BeginStream(const Request& head) override;
  Response Handle(const Request& request) override;

  // Periodic work (the server runs these every minute / hour): deletes
  // packages past their deadline (with certificates) and stale uploads;
  // re-verifies the ledger and alerts if it fails.
  void SweepRetention();
  void CheckLedger();

  // The key deletion certificates are signed with (DIR/exchange.pub).
  const sign::PublicKey& certificate_key() const { return certificate_public_; }

  struct Services;
  struct Call;

 private:
  Api(ApiOptions options, ledger::Ledger ledger, Alerts& alerts, sign::SecretKey key);
  class Lease;
  Result<Lease> Acquire();
  int64_t Now() const;

  // Sets call.who and the roles granted now from the bearer session, or
  // returns the 401 that refuses the request.
  std::optional<Response> Authenticate(Call& call);
  Response Route(Call& call);
  Response Login(Call& call);
  Response EnrolBegin(Call& call);
  Response EnrolFinish(Call& call);
  Response Me(Call& call);
  Response Logins(Call& call, bool everyone);
  Response Packages(Call& call);
  Response Package(Call& call, const std::string& id);
  Response NewUpload(Call& call);
  Response CommitUpload(Call& call, const std::string& id);
  Response AbandonUpload(Call& call, const std::string& id);
  Response Download(Call& call, const std::string& id, const std::string& file);
  Response Confirm(Call& call, const std::string& id);
  Response GetCertificate(Call& call, const std::string& id);
  Response ListGrants(Call& call);
  Response RequestGrant(Call& call, bool break_glass);
  Response DecideGrant(Call& call, int64_t id, const std::string& verb);
  Response Review(Call& call);
  Response Attest(Call& call);

  // Records one event; false when the ledger refused it.
  bool Record(const Call& call, std::string_view action, std::string_view outcome,
              nlohmann::json details = nlohmann::json::object());
  void Alert(std::string_view kind, nlohmann::json details);
  // Deletes a package and issues its certificate.
  Result<nlohmann::json> DeleteWithCertificate(Services& s, const std::string& id,
                                               std::string_view reason,
                                               std::optional<int64_t> confirmed_by,
                                               const Call* call);

  ApiOptions options_;
  ledger::Ledger ledger_;
  ledger::GroupAppender appender_;
  Alerts& alerts_;
  sign::SecretKey certificate_key_;
  sign::PublicKey certificate_public_;
  // Argon2id takes 64 MiB and ~0.1 s a hash: at most this many at once,
  // whatever the number of workers (a login burst cannot exhaust memory).
  std::counting_semaphore<64> hashing_{2};
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Services>> pool_;
};

}  // namespace cordon::serve
