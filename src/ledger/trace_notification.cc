// The GDPR Art. 33 notification drafted from a trace: the facts the ledger
// and the trace establish, and a placeholder for each fact only the DPO
// knows. French first (CNIL's form), then English.
#include <algorithm>
#include <sstream>

#include "core/encoding.h"
#include "ledger/report.h"
#include "ledger/trace_report.h"

namespace cordon::ledger {
namespace {

struct Words {
  const char* title;
  const char* draft_note;
  const char* nature_h;
  const char* nature;  // %leak% %rows% %packages%
  const char* categories_h;
  const char* subjects;
  const char* records;
  const char* identifiers;
  const char* parties_h;
  const char* controller;
  const char* processor;
  const char* recipients;
  const char* timeline_h;
  const char* extracted;
  const char* traced;
  const char* measures_h;
  const char* measures;
  const char* dpo_h;
  const char* dpo;
  const char* none;
  const char* todo;
  bool french;
};

// An event's verb (trace_report.cc's words) in the notification's language.
std::string Verb(const std::string& what, bool french) {
  if (!french) return what;
  if (what == "uploaded") return "déposé sur l'échange";
  if (what == "downloaded") return "téléchargé";
  if (what == "opened") return "ouvert (déchiffré)";
  if (what == "confirmed and deleted") return "import confirmé, paquet supprimé";
  if (what == "deleted") return "supprimé";
  return what;
}

constexpr Words kFrench{
    "Notification de violation de données personnelles (RGPD, art. 33) — projet",
    "Projet établi par `cordon trace` à partir du registre (ledger) : les faits ci-dessous sont "
    "ceux que le registre et la comparaison des empreintes établissent. Les passages entre "
    "crochets sont à compléter par le DPO. À notifier à l'autorité de contrôle dans les 72 heures "
    "suivant la prise de connaissance de la violation.",
    "Nature de la violation",
    "Violation de la confidentialité : un fichier (%leak%, %rows% lignes) a été trouvé hors du "
    "périmètre autorisé. La comparaison de ses lignes aux empreintes de provenance enregistrées "
    "lors des extractions l'attribue à %packages% paquet(s) listé(s) ci-dessous.",
    "Catégories et nombre approximatif de personnes et d'enregistrements",
    "Personnes concernées (approximatif)",
    "Enregistrements du fichier attribués aux paquets",
    "Identifiants reconnus parmi eux",
    "Responsable du traitement, sous-traitant, destinataires",
    "Responsable du traitement",
    "Sous-traitant",
    "Destinataires (clés age)",
    "Chronologie (registre)",
    "extraction du paquet",
    "attribution du fichier par `cordon trace`",
    "Mesures prises ou envisagées",
    "- Le fichier a été attribué à son paquet d'origine ; l'attribution est reproductible par un "
    "tiers disposant de la clé de traçage, des fichiers de provenance et du registre.\n"
    "- [À compléter : retrait du fichier, révocation des accès du destinataire, information des "
    "personnes (art. 34), plainte, mesures pour éviter une récidive]",
    "Contact et faits connus du seul DPO",
    "- Délégué à la protection des données : [nom, coordonnées]\n"
    "- Date et heure de la prise de connaissance de la violation : [à compléter]\n"
    "- Comment et où le fichier a été trouvé : [à compléter]\n"
    "- Conséquences probables pour les personnes : [à compléter]\n"
    "- Catégories de données (colonnes) : [à compléter d'après le manifest.json du paquet]",
    "aucun",
    "[à compléter]",
    true};

constexpr Words kEnglish{
    "Personal data breach notification (GDPR Art. 33) — draft",
    "Drafted by `cordon trace` from the ledger: the facts below are those the ledger and the "
    "comparison of digests establish. Bracketed passages are for the DPO to complete. To be "
    "notified to the supervisory authority within 72 hours of becoming aware of the breach.",
    "Nature of the breach",
    "Breach of confidentiality: a file (%leak%, %rows% rows) was found outside the authorised "
    "perimeter. Comparing its rows with the provenance digests recorded at extraction attributes "
    "it to the %packages% package(s) listed below.",
    "Categories and approximate number of data subjects and records",
    "Data subjects (approximate)",
    "Records of the file attributed to the packages",
    "Identifiers recognised among them",
    "Controller, processor, recipients",
    "Controller",
    "Processor",
    "Recipients (age keys)",
    "Timeline (ledger)",
    "package extracted",
    "file attributed by `cordon trace`",
    "Measures taken or proposed",
    "- The file was attributed to the package it came from; the attribution can be reproduced by "
    "a third party holding the trace key, the provenance files and the ledger.\n"
    "- [To complete: removal of the file, revocation of the recipient's access, communication to "
    "the data subjects (Art. 34), complaint, measures against a recurrence]",
    "Contact, and facts only the DPO knows",
    "- Data protection officer: [name, contact details]\n"
    "- Date and time the breach became known: [to complete]\n"
    "- How and where the file was found: [to complete]\n"
    "- Likely consequences for the data subjects: [to complete]\n"
    "- Categories of data (columns): [to complete from the package's manifest.json]",
    "none",
    "[to complete]",
    false};

std::string Replace(std::string s, std::string_view from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::string Or(const std::string& s, const Words& w) {
  return s.empty() ? w.todo : MarkdownEscape(s);
}

void Section(std::ostringstream& out, const TraceReport& r, const NotificationFacts& f,
             const Words& w) {
  std::vector<const TracedPackage*> named;
  for (const auto& p : r.packages)
    if (p.named) named.push_back(&p);
  uint64_t records = 0, identifiers = 0;
  for (const auto* p : named) records += p->match.rows;
  // One person per national number when the leak has them; else one per
  // row (a results table has several rows per person: an upper bound).
  std::string kinds;
  for (const auto& [kind, n] : r.kinds) {
    if (kind == "nir" || kind == "cpr") identifiers += n;
    kinds += (kinds.empty() ? "" : ", ") + kind + " " + Thousands(n);
  }
  out << "## " << w.title << "\n\n_" << w.draft_note << "_\n\n### " << w.nature_h << "\n\n"
      << Replace(Replace(Replace(w.nature, "%leak%", MarkdownEscape(f.leak_name)), "%rows%",
                         Thousands(r.leak_rows)),
                 "%packages%", std::to_string(named.size()))
      << "\n\n### " << w.categories_h << "\n\n"
      << "- " << w.subjects << ": ~" << Thousands(identifiers > 0 ? identifiers : records) << "\n- "
      << w.records << ": " << Thousands(records) << " / " << Thousands(r.leak_rows) << "\n- "
      << w.identifiers << ": " << (kinds.empty() ? w.none : kinds) << "\n";
  for (const auto* p : named) {
    const Extraction& x = p->extraction;
    out << "\n### " << w.parties_h << " — " << MarkdownEscape(x.order_id) << " ("
        << x.package_sha256.substr(0, 16) << "…)\n\n"
        << "- " << w.controller << ": " << Or(x.controller, w) << "\n- " << w.processor << ": "
        << Or(x.processor, w) << "\n- " << w.recipients << ": ";
    for (size_t i = 0; i < x.recipients.size(); ++i)
      out << (i ? ", " : "") << "`" << x.recipients[i] << "`";
    out << "\n- " << Thousands(p->match.rows) << " / " << Thousands(x.rows) << "\n";
  }
  out << "\n### " << w.timeline_h << "\n\n| UTC | |\n|---|---|\n";
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto* p : named) {
    const std::string id = MarkdownEscape(p->extraction.order_id);
    lines.push_back({p->extraction.time,
                     id + ": " + w.extracted + " (" + MarkdownEscape(p->extraction.by) + ")"});
    for (const auto& e : p->events)
      lines.push_back(
          {e.time, id + ": " + Verb(e.what, w.french) + " — " + MarkdownEscape(e.who) +
                       (e.detail.empty() ? "" : " (" + MarkdownEscape(e.detail) + ")")});
  }
  lines.push_back({f.now, w.traced});
  std::stable_sort(lines.begin(), lines.end());
  for (const auto& [time, what] : lines) out << "| " << time << " | " << what << " |\n";
  out << "\n### " << w.measures_h << "\n\n"
      << w.measures << "\n\n### " << w.dpo_h << "\n\n"
      << w.dpo << "\n\n";
}

}  // namespace

std::string RenderNotification(const TraceReport& report, const NotificationFacts& facts) {
  std::ostringstream out;
  out << "# Violation de données / Data breach — " << MarkdownEscape(facts.leak_name) << "\n\n";
  Section(out, report, facts, kFrench);
  Section(out, report, facts, kEnglish);
  return out.str();
}

}  // namespace cordon::ledger
