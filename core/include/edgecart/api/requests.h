#pragma once
// Request bodies into the domain's typed inputs. Each parser checks the body's form (unknown
// fields, types, ranges, which fields go together) and throws a 400 naming the field; the domain
// then checks the input against the shop's data. Converted so far: inventory (docs/design.md §4).

#include <nlohmann/json.hpp>

#include "edgecart/domain/inventory.h"

namespace edgecart {

// PATCH /inventory/{productCode} {quantity? | quantityDelta?, warehouseCode?, version?}: one of
// them at least; quantity and quantityDelta not together.
InventoryChange parseInventoryChange(const json& body);

}  // namespace edgecart
