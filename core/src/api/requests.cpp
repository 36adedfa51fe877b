// The request parsers of requests.h.

#include "edgecart/api/requests.h"

#include "edgecart/api/validate.h"
#include "edgecart/domain/domain.h"
#include "edgecart/engine/error.h"

namespace edgecart {

InventoryChange parseInventoryChange(const json& body) {
  Fields f(body, "body", {"quantity", "quantityDelta", "warehouseCode", "version"});
  InventoryChange change;
  change.quantity = f.optInteger("quantity", 0, kMaxStock);
  const auto delta = f.optInteger("quantityDelta", -kMaxStock, kMaxStock);
  change.version = f.optInteger("version", -1, INT64_MAX);
  if (f.has("warehouseCode")) change.warehouseCode = f.code("warehouseCode");
  if (change.quantity && delta) badRequest("quantity and quantityDelta cannot be used together");
  if (!change.quantity && !delta && change.warehouseCode.empty()) {
    badRequest("one of quantity, quantityDelta or warehouseCode is required");
  }
  change.quantityDelta = delta.value_or(0);
  return change;
}

}  // namespace edgecart
