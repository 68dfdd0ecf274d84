#include "ssh/allowed_signers.h"

#include <ctime>

#include "core/encoding.h"
#include "core/strings.h"
#include "crypto/hash.h"

namespace cordon::ssh {
namespace {

constexpr std::string_view kPasskeyType = "sk-ecdsa-sha2-nistp256@openssh.com";
// A file of a few hundred people; a larger one is a mistake, not a roster.
constexpr size_t kMaxLines = 100000;

Error BadLine(int line, std::string what) {
  return Error(ErrorCode::kMalformed,
               "allowed signers line " + std::to_string(line) + ": " + std::move(what),
               "the format is ssh-keygen(1) ALLOWED SIGNERS: `principal "
               "namespaces=\"…\" sk-ecdsa-sha2-nistp256@openssh.com AAAA…`");
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

void SkipSpace(std::string_view& s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
}

// A field up to the next blank; a field that starts with a quote runs to
// the closing quote (ssh's strdelimw).
Result<std::string> NextField(std::string_view& s, int line, std::string_view what) {
  SkipSpace(s);
  if (s.empty()) return BadLine(line, "no " + std::string(what));
  std::string out;
  if (s.front() == '"') {
    const size_t close = s.find('"', 1);
    if (close == s.npos) return BadLine(line, "an unterminated quote in the " + std::string(what));
    out = s.substr(1, close - 1);
    s.remove_prefix(close + 1);
  } else {
    size_t end = 0;
    while (end < s.size() && !IsSpace(s[end])) ++end;
    out = s.substr(0, end);
    s.remove_prefix(end);
  }
  return out;
}

// The options field: up to the first blank outside quotes
// (sshkey_advance_past_options).
Result<std::string> OptionsField(std::string_view& s, int line) {
  bool quoted = false;
  size_t end = 0;
  for (; end < s.size() && (quoted || !IsSpace(s[end])); ++end) {
    if (s[end] == '\\' && end + 1 < s.size() && s[end + 1] == '"') {
      ++end;
    } else if (s[end] == '"') {
      quoted = !quoted;
    }
  }
  if (quoted) return BadLine(line, "an unterminated quote in the options");
  std::string out(s.substr(0, end));
  s.remove_prefix(end);
  return out;
}

// YYYYMMDD[HHMM[SS]][Z] (misc.c parse_absolute_time): UTC with Z, local
// time without.
Result<int64_t> ParseAbsoluteTime(std::string_view text, int line) {
  bool utc = !text.empty() && (text.back() == 'Z' || text.back() == 'z');
  if (utc) text.remove_suffix(1);
  if ((text.size() != 8 && text.size() != 12 && text.size() != 14) ||
      text.find_first_not_of("0123456789") != text.npos) {
    return BadLine(line, "a time is not YYYYMMDD[HHMM[SS]][Z]");
  }
  auto num = [&](size_t at, size_t n) { return std::stoi(std::string(text.substr(at, n))); };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  if (text.size() >= 12) {
    tm.tm_hour = num(8, 2);
    tm.tm_min = num(10, 2);
  }
  if (text.size() == 14) tm.tm_sec = num(12, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 59) {
    return BadLine(line, "a time is not a real date and time");
  }
  tm.tm_isdst = -1;
  const std::time_t t = utc ? ::timegm(&tm) : std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return BadLine(line, "a time cannot be represented");
  return static_cast<int64_t>(t);
}

// The quoted value of an option: `name="value"`.
Result<std::string> OptionValue(std::string_view option, std::string_view name, int line) {
  std::string_view v = option.substr(name.size());
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') {
    return BadLine(line, "option " + std::string(name) + " needs a quoted value");
  }
  return std::string(v.substr(1, v.size() - 2));
}

// cert-authority, namespaces="…", valid-after="…", valid-before="…"
// (sshsig.c sshsigopt_parse): anything else is refused, as ssh-keygen does.
Status ParseOptions(std::string_view options, int line, AllowedSigner& out) {
  while (!options.empty()) {
    size_t end = 0;
    bool quoted = false;
    for (; end < options.size() && (quoted || options[end] != ','); ++end) {
      if (options[end] == '"') quoted = !quoted;
    }
    const std::string_view opt = options.substr(0, end);
    options.remove_prefix(end < options.size() ? end + 1 : end);
    auto starts = [&](std::string_view p) {
      return opt.size() >= p.size() && EqualsIgnoringAsciiCase(opt.substr(0, p.size()), p);
    };
    if (EqualsIgnoringAsciiCase(opt, "cert-authority")) {
      out.cert_authority = true;
    } else if (starts("namespaces=")) {
      CORDON_ASSIGN_OR_RETURN(std::string v, OptionValue(opt, "namespaces=", line));
      size_t from = 0;
      while (from <= v.size()) {
        const size_t comma = std::min(v.find(',', from), v.size());
        out.namespaces.push_back(v.substr(from, comma - from));
        from = comma + 1;
      }
    } else if (starts("valid-after=")) {
      CORDON_ASSIGN_OR_RETURN(std::string v, OptionValue(opt, "valid-after=", line));
      CORDON_ASSIGN_OR_RETURN(out.valid_after, ParseAbsoluteTime(v, line));
    } else if (starts("valid-before=")) {
      CORDON_ASSIGN_OR_RETURN(std::string v, OptionValue(opt, "valid-before=", line));
      CORDON_ASSIGN_OR_RETURN(out.valid_before, ParseAbsoluteTime(v, line));
    } else {
      return BadLine(
          line, "an option ssh-keygen does not know: \"" + std::string(opt.substr(0, 32)) + "\"");
    }
  }
  return Ok();
}

// Whether `text` starts like an OpenSSH key type rather than options.
bool LooksLikeKeyType(std::string_view text) {
  return text.rfind("ssh-", 0) == 0 || text.rfind("sk-", 0) == 0 || text.rfind("ecdsa-", 0) == 0;
}

Result<AllowedSigner> ParseLine(std::string_view s, int line) {
  AllowedSigner out;
  out.line = line;
  CORDON_ASSIGN_OR_RETURN(out.principals, NextField(s, line, "principal"));
  if (out.principals.empty()) return BadLine(line, "an empty principal");
  SkipSpace(s);
  if (s.empty()) return BadLine(line, "no key after the principal");
  if (!LooksLikeKeyType(s)) {
    CORDON_ASSIGN_OR_RETURN(std::string options, OptionsField(s, line));
    CORDON_TRY(ParseOptions(options, line, out));
  }
  CORDON_ASSIGN_OR_RETURN(out.key_type, NextField(s, line, "key type"));
  CORDON_ASSIGN_OR_RETURN(std::string b64, NextField(s, line, "key"));
  // What follows the key is its comment.
  if (out.key_type != kPasskeyType) return out;
  auto blob = Base64Decode(b64);
  if (!blob.ok()) return BadLine(line, "the key is not base64");
  auto key = SkEcdsaKey::FromBlob(*blob);
  if (!key.ok()) return BadLine(line, key.error().message());
  out.passkey = std::move(*key);
  return out;
}

// * any run, ? any one character (match.c match_pattern). Iterative, with
// one backtrack point (the last *): O(|s|·|p|) whatever the pattern.
bool MatchPattern(std::string_view s, std::string_view p) {
  size_t si = 0, pi = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++si;
      ++pi;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Error Refused(std::string what, std::string hint = {}) {
  return Error(ErrorCode::kAuthFailed, "signature refused: " + std::move(what), std::move(hint));
}

}  // namespace

Result<std::vector<AllowedSigner>> ParseAllowedSigners(std::string_view text) {
  std::vector<AllowedSigner> out;
  int line = 0;
  while (!text.empty()) {
    if (++line > static_cast<int>(kMaxLines)) {
      return Error(ErrorCode::kMalformed, "allowed signers: more than 100000 lines");
    }
    const size_t nl = text.find('\n');
    std::string_view l = text.substr(0, nl);
    text.remove_prefix(nl == text.npos ? text.size() : nl + 1);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    SkipSpace(l);
    if (l.empty() || l.front() == '#') continue;
    CORDON_ASSIGN_OR_RETURN(AllowedSigner signer, ParseLine(l, line));
    out.push_back(std::move(signer));
  }
  return out;
}

bool MatchPatternList(std::string_view value, std::string_view patterns) {
  bool positive = false;
  size_t from = 0;
  while (from <= patterns.size()) {
    const size_t comma = std::min(patterns.find(',', from), patterns.size());
    std::string_view p = patterns.substr(from, comma - from);
    from = comma + 1;
    const bool negated = !p.empty() && p.front() == '!';
    if (negated) p.remove_prefix(1);
    if (MatchPattern(value, p)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

bool OriginFitsRelyingParty(std::string_view origin, std::string_view rp_id) {
  constexpr std::string_view kScheme = "https://";
  if (origin.rfind(kScheme, 0) != 0) return false;
  origin.remove_prefix(kScheme.size());
  if (origin.substr(0, rp_id.size()) != rp_id) return false;
  origin.remove_prefix(rp_id.size());
  if (origin.empty()) return true;
  // ":port", 1 to 65535, no leading zero.
  if (origin.front() != ':' || origin.size() < 2 || origin.size() > 6 || origin[1] == '0' ||
      origin.find_first_not_of("0123456789", 1) != origin.npos) {
    return false;
  }
  return std::stoi(std::string(origin.substr(1))) <= 65535;
}

Result<AllowedSignature> VerifyWithAllowedSigners(std::string_view armored, ByteView message,
                                                  const std::vector<AllowedSigner>& signers,
                                                  std::string_view ns, int64_t now) {
  CORDON_ASSIGN_OR_RETURN(Sshsig parsed, ParseSshsig(armored));
  AllowedSignature out;
  out.fingerprint = parsed.key.Fingerprint();
  // The lines of this key; then, of those, the ones that allow this
  // namespace now (ssh-keygen's check_allowed_keys_line).
  std::vector<const AllowedSigner*> lines;
  for (const AllowedSigner& s : signers) {
    if (!s.cert_authority && s.passkey && s.passkey->Blob() == parsed.key.Blob()) {
      lines.push_back(&s);
    }
  }
  if (lines.empty()) {
    return Refused("made with the key " + out.fingerprint +
                       ", which the allowed signers file "
                       "does not list",
                   "only a person listed in the allowed signers file may sign an order");
  }
  std::string why;
  const AllowedSigner* allowed = nullptr;
  for (const AllowedSigner* s : lines) {
    std::string line = "line " + std::to_string(s->line) + " (" + s->principals + ")";
    if (!s->namespaces.empty()) {
      std::string list;
      for (const std::string& n : s->namespaces) list += (list.empty() ? "" : ",") + n;
      if (!MatchPatternList(ns, list)) {
        why = line + " does not allow the namespace \"" + std::string(ns) + "\"";
        continue;
      }
    }
    if (s->valid_after && now < *s->valid_after) {
      why = line + " is not valid yet (valid-after)";
      continue;
    }
    if (s->valid_before && now > *s->valid_before) {
      why = line + " has expired (valid-before)";
      continue;
    }
    out.principals.push_back(s->principals);
    allowed = allowed ? allowed : s;
  }
  if (allowed == nullptr) return Refused("the key " + out.fingerprint + ": " + why);
  const SkEcdsaKey& key = *allowed->passkey;
  if (!OriginFitsRelyingParty(parsed.signature.origin, key.application)) {
    return Refused("made on \"" + parsed.signature.origin.substr(0, 128) + "\", not on https://" +
                   key.application);
  }
  SshsigPolicy policy{.ns = std::string(ns),
                      .origin = parsed.signature.origin,
                      .require_user_verified = true,
                      .counter_above = std::nullopt};
  CORDON_ASSIGN_OR_RETURN(out.sig, VerifySshsig(armored, message, key, policy));
  return out;
}

}  // namespace cordon::ssh
