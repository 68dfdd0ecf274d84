// `plan`: the extraction's dry run. Nothing is written; the rows go to a sink
// that counts them and keeps a few masked samples.
#include "pipeline/csv_writer.h"
#include "pipeline/extract.h"

namespace cordon::pipeline {
namespace {

constexpr size_t kSamples = 5;

class PlanSink final : public RowSink {
 public:
  PlanSink(PlanTable& out, bool have_key) : out_(out), have_key_(have_key) {}
  Status Begin(const std::vector<std::string>& columns) override {
    std::vector<std::string_view> names(columns.begin(), columns.end());
    Count(names);
    return Ok();
  }
  Status Row(const std::vector<std::string_view>& values) override {
    Count(values);
    if (out_.samples.size() < kSamples) {
      // Source values are masked; transformed values show as they would
      // leave; keyed transforms without the key show what they are.
      std::vector<std::string> shown;
      shown.reserve(values.size());
      for (size_t k = 0; k < values.size(); ++k) {
        const order::Fate& fate = *out_.table->kept_fates[k];
        if (fate.kept_as_is()) {
          shown.push_back(MaskValue(values[k]));
        } else if (fate.keyed() && !have_key_) {
          shown.push_back("<" + fate.text + ">");
        } else {
          shown.emplace_back(values[k]);
        }
      }
      out_.samples.push_back(std::move(shown));
    }
    return Ok();
  }
  Status End() override { return Ok(); }

 private:
  void Count(const std::vector<std::string_view>& values) {
    line_.clear();
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) line_.push_back(',');
      CsvWriter::AppendField(values[i], line_);
    }
    out_.csv_bytes += line_.size() + 2;
  }
  PlanTable& out_;
  bool have_key_;
  std::string line_;
};

}  // namespace

std::string MaskValue(std::string_view value) {
  // Count UTF-8 characters so that accents are never split.
  size_t chars = 0;
  for (char c : value) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  size_t keep = chars / 4, seen = 0;
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char) ++seen;
    if (seen <= keep || !(std::isalnum(c) || c >= 0x80)) {
      out.push_back(static_cast<char>(c));
    } else if (starts_char) {
      out.push_back('*');
    }
  }
  return out;
}

Result<PlanResult> Plan(const order::Order& order, const source::TableSource& source,
                        size_t recipients, const ProgressFn& progress,
                        const pseudo::PseudonymKey* key) {
  PlanResult plan;
  plan.binding = Bind(order, source);
  if (!plan.binding.problems.empty()) {
    return order::ProblemsError(order.file_name, plan.binding.problems);
  }
  plan.tables.resize(plan.binding.tables.size());
  size_t next = 0;
  SinkFactory sinks = [&](const BoundTable& t) -> Result<std::unique_ptr<RowSink>> {
    PlanTable& pt = plan.tables[next++];
    pt.table = &t;
    return std::unique_ptr<RowSink>(std::make_unique<PlanSink>(pt, key != nullptr));
  };
  if (key != nullptr && key->id() != order.pseudonym_key_id) {
    return Error(ErrorCode::kRefused, "the pseudonym key given is " + key->id() +
                                          ", the order names " + order.pseudonym_key_id);
  }
  // Without the key, keyed columns pass through for the counts and sizes.
  // Plans report k and never refuse on it.
  TransformOptions transforms{key, order.pseudonym_domain, order.not_after, key == nullptr, true};
  transforms.recipients = pseudo::ScopeRecipients(order);
  CORDON_ASSIGN_OR_RETURN(std::vector<TableStats> stats,
                          Run(plan.binding, source, sinks, progress, transforms));
  for (size_t i = 0; i < stats.size(); ++i) {
    plan.tables[i].stats = stats[i];
    plan.tables[i].package_bytes = AgeCiphertextSize(plan.tables[i].csv_bytes, recipients);
  }
  return plan;
}

}  // namespace cordon::pipeline
