// A shared library opened when first needed (dlopen) instead of linked: for
// the heavy client libraries only a few commands use (libpq, libarchive),
// whose dependencies' constructors would otherwise run at every start.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon {

// An opened library. It is never closed: the function pointers bound from it
// are kept in process-wide tables, and unloading buys nothing at exit.
// Copyable (it is a handle); thread-safe (dlopen and dlsym are).
class SharedLibrary {
 public:
  // Opens `soname` (the versioned name, e.g. "libpq.so.5", so that an
  // incompatible major version is never picked up), binding every symbol
  // now. kNotFound when it cannot be loaded: the message names `what` and
  // the loader's reason, the hint is `install_hint` ("apt install libpq5").
  static Result<SharedLibrary> Open(std::string_view soname, std::string_view what,
                                    std::string_view install_hint);

  // Sets `*fn` to the function `name`. kUnsupported when the library has no
  // such symbol (an older version than the one cordon was built against).
  template <typename Fn>
  Status Bind(const char* name, Fn* fn) const {
    CORDON_ASSIGN_OR_RETURN(void* symbol, Symbol(name));
    // dlsym returns functions as void*: POSIX guarantees the round trip.
    *fn = reinterpret_cast<Fn>(symbol);  // NOLINT(*-reinterpret-cast)
    return Ok();
  }

 private:
  SharedLibrary(void* handle, std::string soname, std::string hint)
      : handle_(handle), soname_(std::move(soname)), hint_(std::move(hint)) {}
  Result<void*> Symbol(const char* name) const;

  void* handle_;  // not owned: never closed (see above)
  std::string soname_;
  std::string hint_;
};

// Where a library comes from, for SharedLibrary::Open.
struct LibrarySpec {
  std::string_view soname;
  std::string_view what;
  std::string_view install_hint;
};

// The table of functions `Table` bound from `spec`'s library, loaded once for
// the process's life: the first caller opens the library and runs
// `bind(lib, table)` (other threads wait for it, a function-local static);
// later callers get the same result, error included. One call site per
// table, since the static belongs to each (Table, bind) pair.
template <typename Table, typename BindAll>
const Result<Table>& LoadOnce(const LibrarySpec& spec, BindAll bind) {
  static const Result<Table> loaded = [&]() -> Result<Table> {
    CORDON_ASSIGN_OR_RETURN(SharedLibrary lib,
                            SharedLibrary::Open(spec.soname, spec.what, spec.install_hint));
    Table table;
    CORDON_TRY(bind(lib, table));
    return table;
  }();
  return loaded;
}

// Binds member `name` of `table` to the function of that name in `lib`, for
// the X-macro lists of functions (CORDON_LIBPQ_FUNCTIONS, ...).
// NOLINTNEXTLINE(bugprone-macro-parentheses): `name` is an identifier.
#define CORDON_BIND_FUNCTION(name) CORDON_TRY(lib.Bind(#name, &table.name));

// The status of a load: Ok or its error.
template <typename Table>
Status LoadStatus(const Result<Table>& loaded) {
  if (!loaded.ok()) return loaded.error();
  return Ok();
}

}  // namespace cordon
