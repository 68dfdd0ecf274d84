// The reference matcher: the plain byte-at-a-time version of
// FindIdentifiers, slow and obviously right. Tests and the fuzzer compare the
// fast matcher with it; nothing else should call it.
#pragma once

#include <functional>
#include <string_view>

#include "detect/matcher.h"

namespace cordon::detect {

// Same contract and same matches as FindIdentifiers.
void FindIdentifiersReference(std::string_view text, KindSet kinds,
                              const std::function<void(const Match&)>& found);

}  // namespace cordon::detect
