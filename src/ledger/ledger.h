// The ledger: an append-only Merkle log of events with signed checkpoints.
//
// A ledger directory holds
//   ledger.log        the entries (records.h framing), the only source of truth
//   checkpoints.log   every signed checkpoint, in order
//   offsets, tree/    derived index (entry offsets, stored subtrees), rebuilt
//                     from ledger.log whenever they disagree with it
//   signing.key       the ledger's Ed25519 key (minisign format, 0600)
//   vkey              its note verifier key, "<origin>+<id>+<key>"
//
// Writers take an exclusive flock on ledger.log for each append (and first
// catch up with what other processes appended); readers and `verify` take a
// shared one. Each Append is durable when
// it returns (one fdatasync per call: callers batch, GroupAppender batches
// concurrent threads). Opening for writing detects a torn tail — an append
// cut by a crash — and truncates it with a warning; damage inside the part a
// checkpoint covers is never truncated: it is an error for `verify`.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/file.h"
#include "core/result.h"
#include "ledger/canonical.h"
#include "ledger/checkpoint.h"
#include "ledger/hash_levels.h"
#include "sign/minisign.h"

namespace cordon::ledger {

// Not thread-safe: one Ledger per thread (several processes may share a
// directory: appends take the file lock). Concurrent appenders in one
// process go through a GroupAppender, which is.
class Ledger {
 public:
  enum class Access { kRead, kAppend };

  // Creates a ledger in `dir` (made 0700 if missing) whose checkpoints are
  // signed by `key` under the name `origin`; its first entry records the
  // creation (with `actor`, when given). Refuses a directory that already
  // holds a ledger.
  static Status Init(const std::string& dir, const std::string& origin, const sign::SecretKey& key,
                     const nlohmann::json& actor = nullptr);

  // Opens a ledger. Warnings (a torn tail dropped) go to `warnings`.
  static Result<Ledger> Open(const std::string& dir, Access access,
                             std::vector<std::string>* warnings = nullptr);

  Ledger(Ledger&&) = default;
  Ledger& operator=(Ledger&&) = default;
  ~Ledger();

  const std::string& dir() const { return dir_; }
  uint64_t size() const { return size_; }
  const NoteVerifier& verifier() const { return verifier_; }
  const std::string& origin() const { return verifier_.name; }

  // Appends events (JSON objects) as entries seq = size(), size()+1, ...;
  // fills "v", "seq" and "time". Durable on return. All or nothing: an entry
  // refused (CanonicalEntry) or a failed write appends none of them.
  // Returns the seq of the first.
  Result<uint64_t> Append(std::vector<nlohmann::json> events);

  // The same from event texts (each one JSON object), through the fast
  // canonicalizer; `action`, when not empty, replaces each event's own.
  // Events must not hold v, seq or time.
  Result<uint64_t> AppendText(const std::vector<std::string>& events, std::string_view action = {});

  // Signs and stores a checkpoint of the whole log unless the latest one
  // already covers it; returns the latest signed checkpoint.
  Result<std::string> Checkpoint();

  // Every stored checkpoint (signed notes), oldest first.
  const std::vector<std::string>& checkpoints() const { return checkpoints_; }
  // The latest checkpoint's tree size (0 when none).
  uint64_t checkpointed_size() const { return checkpointed_size_; }

  Result<Bytes> Entry(uint64_t index) const;
  Result<Hash> LeafHashAt(uint64_t index) const { return levels_.Leaf(index); }
  Result<Hash> Root(uint64_t tree_size) const;
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  // The inclusion proofs of several entries in one tree, in their order:
  // the subtree hashes they share are read once (a report proves thousands
  // of entries, whose paths meet a few levels up).
  Result<std::vector<std::vector<Hash>>> InclusionProofs(const std::vector<uint64_t>& indices,
                                                         uint64_t tree_size) const;
  Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t tree_size) const;

  // Fixes the clock (tests of deadlines; never used in production paths).
  void SetClockForTesting(std::function<std::string()> now) { now_ = std::move(now); }

 private:
  Ledger() = default;
  Status Recover(std::vector<std::string>* warnings);
  Status CatchUp();
  Result<std::vector<Hash>> ProveWith(
      const std::function<std::vector<Hash>(const SubtreeHashFn&)>& build) const;
  using PrepareFn = std::function<Result<std::string>(size_t index, uint64_t seq, int worker)>;
  Result<uint64_t> AppendWith(size_t n, const PrepareFn& make);
  Status Prepare(size_t n, uint64_t first, const PrepareFn& make, std::vector<std::string>& entries,
                 std::vector<Hash>& leaves);
  Status FlushIndex();
  Status LoadCheckpoints(std::vector<std::string>* warnings);

  std::string dir_;
  Access access_ = Access::kRead;
  UniqueFd log_;
  UniqueFd offsets_;
  UniqueFd checkpoints_fd_;
  HashLevels levels_;
  uint64_t size_ = 0;
  uint64_t offsets_flushed_ = 0;  // entries whose offset is on disk
  Bytes pending_offsets_;         // the others'

  uint64_t log_bytes_ = 0;  // where the records end (the end marker)
  uint64_t log_alloc_ = 0;  // the file's size: records, then zeros
  uint64_t checkpoints_bytes_ = 0;
  NoteVerifier verifier_;
  std::optional<sign::SecretKey> key_;
  std::vector<std::string> checkpoints_;
  uint64_t checkpointed_size_ = 0;
  std::function<std::string()> now_;
  std::string stamp_time_;  // the time of the batch being appended
  std::array<std::unique_ptr<EntryCanonicalizer>, 2> canonicalizers_;  // one per worker
};

// Group commit for concurrent appenders (the server's request threads): each
// Append blocks until its event is durable; whoever arrives while a write is
// in flight joins the next batch, so a burst costs one fdatasync per batch,
// not per event. Thread-safe.
class GroupAppender {
 public:
  explicit GroupAppender(Ledger& ledger) : ledger_(ledger) {}
  // The event's seq once durable, or the batch's error.
  Result<uint64_t> Append(nlohmann::json event);
  // Runs `f(ledger)` while no batch is being written (checkpoints, proofs,
  // reads that must not interleave with an append).
  template <typename F>
  auto Exclusive(F&& f) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !writing_; });
    writing_ = true;
    lock.unlock();
    struct Release {
      GroupAppender* g;
      ~Release() {
        std::lock_guard l(g->mu_);
        g->writing_ = false;
        g->cv_.notify_all();
      }
    } release{this};
    return f(ledger_);
  }

 private:
  struct Batch {
    std::vector<nlohmann::json> events;
    bool done = false;
    std::optional<Result<uint64_t>> first;  // seq of events[0], or the error
  };
  Ledger& ledger_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool writing_ = false;
  std::shared_ptr<Batch> open_;  // collecting while another batch is written
};

// What `verify` found: counts, and warnings that are not failures (a torn
// tail not yet dropped, entries newer than the latest checkpoint).
struct VerifyReport {
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  std::vector<std::string> warnings;
};

// Recomputes every leaf and the root at every checkpoint, checks every
// checkpoint's signature (with `verifier`, or the ledger's own vkey file when
// none is given) and that each extends the one before. Reads the files only
// (works on a read-only copy). A failure is kAuthFailed naming the first bad
// entry or checkpoint.
Result<VerifyReport> Verify(const std::string& dir, const std::optional<NoteVerifier>& verifier);

}  // namespace cordon::ledger
