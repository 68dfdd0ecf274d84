#include "scan/report.h"

#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/encoding.h"
#include "core/strings.h"
#include "core/version.h"
#include "source/text_encoding.h"

namespace cordon::scan {
namespace {

using Json = nlohmann::ordered_json;

const char* ConfidenceName(detect::Confidence c) {
  return c == detect::Confidence::kHigh ? "high" : "medium";
}

std::string KindName(size_t k) {
  return std::string(detect::KindName(static_cast<detect::Kind>(k)));
}

// File names are arbitrary bytes: invalid UTF-8 becomes U+FFFD instead of an
// exception in the middle of a report.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

void AppendNumber(std::string& out, uint64_t v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, static_cast<size_t>(end - buf));
}

// The length of the UTF-8 sequence `lead` announces, 0 for a byte that
// cannot start one (a continuation byte, C0/C1, F8–FF).
size_t SequenceLength(unsigned char lead) {
  return lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
}

// A path as the text report prints it: core/strings.h's PrintableText.
std::string PrintablePath(std::string_view path) { return PrintableText(path); }

uint64_t Sum(const KindCounts& c) {
  uint64_t t = 0;
  for (uint64_t v : c) t += v;
  return t;
}

// "2 real, 99,998 valid, not in production"
std::string PresenceCounts(uint64_t real, uint64_t total) {
  return Thousands(real) + " real, " + Thousands(total - real) + " valid, not in production";
}

class TextReporter : public Reporter {
 public:
  explicit TextReporter(bool watched) : watched_(watched) {}
  std::string File(const FileResult& f) override {
    if (f.total() == 0) return {};
    std::string out = PrintablePath(f.path) + ": " + CountsText(f.counts, ", ") +
                      (f.binary ? " (in binary content)" : "") +
                      (watched_ ? " (" + PresenceCounts(Sum(f.real), f.total()) + ")" : "") + "\n";
    // With a watchlist the real ones are shown first: they are what the
    // reader looks for among thousands of pseudonyms.
    std::vector<const Finding*> shown;
    for (const auto& x : f.findings) {
      if (!watched_ || x.presence == Presence::kReal) shown.push_back(&x);
    }
    if (watched_) {
      for (const auto& x : f.findings) {
        if (x.presence != Presence::kReal) shown.push_back(&x);
      }
    }
    for (size_t i = 0; i < shown.size() && i < kTextLocationsShown; ++i) {
      const auto& x = *shown[i];
      out += "  " + PrintablePath(f.Location(x)) + ":" + std::to_string(x.line) + ":" +
             std::to_string(x.column) + "  " + std::string(detect::KindName(x.kind)) + "  " +
             x.masked + (x.binary ? "  (binary content)" : "") +
             (watched_ ? "  " + std::string(PresenceText(x.presence)) : "") + "\n";
    }
    return out;
  }
  std::string End(const ScanReport& report, const Totals& t) override {
    // "2.4 GB in 1.9 s", "310 KB in 0.01 s": units a person reads at a glance.
    auto b = static_cast<double>(report.bytes);
    const char* unit = b >= 1e9 ? "GB" : b >= 1e6 ? "MB" : b >= 1e3 ? "KB" : "B";
    double scaled = b / (b >= 1e9 ? 1e9 : b >= 1e6 ? 1e6 : b >= 1e3 ? 1e3 : 1);
    char sizes[96];
    (void)std::snprintf(sizes, sizeof sizes, "%.*f %s in %.2f s", scaled < 10 && b >= 1e3 ? 1 : 0,
                        scaled, unit, report.seconds);
    std::string kinds = CountsText(t.counts, "; ");
    return Thousands(t.with_findings) + (t.with_findings == 1 ? " file" : " files") +
           " with findings out of " + Thousands(report.files.size()) + "; " + sizes + "; " +
           (kinds.empty() ? "nothing found" : kinds) +
           (watched_ ? "; " + PresenceCounts(t.real_findings, t.findings) : "") + "\n";
  }

