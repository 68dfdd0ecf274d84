#include "source/table_source.h"

namespace cordon::source {

const SourceTable* TableSource::Find(std::string_view name) const {
  for (const SourceTable& t : tables()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace cordon::source
