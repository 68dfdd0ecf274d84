// The exchange's sealed copy of a session recording: the bastion sends it
// once the session is over, the exchange keeps it only if its chain is the
// one the ledger anchored, serves it to the people who may see the session,
// and deletes it at the end of its retention.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "crypto/ed25519.h"
#include "recording/sealed_recording.h"
#include "ssh/public_key.h"
#include "testing/remote_exchange.h"

namespace cordon::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testkit::RemoteExchange;

json AnchorBody(const recording::Anchor& a) {
  return {{"chunks", a.chunks},
          {"bytes", a.bytes},
          {"head", a.head},
          {"header_sha256", a.header_sha256}};
}

std::string ReadAllOf(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

// A session through the API as the bastion makes it, with a real sealed
// recording of several chunks written beside the exchange's data.
struct RecordedSession {
  RemoteExchange e;
  int64_t id = 0;
  std::string path;     // the bastion's file
  std::string session;  // "/bastion/sessions/N"

  void Start(bool end) {
    ASSERT_NO_FATAL_FAILURE(e.Start());
    Response req =
        e.Call("POST", "/grants", e.vendor,
               {{"target", "pacs01"}, {"reason", "replace the disk"}, {"duration_hours", 4}});
    ASSERT_EQ(req.status, 201) << req.body;
    const std::string g = "/grants/" + std::to_string(RemoteExchange::J(req)["id"].get<int64_t>());
    ASSERT_EQ(e.Call("POST", g + "/approve", e.approver, json::object()).status, 200);
    const auto key = crypto::GenerateEd25519().public_key;
    Response cert = e.Call("POST", g + "/ssh-certificate", e.vendor,
                           {{"public_key", ssh::PublicKeyLine(key, "victor@laptop")}});
    ASSERT_EQ(cert.status, 201) << cert.body;
    const json c = RemoteExchange::J(cert);
    const std::string fp = ssh::Fingerprint(key);
    ASSERT_EQ(e.Call("POST", "/bastion/login", e.machine,
                     {{"user", "maint"},
                      {"key_id", c["key_id"]},
                      {"serial", c["serial"]},
                      {"fingerprint", fp}})
                  .status,
              200);
    Response started =
        e.Call("POST", "/bastion/sessions", e.machine,
               {{"key_id", c["key_id"]},
                {"serial", c["serial"]},
                {"fingerprint", fp},
                {"client", "203.0.113.9 50000 22"},
                {"egress_public_key", ssh::PublicKeyLine(crypto::GenerateEd25519().public_key)}});
    ASSERT_EQ(started.status, 201) << started.body;
    const json s = RemoteExchange::J(started);
    id = s["session"];
    session = "/bastion/sessions/" + std::to_string(id);
    path = (e.x.dir / ("bastion-session-" + std::to_string(id) + ".cast.age")).string();
    auto rec = recording::SealedRecording::Create(
        path, s["recipients"].get<std::vector<std::string>>(), {});
    ASSERT_TRUE(rec.ok()) << rec.error().message();
    auto first = (*rec)->TakeAnchor();
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(e.Call("POST", session + "/anchor", e.machine, AnchorBody(*first)).status, 200);
    const std::string screen(300000, 'x');  // several 64 KiB chunks
    ASSERT_TRUE(
        (*rec)
            ->Event(std::chrono::microseconds(1000), recording::EventType::kOutput, AsBytes(screen))
            .ok());
    auto middle = (*rec)->TakeAnchor();
    ASSERT_TRUE(middle.ok());
    ASSERT_EQ(e.Call("POST", session + "/anchor", e.machine, AnchorBody(*middle)).status, 200);
    if (!end) return;
    auto last = (*rec)->Finish();
    ASSERT_TRUE(last.ok());
    json body = AnchorBody(*last);
    body["duration_seconds"] = 60;
    body["reason"] = "exit";
    body["exit_status"] = 0;
    ASSERT_EQ(e.Call("POST", session + "/end", e.machine, body).status, 200);
  }

  // PUT /bastion/sessions/N/recording with `bytes` as its body.
  Response Send(const std::string& bytes, const std::string& token) {
    Request head;
    head.method = "PUT";
    head.path = "/api/v1" + session + "/recording";
    head.client_ip = "10.1.0.5";
    head.headers["authorization"] = "Bearer " + token;
    EXPECT_TRUE(e.x.api->StreamsBody(head));
    auto begun = e.x.api->BeginStream(head);
    if (auto* refused = std::get_if<Response>(&begun)) return std::move(*refused);
    BodySink sink = std::move(std::get<BodySink>(begun));
    const size_t n = std::min<size_t>(bytes.size(), sink.max_bytes);
    EXPECT_EQ(write(sink.fd.get(), bytes.data(), n), static_cast<ssize_t>(n));
    sink.fd = UniqueFd();
    return sink.finish(
        n < bytes.size() ? Status(Error(ErrorCode::kLimitExceeded, "too large")) : Ok(), n);
  }
  json Listed(const std::string& who) {
    json all = RemoteExchange::J(e.Call("GET", "/remote-sessions", who));
    for (const json& s : all["sessions"]) {
      if (s["id"] == id) return s;
    }
    return nullptr;
  }
  fs::path Copies() const { return e.x.dir / "recordings"; }
  size_t FilesInCopies() const {
    if (!fs::exists(Copies())) return 0;
    return static_cast<size_t>(std::distance(fs::directory_iterator(Copies()), {}));
  }
};

TEST(ApiRecordingsTest, TheExchangeKeepsOnlyTheAnchoredRecordingAndServesItToTheHospital) {
  RecordedSession r;
  ASSERT_NO_FATAL_FAILURE(r.Start(/*end=*/true));
  const std::string file = ReadAllOf(r.path);
  ASSERT_GT(file.size(), 3u * 65536);
  const std::string url = "/remote-sessions/" + std::to_string(r.id) + "/recording";
  EXPECT_EQ(r.e.Call("GET", url, r.e.approver).status, 404) << "no copy yet";

  // Not this bastion's, not a person's session: refused before any byte.
  EXPECT_EQ(r.Send(file, r.e.vendor).status, 401);
  {
    auto db = exchange::OpenExchangeDb(r.e.x.d);
    auto other = exchange::Machines(*db).Add("bastion02", r.e.now);
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(r.Send(file, *other).status, 404);
  }
  // One byte changed, cut at a chunk boundary, extended, another length:
  // refused, nothing kept, the refusal in the ledger.
  std::string altered = file;
  altered[70000] ^= 1;
  Response bad = r.Send(altered, r.e.machine);
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(r.Send(file.substr(0, 65536 + 16 + 200), r.e.machine).status, 400)
      << "shorter than the anchor";
  EXPECT_EQ(r.Send(file + "x", r.e.machine).status, 400) << "longer than the anchor";
  EXPECT_EQ(r.FilesInCopies(), 0u) << "a refused copy leaves nothing";
  EXPECT_TRUE(r.Listed(r.e.approver)["copy_stored_at"].is_null());
  EXPECT_NE(r.e.Ledger().find("exchange.session.recording_copy"), std::string::npos);

  // A file left under the copy's name (a crash before its row) is no copy:
  // the checked one replaces it.
  fs::create_directories(r.Copies());
  std::ofstream(r.Copies() / ("session-" + std::to_string(r.id) + ".cast.age")) << "orphan";
  Response kept = r.Send(file, r.e.machine);
  ASSERT_EQ(kept.status, 201) << kept.body;
  EXPECT_EQ(RemoteExchange::J(kept)["bytes"], file.size());
  EXPECT_EQ(r.FilesInCopies(), 1u) << "no temporary name left";
  EXPECT_EQ(r.Send(file, r.e.machine).status, 409) << "once";
  EXPECT_EQ(ReadAllOf(r.Copies() / ("session-" + std::to_string(r.id) + ".cast.age")), file);
  EXPECT_EQ(fs::status(r.Copies()).permissions() & fs::perms::all, fs::perms::owner_all);
  json listed = r.Listed(r.e.approver);
  EXPECT_FALSE(listed["copy_stored_at"].is_null());
  EXPECT_EQ(listed["copy_bytes"], file.size());

  // The hospital's approver and an auditor read it; the vendor's approver
  // gets the same 404 as for no session; an operator is not a reader.
  Response got = r.e.Call("GET", url, r.e.approver);
  ASSERT_EQ(got.status, 200) << got.body;
  ASSERT_GE(got.file.get(), 0);
  EXPECT_EQ(got.file_size, file.size());
  std::string served(got.file_size, '\0');
  ASSERT_EQ(pread(got.file.get(), served.data(), served.size(), 0),
            static_cast<ssize_t>(served.size()));
  EXPECT_EQ(served, file);
  EXPECT_EQ(got.content_type, "application/octet-stream");
  const std::string auditor = r.e.Person("aude", exchange::Role::kAuditor, "");
  EXPECT_EQ(r.e.Call("GET", url, auditor).status, 200);
  Response hidden = r.e.Call("GET", url, r.e.vendor_boss);
  Response none = r.e.Call("GET", "/remote-sessions/999/recording", r.e.vendor_boss);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(hidden.body.find("CHU"), std::string::npos);
  EXPECT_EQ(r.e.Call("GET", url, r.e.vendor).status, 403);
  const std::string ledger = r.e.Ledger();
  EXPECT_NE(ledger.find("exchange.session.recording_copied"), std::string::npos);
  EXPECT_NE(ledger.find("exchange.session.recording_fetched"), std::string::npos);

  // Past its retention (365 days after the end): the sweep deletes the copy.
  r.e.now += 366 * 86400;
  const std::string later = r.e.Person("audrey", exchange::Role::kAuditor, "");
  r.e.x.api->SweepRemote();
  EXPECT_EQ(r.FilesInCopies(), 0u);
  EXPECT_FALSE(r.Listed(later)["copy_deleted_at"].is_null());
  EXPECT_EQ(r.e.Call("GET", url, later).status, 410);
  EXPECT_NE(r.e.Ledger().find("exchange.session.recording_copy_deleted"), std::string::npos);
  r.e.x.api->SweepRemote();  // nothing left: no second event
  const std::string after = r.e.Ledger();
  EXPECT_EQ(after.find("recording_copy_deleted"), after.rfind("recording_copy_deleted"));
}

TEST(ApiRecordingsTest, ALiveSessionIsNotCopiedAndADeadBastionsIsCopiedUpToItsAnchors) {
  RecordedSession r;
  ASSERT_NO_FATAL_FAILURE(r.Start(/*end=*/false));
  const std::string file = ReadAllOf(r.path);
  const auto uncopied = [&] {
    return RemoteExchange::J(r.e.Call("GET", "/bastion/recordings/uncopied", r.e.machine));
  };
  EXPECT_TRUE(uncopied()["recordings"].empty()) << "still going on";
  EXPECT_EQ(r.Send(file, r.e.machine).status, 403);
  // No anchor for ten minutes: its bastion died; what it holds is copied,
  // the anchored prefix checked.
  r.e.now += 601;
  json pending = uncopied();
  ASSERT_EQ(pending["recordings"].size(), 1u) << pending;
  EXPECT_EQ(pending["recordings"][0]["ended"], false);
  const size_t anchored = pending["recordings"][0]["bytes"];
  ASSERT_LE(anchored, file.size());
  std::string altered = file.substr(0, anchored);
  altered[100] ^= 1;
  EXPECT_EQ(r.Send(altered, r.e.machine).status, 422);
  // Only what the anchors cover is kept: a tail after them (unproven, and
  // anything at all) is refused with the body.
  EXPECT_EQ(
      r.Send(file.substr(0, anchored) + "PATIENT DUPONT 1 85 05 78 006 084 91", r.e.machine).status,
      400);
  Response kept = r.Send(file.substr(0, anchored), r.e.machine);
  ASSERT_EQ(kept.status, 201) << kept.body;
  EXPECT_TRUE(uncopied()["recordings"].empty());
  EXPECT_EQ(fs::file_size(r.Copies() / ("session-" + std::to_string(r.id) + ".cast.age")),
            anchored);
  // Copied as it stood, the session is over: its bastion hears so, and no
  // anchor or end may add to what the copy proves.
  auto state = RemoteExchange::J(r.e.Call("GET", r.session, r.e.machine));
  EXPECT_EQ(state["open"], false) << state;
  json more = {{"chunks", 99},
               {"bytes", anchored + 70000},
               {"head", std::string(64, 'a')},
               {"header_sha256", pending["recordings"][0]["header_sha256"]}};
  EXPECT_EQ(r.e.Call("POST", r.session + "/anchor", r.e.machine, more).status, 403);
  more["duration_seconds"] = 60;
  more["reason"] = "exit";
  more["exit_status"] = 0;
  EXPECT_EQ(r.e.Call("POST", r.session + "/end", r.e.machine, more).status, 403);
}

// A crash mid-copy leaves a file no row vouches for: a temporary name, or a
// copy renamed into place before its row was written. The sweep deletes
// those (once unchanged for the grace period: 0 here, an hour by default),
// with a ledger event, and leaves alone the copies the rows vouch for and
// the names the exchange does not write.
TEST(ApiRecordingsTest, CopiesNoRowVouchesForAreSweptAfterTheirGrace) {
  RecordedSession r;
  const auto base = r.e.x.tweak;
  r.e.x.tweak = [&](ApiOptions& o) {
    base(o);
    o.orphan_copy_grace_seconds = 0;
  };
  ASSERT_NO_FATAL_FAILURE(r.Start(/*end=*/true));
  const std::string file = ReadAllOf(r.path);
  const std::string mine = "session-" + std::to_string(r.id) + ".cast.age";
  fs::create_directories(r.Copies());
  // Renamed into place, no row yet: an orphan until a bastion sends it.
  std::ofstream(r.Copies() / mine) << "renamed, then the exchange died";
  for (const std::string name : {"session-999.cast.age", "session-999.cast.age.tmp-4242-0",
                                 "session-0999.cast.age", "session-x.cast.age", "notes.txt"}) {
    std::ofstream(r.Copies() / name) << "left";
  }
  r.e.x.api->SweepRemote();
  EXPECT_FALSE(fs::exists(r.Copies() / mine)) << "no row vouches for it";
  EXPECT_FALSE(fs::exists(r.Copies() / "session-999.cast.age")) << "no such session";
  EXPECT_FALSE(fs::exists(r.Copies() / "session-999.cast.age.tmp-4242-0"));
  for (const char* kept : {"session-0999.cast.age", "session-x.cast.age", "notes.txt"}) {
    EXPECT_TRUE(fs::exists(r.Copies() / kept)) << kept << ": not a name the exchange writes";
  }
  const std::string ledger = r.e.Ledger();
  size_t events = 0;
  for (size_t at = ledger.find("recording_orphan_deleted"); at != std::string::npos;
       at = ledger.find("recording_orphan_deleted", at + 1)) {
    ++events;
  }
  EXPECT_EQ(events, 3u);
  // The checked copy, once its row says so, stays.
  ASSERT_EQ(r.Send(file, r.e.machine).status, 201);
  r.e.x.api->SweepRemote();
  EXPECT_EQ(ReadAllOf(r.Copies() / mine), file);
}

TEST(ApiRecordingsTest, AFreshOrphanIsLeftForItsGrace) {
  RecordedSession r;  // the default grace: an hour
  ASSERT_NO_FATAL_FAILURE(r.Start(/*end=*/true));
  fs::create_directories(r.Copies());
  std::ofstream(r.Copies() / "session-999.cast.age.tmp-4242-0") << "being renamed";
  r.e.x.api->SweepRemote();
  EXPECT_TRUE(fs::exists(r.Copies() / "session-999.cast.age.tmp-4242-0"));
}

}  // namespace
}  // namespace cordon::serve
