// Reading a typed item's fields from its stored JSON (stored.h).

#include "stored.h"

#include <algorithm>

namespace edgecart {

FieldNames::FieldNames(std::initializer_list<const char*> names) : sorted(names.begin(), names.end()) {
  std::sort(sorted.begin(), sorted.end());
}

json unknownFields(const json& o, const FieldNames& known) {
  json others;  // an emplace makes it an object
  auto k = known.sorted.begin();
  const auto end = known.sorted.end();
  for (auto it = o.begin(); it != o.end(); ++it) {
    const std::string& key = it.key();
    while (k != end && *k < key) ++k;
    if (k == end || *k != key) others.emplace(key, it.value());
  }
  return others;
}

json withOthers(const json& others) { return others.is_object() ? others : json(json::value_t::object); }

}  // namespace edgecart