 private:
  bool watched_;
};

class JsonReporter : public Reporter {
 public:
  explicit JsonReporter(bool watched) : watched_(watched) {}
  std::string Begin() override { return "{\n  \"version\": 1,\n  \"findings\": ["; }
  // Written by hand, not through nlohmann: reports can hold millions of
  // findings. The quoted location is built once per file (or per archive
  // entry / SQLite cell), numbers go through to_chars: on an export where
  // every line holds identifiers the report is as large as the text.
  std::string File(const FileResult& f) override {
    std::string out;
    out.reserve(f.findings.size() * 128);
    std::string location;  // "path":"…" of the last part seen
    const std::string* part = nullptr;
    for (const auto& x : f.findings) {
      if (part == nullptr || x.part != *part) {
        location.clear();
        AppendJsonString(location, f.Location(x));
        part = &x.part;
      }
      out += first_ ? "\n    {\"path\":" : ",\n    {\"path\":";
      out += location;
      out += ",\"line\":";
      AppendNumber(out, x.line);
      out += ",\"column\":";
      AppendNumber(out, x.column);
      out += ",\"kind\":\"";
      out += detect::KindName(x.kind);
      out += "\",\"masked\":";
      AppendJsonString(out, x.masked);
      out += ",\"confidence\":\"";
      out += ConfidenceName(x.confidence);
      out += x.binary ? "\",\"content\":\"binary\"" : "\"";
      if (x.presence != Presence::kUnchecked) {
        out += x.presence == Presence::kReal ? ",\"real\":true" : ",\"real\":false";
      }
      out += '}';
      first_ = false;
    }
    return out;
  }
  std::string End(const ScanReport& report, const Totals& t) override {
    Json files = Json::array();
    for (const auto& f : report.files) {
      Json counts = Json::object();
      for (size_t k = 0; k < f.counts.size(); ++k) {
        if (f.counts[k]) counts[KindName(k)] = f.counts[k];
      }
      Json file = {{"path", f.path}, {"bytes", f.bytes}, {"counts", counts}};
      if (watched_) file["real"] = Sum(f.real);
      if (!f.container.empty()) file["container"] = f.container;
      if (f.binary) file["content"] = "binary";  // scanned for checksum-proven kinds only
      if (!f.error.empty()) file["error"] = f.error;
      if (!f.warnings.empty()) file["warnings"] = f.warnings;
      files.push_back(file);
    }
    Json counts;
    for (size_t k = 0; k < t.counts.size(); ++k) counts[KindName(k)] = t.counts[k];
    Json summary = {{"files", report.files.size()},
                    {"files_scanned", t.scanned},
                    {"files_with_findings", t.with_findings},
                    {"bytes", report.bytes},
                    {"seconds", report.seconds},
                    {"findings", t.findings},
                    {"counts", counts},
                    {"errors", report.errors}};
    if (watched_) {
      Json real = Json::object();
      for (size_t k = 0; k < t.real.size(); ++k) real[KindName(k)] = t.real[k];
      summary["real"] = t.real_findings;
      summary["not_in_production"] = t.findings - t.real_findings;
      summary["real_counts"] = real;
    }
    return std::string(first_ ? "" : "\n  ") + "],\n  \"files\": " + Dump(files) +
           ",\n  \"summary\": " + Dump(summary) + "\n}\n";
  }

