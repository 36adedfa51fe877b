#pragma once
// Reading a typed item's fields from its stored JSON (inventory.h, reservation.h): a field missing
// or of another type is an item this version did not write, named in a std::runtime_error (the
// API answers it as a 500 naming the item and the field) instead of a "[json.exception…]".

#include <stdexcept>
#include <string>

#include "edgecart/engine/engine.h"

namespace edgecart {

inline const json& storedField(const json& object, const char* name, json::value_t type, const std::string& sk) {
  const auto it = object.find(name);
  const bool ok = it != object.end() && (it->type() == type ||
                                         (type == json::value_t::number_integer && it->is_number_unsigned()));
  if (!ok) throw std::runtime_error("stored item " + sk + " has no " + name + " of the right type");
  return *it;
}

}  // namespace edgecart
