// The processor keys packages must be signed with (the vendor's `cordon
// sign-keygen` public keys), each registered to the person who holds it: the
// exchange accepts no package without one, and shows who signed each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "exchange/db.h"

namespace cordon::exchange {

struct ProcessorKey {
  std::string key_id;      // sign::KeyIdHex
  std::string public_key;  // the minisign public key, as formatted
  int64_t added_at = 0;
  std::string person;  // the holder's full name ("" for keys added before names were asked)
};

// Thread-safety: a view over one connection; used by the thread that owns
// the Db (one thread at a time, like the Db itself).
class ProcessorKeys {
 public:
  explicit ProcessorKeys(Db& db) : db_(db) {}

  // kAlreadyExists when the key id is registered already.
  Status Add(const ProcessorKey& key);
  // The key with this id, or none.
  Result<std::optional<ProcessorKey>> Find(std::string_view key_id);
  // Every registered key, in the order they were added.
  Result<std::vector<ProcessorKey>> List();

 private:
  Db& db_;
};

}  // namespace cordon::exchange
