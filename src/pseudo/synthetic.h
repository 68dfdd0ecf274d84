// Synthetic values: realistic, deterministic per key (the same real name
// always gives the same synthetic name, so joins and duplicates survive),
// drawn from built-in French and Danish data (accents, æøå, compound names).
// First names follow the row's sex when its NIR or CPR gives it. Phones and
// e-mails reach no one: the French numbers reserved for fiction (ARCEP),
// Danish numbers starting with 0 (never assigned), and example.com/.org/.net
// (RFC 2606).
#pragma once

#include <memory>
#include <string_view>

#include "core/result.h"
#include "core/secret_buffer.h"
#include "pseudo/transforms.h"

namespace cordon::pseudo {

// `what`: first_name, last_name, address, city, phone, email; `locale`: fr or da.
Result<std::unique_ptr<Transform>> MakeSynthetic(std::string_view what, std::string_view locale,
                                                 SecretBuffer key);

}  // namespace cordon::pseudo
