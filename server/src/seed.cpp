// HttpServer::seed: a demo catalogue for an empty tenant (docs/operations.md).

#include "edgecart/engine/error.h"
#include "http_server_internal.h"

namespace edgecart {

int HttpServer::seed(const json& seed) {
  if (!seed.is_object() || !seed.contains("tenant") || !seed["tenant"].is_string() ||
      !seed.contains("products") || !seed["products"].is_array()) {
    throw ApiError(400, "a seed is {tenant, products: [...]}", errc::kValidation);
  }
  const Context ctx{seed["tenant"].get<std::string>(), "seed", {"admin"}};
  Core& core = *cores_[0];
  std::lock_guard<std::mutex> lock(core.mu);
  const Response first = core.shop->handle(ctx, "GET", "/products?limit=1", "");
  if (first.status != 200) throw ApiError(first.status, first.body.value("message", "cannot read the tenant"));
  if (!first.body.at("items").empty()) return 0;
  core.store->beginGroup();  // all products or none
  int created = 0;
  try {
    for (const json& p : seed["products"]) {
      if (!p.is_object() || !p.contains("quantity")) {
        throw ApiError(400, "each seed product needs a quantity", errc::kValidation);
      }
      json product = p;
      product.erase("quantity");
      const std::string code = product.value("code", "");
      const Response made = core.shop->handle(ctx, "POST", "/products", product.dump());
      if (made.status == 409 && (made.code == errc::kAlreadyExists || made.code == errc::kConflict)) {
        // Another server process on the same database is seeding it at this moment: its seed wins.
        core.store->endGroup(false);
        return 0;
      }
      if (made.status != 201) throw ApiError(made.status, "seed product " + code + ": " + made.body.value("message", ""));
      const Response stock = core.shop->handle(ctx, "PATCH", "/inventory/" + code, json{{"quantity", p["quantity"]}}.dump());
      if (stock.status != 200) throw ApiError(stock.status, "seed stock of " + code + ": " + stock.body.value("message", ""));
      ++created;
    }
  } catch (...) {
    core.store->endGroup(false);
    throw;
  }
  core.store->endGroup(true);
  return created;
}

}  // namespace edgecart
