// Scans text handed over in pieces as if it were one buffer: pieces are cut
// only where no identifier can straddle, line and column numbers run on
// across pieces, and memory stays at about one buffer whatever the size of
// the text or the length of its lines (a 2 GB single-line JSON included).
//
// Binary content (a NUL byte in the first 8 KiB) is scanned too, for the
// identifiers a checksum proves (see kBinaryKinds): a CSV of patients behind
// an age header and a few NUL bytes must not pass as "nothing found".
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scan/scanner.h"

namespace cordon::scan {

// The kinds looked for in binary content: those a checksum proves (NIR key,
// CPR mod 11, IBAN mod 97, card Luhn). Random bytes make plausible e-mails
// and phone numbers; they almost never make a valid checksum.
inline constexpr detect::KindSet kBinaryKinds = (1u << static_cast<unsigned>(detect::Kind::kNir)) |
                                                (1u << static_cast<unsigned>(detect::Kind::kCpr)) |
                                                (1u << static_cast<unsigned>(detect::Kind::kIban)) |
                                                (1u << static_cast<unsigned>(detect::Kind::kCard));

// Turns matcher hits in consecutive pieces of one text into Findings
// (line, columns, masked value) and counts.
class FindingCollector {
 public:
  FindingCollector(const ScanOptions& options, FileResult& out, std::string part)
      : kinds_(options.kinds),
        max_findings_(options.max_findings_per_file),
        watch_(options.watch),
        out_(out),
        part_(std::move(part)) {
    if (watch_ != nullptr) batch_.emplace(watch_->list().scheme());
  }
  // Scans `piece`, which starts `consumed()` bytes into the text. The piece
  // must end where no identifier can straddle (see detect::CanSplitAfter).
  void Scan(std::string_view piece);
  uint64_t consumed() const { return base_; }
  // From now on the text is binary content: only kBinaryKinds are reported,
  // a CPR only when mod 11 holds, and findings are marked `binary`.
  void SetBinary() { binary_ = true; }
  // Database cells: each text is scanned whole by one Scan call, and the
  // watchlist look-ups of successive cells are gathered and resolved
  // together (a cell holds one identifier or none: looked up one at a time,
  // each would cost a cache miss and a cipher call of its own). A cell's
  // finding found real after the cell is gone is located with what was
  // noted when it was found, and its part named by `name_part`.
  using PartNamer = std::function<std::string(int64_t row, int column)>;
  void ScanCellsWhole(PartNamer name_part) { name_part_ = std::move(name_part); }
  // Starts another text (a database's next cell) with the same collector:
  // its buffers are kept, so a table of small cells costs no allocation
  // per cell.
  void StartText(int64_t row = 0, int column = 0) {
    binary_ = false;
    base_ = cursor_ = line_start_ = line_chars_ = 0;
    line_ = 1;
    row_ = row;
    column_ = column;
  }
  // Resolves the look-ups still waiting (cells mode): call after the last cell.
  void Flush();

 private:
  // A finding waiting for its watchlist look-up: its normal form is in
  // batch_ (in the same order), its digest computed with the piece's others.
  struct Lookup {
    detect::Match match;
    size_t finding;  // index in out_.findings, or kNotKept (past the cap)
    size_t noted;    // in cells mode, past the cap: index in noted_
  };
  // Where a cell's finding past the cap was, noted when it was found (its
  // text is at text_at in noted_text_).
  struct Noted {
    uint64_t line, column, char_column;
    int64_t row;
    int column_index;
    bool binary;
    size_t text_at;
  };
  static constexpr size_t kNotKept = ~size_t{0};
  static constexpr size_t kMaxBatch = 4096;

  // Moves the line/column cursor to `pos` (relative to the current piece).
  void AdvanceTo(std::string_view piece, size_t pos);
  // Adds the finding `m` of the current piece.
  void Keep(std::string_view piece, const detect::Match& m, Presence presence);
  // Looks up the waiting findings in the watchlist, all at once.
  void Resolve(std::string_view piece);
  // Adds the real finding noted in `n` (cells mode).
  void KeepNoted(const Lookup& l, const Noted& n);

  detect::KindSet kinds_;
  size_t max_findings_;
  const WatchChecker* watch_;
  FileResult& out_;
  std::string part_;
  bool binary_ = false;
  uint64_t base_ = 0;    // offset of the current piece in the text
  uint64_t cursor_ = 0;  // offset up to which lines and characters are counted
  uint64_t line_ = 1;
  uint64_t line_start_ = 0;           // offset of the current line
  uint64_t line_chars_ = 0;           // code points from line_start_ to cursor_
  std::vector<Lookup> lookups_;       // of the current piece
  std::optional<DigestBatch> batch_;  // their normal forms, when watching
  std::vector<uint64_t> digests_;     // of lookups_, in order
  std::vector<uint8_t> real_;
  PartNamer name_part_;  // set in cells mode
  int64_t row_ = 0;
  int column_ = 0;
  std::vector<Noted> noted_;
  std::string noted_text_;  // identifiers in clear: wiped when resolved
};

// Buffers a stream (a file, an archive entry) and scans it piece by piece.
class TextScanner {
 public:
  static constexpr size_t kPiece = size_t{1} << 20;

  // `piece` is the size scanned at once (smaller in tests and fuzzing).
  TextScanner(const ScanOptions& options, FileResult& out, std::string part = {},
              size_t piece = kPiece)
      : collector_(options, out, std::move(part)), piece_(piece), buf_(TakeBuffer()) {}
  ~TextScanner() { GiveBuffer(std::move(buf_)); }
  TextScanner(const TextScanner&) = delete;
  TextScanner& operator=(const TextScanner&) = delete;
  // Room for at least `n` more bytes: fill a prefix, then Commit what was filled.
  std::span<char> Reserve(size_t n = kPiece);
  void Commit(size_t n);
  void Feed(std::string_view data);
  // Scans what is left.
  void Finish();
  // True once the content is known to be binary (a NUL in its first 8 KiB):
  // it is still scanned, for kBinaryKinds only.
  bool binary() const { return state_ == State::kBinary; }
  uint64_t bytes() const { return total_; }

 private:
  enum class State { kUndecided, kText, kBinary };
  void Decide();
  void ScanPrefix(size_t n);
  // Buffers are reused by the next file on the same thread: a fresh 1 MiB
  // allocation per file costs page faults that show in the scan's speed.
  static std::vector<char> TakeBuffer();
  static void GiveBuffer(std::vector<char> buf);

  FindingCollector collector_;
  size_t piece_;
  std::vector<char> buf_;
  size_t used_ = 0;
  size_t checked_ = 0;  // bytes of buf_ known to hold no place to cut
  // How much text is held, in pieces, waiting for a place to cut (a run of
  // 16 MiB with no newline and no byte that ends an identifier is cut
  // anyway, and an identifier there may be split).
  static constexpr size_t kHoldPieces = 16;
  uint64_t total_ = 0;
  State state_ = State::kUndecided;
};

}  // namespace cordon::scan
