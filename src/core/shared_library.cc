#include "core/shared_library.h"

#include <dlfcn.h>

namespace cordon {

Result<SharedLibrary> SharedLibrary::Open(std::string_view soname, std::string_view what,
                                          std::string_view install_hint) {
  const std::string name(soname);
  // RTLD_NOW: a missing symbol fails here, at the entry point, not mid-run.
  // RTLD_LOCAL: its symbols stay out of the global namespace.
  void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    return Error(ErrorCode::kNotFound,
                 name + " (" + std::string(what) + ") cannot be loaded" +
                     (reason != nullptr ? std::string(": ") + reason : std::string()),
                 std::string(install_hint));
  }
  return SharedLibrary(handle, name, std::string(install_hint));
}

Result<void*> SharedLibrary::Symbol(const char* name) const {
  dlerror();  // clears an earlier error, so that the one read below is ours
  void* symbol = dlsym(handle_, name);
  if (symbol == nullptr) {
    return Error(ErrorCode::kUnsupported, soname_ + " has no function " + name + ": too old",
                 hint_ + " (a newer version)");
  }
  return symbol;
}

}  // namespace cordon
