// `cordon trace`: the controller's trace key, under which `extract
// --trace-key` writes each package's provenance digests, and a look at a
// provenance file (docs/trace.md). Tracing a leaked file is built on these.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/key_files.h"
#include "core/encoding.h"
#include "core/file.h"
#include "pipeline/provenance.h"

namespace cordon::cli {
namespace {

Status NewKey(const std::string& output) {
  pipeline::TraceKey key = pipeline::TraceKey::Generate();
  CORDON_TRY(WriteSecretFile(output, key.FileText()));
  std::cout << key.id() << "\n";
  std::cerr << "cordon: wrote " << output
            << " (mode 0600). Keep it with the controller: with it, rows and values can be "
               "tested against the provenance files.\n";
  return Ok();
}

// A provenance file's header and counts: no digest, nothing secret.
Status Info(const std::string& path, bool json) {
  // A million rows of one table is 8 MB; 4 GiB allows hundreds of millions.
  CORDON_ASSIGN_OR_RETURN(Bytes bytes, ReadFileLimited(path, size_t{4} << 30));
  auto parsed = pipeline::Provenance::Parse(bytes);
  if (!parsed.ok()) return parsed.error().WithContext(path);
  const pipeline::Provenance& p = *parsed;
  if (json) {
    nlohmann::ordered_json j = {{"format", "cordon-provenance"},
                                {"version", 1},
                                {"package_sha256", p.package_sha256},
                                {"order", p.order_id},
                                {"trace_key_id", p.key_id},
                                {"created", p.created},
                                {"delete_by", p.delete_by}};
    nlohmann::ordered_json tables = nlohmann::ordered_json::array();
    for (const auto& t : p.tables)
      tables.push_back({{"name", t.name}, {"rows", t.rows.size()}, {"values", t.values.size()}});
    j["tables"] = tables;
    std::cout << j.dump(2) << "\n";
    return Ok();
  }
  std::cout << "provenance of package " << p.package_sha256 << "\n  order     " << p.order_id
            << "\n  trace key " << p.key_id << "\n  created   " << p.created << "\n  delete by "
            << p.delete_by << "\n";
  for (const auto& t : p.tables) {
    std::cout << "  table " << t.name << ": " << Thousands(t.rows.size()) << " row digests, "
              << Thousands(t.values.size()) << " value digests\n";
  }
  return Ok();
}

}  // namespace

void RegisterTraceCommands(CLI::App& app, int* exit_code) {
  CLI::App* t = app.add_subcommand(
      "trace",
      "The controller's trace key and the provenance files `extract --trace-key` writes\n"
      "beside each package (keyed digests of its rows and identifying values, docs/trace.md).\n"
      "  cordon trace keygen -o trace.key\n"
      "  cordon extract ... --trace-key trace.key --out pkg     (writes pkg.provenance)\n"
      "  cordon trace info pkg.provenance");
  t->require_subcommand(1);

  auto key_out = std::make_shared<std::string>();
  CLI::App* keygen =
      t->add_subcommand("keygen", "create a trace key file (mode 0600); prints its id");
  keygen->add_option("-o,--output", *key_out, "key file to create (never overwritten)")->required();
  keygen->callback([key_out, exit_code] { *exit_code = Finish(NewKey(*key_out)); });

  auto info = std::make_shared<std::pair<std::string, bool>>();
  CLI::App* inf = t->add_subcommand(
      "info", "a provenance file's package, order, trace key id, retention and counts");
  inf->add_option("FILE", info->first, "provenance file")->required();
  inf->add_flag("--json", info->second, "as JSON");
  inf->callback([info, exit_code] { *exit_code = Finish(Info(info->first, info->second)); });
}

}  // namespace cordon::cli
