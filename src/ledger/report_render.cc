// Rendering the controller's report: the evidence JSON, HTML and Markdown.
// Everything that comes from the ledger is escaped: an entry's text (a
// person's name, an error message) is data, never markup.
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/encoding.h"
#include "ledger/report.h"

namespace cordon::ledger {
namespace {

bool French(const OrderReport& r) { return r.language == ReportLanguage::kFrench; }

std::string Title(const OrderReport& r) {
  return (French(r) ? "Ce qui a été fait sous l'ordre " : "What was done under order ") +
         r.order_id;
}

std::string Intro(const OrderReport& r) {
  if (French(r)) {
    return "Ce rapport liste chaque opération que cordon a enregistrée sous cet ordre, dans "
           "l'ordre où elles ont eu lieu. Chaque ligne est une entrée d'un registre infalsifiable "
           "(" +
           r.origin +
           ") : les preuves en fin de document permettent à quiconque de vérifier, sans faire "
           "confiance à l'éditeur ni à cordon, que ces entrées sont exactement celles que le "
           "registre a signées, et qu'aucune n'a été modifiée. Conservez le point de contrôle : "
           "un rapport ultérieur doit le prolonger (`cordon ledger consistency`).";
  }
  return "This report lists every operation cordon recorded under this order, in the order they "
         "happened. Each line is an entry of a tamper-evident ledger (" +
         r.origin +
         "): the evidence at the end lets anyone check, without trusting the vendor or cordon, "
         "that these entries are exactly those the ledger signed, and that none was altered. "
         "Keep the checkpoint: a later report must extend it (`cordon ledger consistency`).";
}

// The fixed words of both formats (plain text: nothing to escape).
struct Labels {
  std::string_view when, who, what, outcome, none, how, vkey, how_to_check, checkpoint, evidence,
      lang;
};
Labels LabelsOf(const OrderReport& r) {
  if (French(r)) {
    return {"Quand (UTC)",
            "Qui",
            "Quoi",
            "Résultat",
            "Aucune opération n'est enregistrée sous cet ordre.",
            "Comment vérifier ce rapport",
            "La clé de vérification du registre est ",
            ". Comparez-la à celle qui vous a été remise. Les preuves ci-dessous contiennent le "
            "point de contrôle signé (une note signée C2SP), les octets exacts de chaque entrée "
            "(base64) et sa preuve d'inclusion RFC 6962 ; docs/ledger.md explique la "
            "vérification pas à pas.",
            "Point de contrôle signé",
            "Preuves",
            "fr"};
  }
  return {"When (UTC)",
          "Who",
          "What",
          "Outcome",
          "No operation is recorded under this order.",
          "How to check this report",
          "The ledger's verifier key is ",
          ". Compare it with the one you were given. The evidence below holds the signed "
          "checkpoint (a C2SP signed note), each entry's exact bytes (base64) and its RFC 6962 "
          "inclusion proof; docs/ledger.md explains the check step by step.",
          "Signed checkpoint",
          "Evidence",
          "en"};
}

// JSON inside <script>: "</" would end the element early, so it is written
// "<\/" (the same string to a JSON parser).
std::string ScriptSafe(std::string t) {
  for (size_t p = 0; (p = t.find("</", p)) != std::string::npos; p += 3) t.replace(p, 2, "<\\/");
  return t;
}

}  // namespace

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\n' || c == '\r') {
      out += ' ';  // a line break would end the table row: the rest would be markup
      continue;
    }
    // The backslash too: "\\|" must not turn into an escaped backslash and a
    // live '|'. '&' would start an entity (&lt;), '~' strike through, '@'
    // make an e-mail autolink, '!' an image, '#' and '>' a heading or a quote
    // at a line's start (a name could be rendered where one starts).
    constexpr std::string_view kAlways = "|*_`<>[\\&~@!#";
    // GitHub-flavoured Markdown links "http://…" and "www.…" without any
    // markup: an escaped ':' or '.' splits the text the linker looks in.
    const bool scheme = c == ':' && s.substr(i + 1, 2) == "//";
    const bool www =
        c == '.' && i >= 3 && (i == 3 || !std::isalnum(static_cast<unsigned char>(s[i - 4]))) &&
        (s[i - 3] | 0x20) == 'w' && (s[i - 2] | 0x20) == 'w' && (s[i - 1] | 0x20) == 'w';
    if (kAlways.find(c) != std::string_view::npos || scheme || www) out += '\\';
    out += c;
  }
  return out;
}

namespace {

// The evidence with its keys in the order a person reads them.
nlohmann::ordered_json Evidence(const OrderReport& r) {
  using J = nlohmann::ordered_json;
  J evidence;
  evidence["format"] = "cordon-report-evidence-v1";
  evidence["order_id"] = r.order_id;
  evidence["vkey"] = r.vkey;
  evidence["checkpoint"] = r.checkpoint;
  J list = J::array();
  for (const auto& ev : r.events) {
    J proof = J::array();
    for (const auto& h : ev.proof) proof.push_back(Base64Encode(h));
    list.push_back({{"index", ev.index},
                    {"entry", Base64Encode(AsBytes(ev.entry))},
                    {"leaf_hash", Base64Encode(ev.leaf)},
                    {"proof", std::move(proof)}});
  }
  evidence["entries"] = std::move(list);
  return evidence;
}

}  // namespace

std::string EvidenceJson(const OrderReport& r) { return Evidence(r).dump(1); }

