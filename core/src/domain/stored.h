#pragma once
// Reading a typed item's fields from its stored JSON (inventory.h, reservation.h): a field missing
// or of another type is an item this version did not write, named in a std::runtime_error (the
// API answers it as a 500 naming the item and the field) instead of a "[json.exception…]".

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "edgecart/engine/engine.h"

namespace edgecart {

// Keys are looked up as string_views: a `const char*` key costs a strlen at each node the map compares.
inline const json& storedField(const json& object, const char* name, json::value_t type, const std::string& sk) {
  const auto it = object.find(std::string_view(name));
  const bool ok = it != object.end() && (it->type() == type ||
                                         (type == json::value_t::number_integer && it->is_number_unsigned()));
  if (!ok) throw std::runtime_error("stored item " + sk + " has no " + name + " of the right type");
  return *it;
}

// A type's field names in the order a JSON object keeps its keys (std::map's: bytewise).
struct FieldNames {
  FieldNames(std::initializer_list<const char*> names);
  std::vector<std::string> sorted;
};

// The fields of a stored object that are not among `known`, as they were: another version's, which
// a type keeps (its `others`) and writes back, so that this version's writes never drop them.
// One walk of both sorted lists (an order is read on every write of it). Null when there is none.
json unknownFields(const json& o, const FieldNames& known);
// The object a type's fields are written into: another version's fields first (this version's
// names are never among them), then this version's are added.
json withOthers(const json& others);

}  // namespace edgecart