 private:
  bool watched_;
  bool first_ = true;
};

// SARIF 2.1.0, for code-scanning tools: one rule per kind, one result per
// finding. Inside archives and databases the region is the entry's or the
// cell's, so the location is named in the message and as a logical location.
class SarifReporter : public Reporter {
 public:
  std::string Begin() override {
    static constexpr std::array<const char*, std::tuple_size_v<KindCounts>> kTitles = {
        "French social security number (NIR)",
        "Danish CPR number",
        "IBAN",
        "payment card number",
        "e-mail address",
        "phone number"};
    Json rules = Json::array();
    for (size_t k = 0; k < kTitles.size(); ++k) {
      std::string title = kTitles[k];
      rules.push_back(
          {{"id", "cordon/" + KindName(k)},
           {"name", KindName(k)},
           {"shortDescription", {{"text", title + " in clear"}}},
           {"help",
            {{"text", title + " found in clear. Delete the file, or transform the column with an "
                              "order (pseudonym, redact) before the data leaves its system."}}},
           {"defaultConfiguration", {{"level", "error"}}}});
    }
    Json driver = {{"name", "cordon"}, {"version", kVersion}, {"rules", rules}};
    std::string head = Dump(Json{{"tool", {{"driver", driver}}}});
    head.pop_back();  // the run object stays open: results stream in
    return "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
           "\"version\":\"2.1.0\",\"runs\":[\n" +
           head + ",\"columnKind\":\"unicodeCodePoints\",\"results\":[";
  }
  std::string File(const FileResult& f) override {
    std::string out;
    for (const auto& x : f.findings) {
      auto k = static_cast<size_t>(x.kind);
      std::string where =
          f.Location(x) + ":" + std::to_string(x.line) + ":" + std::to_string(x.column);
      Json region = {{"startLine", x.line}, {"startColumn", x.char_column}};
      Json physical = {{"artifactLocation", {{"uri", Uri(f.path)}}}};
      if (x.part.empty()) {
        region["byteOffset"] = x.offset;
        region["byteLength"] = x.length;
        physical["region"] = region;
      }
      // With a watchlist, a valid value that is not in production (a
      // pseudonym) is a note; a real one stays an error.
      const bool note = x.presence == Presence::kNotInProduction;
      std::string text = KindName(k) + " in clear" + (x.binary ? " in binary content" : "") +
                         " at " + where + ": " + x.masked;
      if (x.presence != Presence::kUnchecked) {
        text += " (";
        text += PresenceText(x.presence);
        text += ')';
      }
      Json result = {{"ruleId", "cordon/" + KindName(k)},
                     {"ruleIndex", k},
                     {"level", note ? "note" : "error"},
                     {"message", {{"text", text}}},
                     {"locations", Json::array({{{"physicalLocation", physical}}})},
                     {"properties", {{"confidence", ConfidenceName(x.confidence)}}}};
      if (x.binary) result["properties"]["content"] = "binary";
      if (x.presence != Presence::kUnchecked) {
        result["properties"]["real"] = x.presence == Presence::kReal;
      }
      if (!x.part.empty()) {
        result["locations"][0]["logicalLocations"] =
            Json::array({{{"fullyQualifiedName", x.part}, {"kind", "member"}}});
      }
      out += (first_ ? "\n" : ",\n") + Dump(result);
      first_ = false;
    }
    return out;
  }
  std::string End(const ScanReport& report, const Totals&) override {
    Json notes = Json::array();
    for (const auto& f : report.files) {
      auto add = [&](const std::string& text, const char* level) {
        notes.push_back(
            {{"level", level},
             {"message", {{"text", text}}},
             {"locations", Json::array({{{"physicalLocation",
                                          {{"artifactLocation", {{"uri", Uri(f.path)}}}}}}})}});
      };
      if (!f.error.empty()) add(f.error, "error");
      for (const auto& w : f.warnings) add(w, "warning");
    }
    Json invocation = {{"executionSuccessful", report.errors == 0},
                       {"toolExecutionNotifications", notes}};
    return "\n],\"invocations\":" + Dump(Json::array({invocation})) + "}\n]}\n";
  }

 private:
  // A relative URI reference for the path (percent-encoded), file:// when absolute.
  static std::string Uri(const std::string& path) {
    std::string uri = path.starts_with('/') ? "file://" : "";
    return uri.append(PercentEncodePath(path));
  }
  bool first_ = true;
};

}  // namespace

std::string_view PresenceText(Presence p) {
  switch (p) {
    case Presence::kReal:
      return "real";
    case Presence::kNotInProduction:
      return "valid, not in production";
    case Presence::kUnchecked:
      break;
  }
  return "unchecked";
}

Totals Summarize(const ScanReport& report) {
  Totals t;
  for (const auto& f : report.files) {
    for (size_t k = 0; k < t.counts.size(); ++k) {
      t.counts[k] += f.counts[k];
      t.real[k] += f.real[k];
      t.real_findings += f.real[k];
    }
    t.findings += f.total();
    t.with_findings += f.total() > 0;
    t.scanned += f.error.empty();
  }
  return t;
}

std::string CountsText(const KindCounts& counts, std::string_view sep) {
  std::string out;
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] == 0) continue;
    out += (out.empty() ? "" : std::string(sep)) + Thousands(counts[k]) + " " + KindName(k);
  }
  return out;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    // Printable ASCII but '"' and '\\' goes through as it is, a stretch at once.
    size_t plain = i;
    while (plain < s.size()) {
      const auto b = static_cast<unsigned char>(s[plain]);
      if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
      ++plain;
    }
    if (plain > i) {
      out.append(s.substr(i, plain - i));
      i = plain;
      continue;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      char esc[8];
      (void)std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      // The lead byte only says how long the sequence claims to be; the
      // validator rejects overlong forms, surrogates and values past U+10FFFF.
      const size_t n = SequenceLength(c);
      if (n > 0 && i + n <= s.size() && source::IsValidUtf8(s.substr(i, n))) {
        out.append(s.substr(i, n));
        i += n;
      } else {
        out += "\uFFFD";
        ++i;
      }
    }
  }
  out += '"';
}

std::unique_ptr<Reporter> MakeReporter(ReportFormat format, bool watched) {
  switch (format) {
    case ReportFormat::kJson:
      return std::make_unique<JsonReporter>(watched);
    case ReportFormat::kSarif:
      return std::make_unique<SarifReporter>();
    case ReportFormat::kText:
      break;
  }
  return std::make_unique<TextReporter>(watched);
}

}  // namespace cordon::scan