std::string CompactEvidenceJson(const OrderReport& r) {
  // Each distinct hash once, numbered in the order first met: a report's
  // paths meet a few levels up, so ten thousand proofs of ~14 hashes hold
  // about two hashes per entry.
  struct FirstBytes {  // a SHA-256 output's first 8 bytes are as good as any hash of it
    size_t operator()(const Hash& h) const {
      size_t v;
      std::memcpy(&v, h.data(), sizeof v);
      return v;
    }
  };
  std::unordered_map<Hash, uint32_t, FirstBytes> numbers;
  numbers.reserve(r.events.size() * 4);
  Bytes nodes;
  std::string entries;
  entries.reserve(r.events.size() * 128);
  for (const auto& ev : r.events) {
    entries += entries.empty() ? "{\"index\":" : ",{\"index\":";
    entries += std::to_string(ev.index);
    entries += ",\"entry\":\"";
    entries += Base64Encode(AsBytes(ev.entry));  // base64: no escaping
    entries += "\",\"proof\":[";
    for (size_t k = 0; k < ev.proof.size(); ++k) {
      auto [it, added] = numbers.try_emplace(ev.proof[k], static_cast<uint32_t>(numbers.size()));
      if (added) nodes.insert(nodes.end(), it->first.begin(), it->first.end());
      if (k > 0) entries += ',';
      entries += std::to_string(it->second);
    }
    entries += "]}";
  }
  using nlohmann::json;
  std::string out = "{\"format\":\"cordon-report-evidence-v2\",\"order_id\":";
  out += json(r.order_id).dump(-1, ' ', false, json::error_handler_t::replace);
  out += ",\"vkey\":" + json(r.vkey).dump() + ",\"checkpoint\":" + json(r.checkpoint).dump();
  out += ",\"nodes\":\"" + Base64Encode(nodes) + "\",\"entries\":[";
  out += entries;
  out += "]}";
  return out;
}

std::string RenderHtml(const OrderReport& r) {
  const std::string title = Title(r);
  const Labels l = LabelsOf(r);
  std::string doc =
      "<!doctype html>\n<html lang=\"" + std::string(l.lang) +
      "\"><head><meta charset=\"utf-8\">\n<title>" + HtmlEscape(title) +
      "</title>\n<style>body{font:15px/1.5 system-ui,sans-serif;max-width:70em;margin:2em "
      "auto;padding:0 1em;color:#222}table{border-collapse:collapse;width:100%}td,th{border:"
      "1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}th{background:#f3f3f3}"
      ".refused,.failed,.noperson{color:#a00;font-weight:600}pre{background:#f6f6f6;padding:1em;"
      "overflow-x:auto;font-size:12px}</style>\n</head><body>\n<h1>" +
      HtmlEscape(title) + "</h1>\n<p>" + HtmlEscape(Intro(r)) + "</p>\n";
  doc += "<table id=\"events\"><thead><tr><th>#</th><th>" + std::string(l.when) + "</th><th>" +
         std::string(l.who) + "</th><th>" + std::string(l.what) + "</th><th>" +
         std::string(l.outcome) + "</th></tr></thead><tbody>\n";
  for (const auto& ev : r.events) {
    doc += "<tr><td>" + std::to_string(ev.index) + "</td><td>" + HtmlEscape(ev.time) + "</td><td" +
           (ev.no_person ? " class=\"noperson\"" : "") + ">" + HtmlEscape(ev.who) + "</td><td>" +
           HtmlEscape(ev.what) + "</td><td class=\"" + HtmlEscape(ev.outcome) + "\">" +
           HtmlEscape(ev.outcome_text) + "</td></tr>\n";
  }
  doc += "</tbody></table>\n";
  if (r.events.empty()) doc += "<p><strong>" + std::string(l.none) + "</strong></p>\n";
  const std::string evidence = EvidenceJson(r);
  doc += "<h2>" + std::string(l.how) + "</h2>\n<p>" + std::string(l.vkey) + "<code>" +
         HtmlEscape(r.vkey) + "</code>" + std::string(l.how_to_check) + "</p>\n<h3>" +
         std::string(l.checkpoint) + "</h3>\n<pre id=\"checkpoint\">" + HtmlEscape(r.checkpoint) +
         "</pre>\n<h3>" + std::string(l.evidence) +
         "</h3>\n<script type=\"application/json\" id=\"cordon-evidence\">\n" +
         ScriptSafe(evidence) + "\n</script>\n<pre>" + HtmlEscape(evidence) +
         "</pre>\n</body></html>\n";
  return doc;
}

std::string RenderMarkdown(const OrderReport& r) {
  const Labels l = LabelsOf(r);
  // The title and intro are our own text: the intro is not escaped.
  std::string doc = "# " + MarkdownEscape(Title(r)) + "\n\n" + Intro(r) + "\n\n";
  doc += "| # | " + std::string(l.when) + " | " + std::string(l.who) + " | " + std::string(l.what) +
         " | " + std::string(l.outcome) + " |\n|---|---|---|---|---|\n";
  for (const auto& ev : r.events) {
    const std::string who = MarkdownEscape(ev.who);
    doc += "| " + std::to_string(ev.index) + " | " + MarkdownEscape(ev.time) + " | " +
           (ev.no_person ? "<span style=\"color:#a00\">**" + who + "**</span>" : who) + " | " +
           MarkdownEscape(ev.what) + " | " + MarkdownEscape(ev.outcome_text) + " |\n";
  }
  if (r.events.empty()) doc += "\n**" + std::string(l.none) + "**\n";
  doc += "\n## " + std::string(l.how) + "\n\n" + std::string(l.vkey) + "`" + r.vkey + "`" +
         std::string(l.how_to_check) + "\n\n### " + std::string(l.checkpoint) + "\n\n```\n" +
         r.checkpoint + "```\n\n### " + std::string(l.evidence) + "\n\n```json\n" +
         EvidenceJson(r) + "\n```\n";
  return doc;
}

}  // namespace cordon::ledger
