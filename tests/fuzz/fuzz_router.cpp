// libFuzzer: any request to the router. Input: "METHOD\nTARGET\nBODY". Every answer must be a
// status 200-599 with a JSON object body, an error must have the NestJS shape, and a refused
// request must change nothing (the store's rows are compared before and after).

#include <cstdint>
#include <cstdlib>
#include <string>

#include "edgecart/shop.h"

namespace {

size_t rows(edgecart::Store& s) {
  size_t n = 0;
  for (int t = 0; t < edgecart::kTableCount; ++t) {
    s.scan(static_cast<edgecart::Table>(t), "TENANT#shop-a", "", "", [&](const std::string&, const edgecart::Value&) {
      ++n;
      return true;
    });
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<edgecart::Shop> shop = [] {
    auto s = edgecart::Shop::inMemory();
    const edgecart::Context ctx{"shop-a", "fuzz", {}};
    s->handle(ctx, "POST", "/products", R"({"code":"PRD-001","name":"M","categoryCode":"A","sku":"S","price":29.99,"currency":"JPY"})");
    s->handle(ctx, "PATCH", "/inventory/PRD-001", R"({"quantity":1000000})");
    return s;
  }();
  const std::string in(reinterpret_cast<const char*>(data), size);
  const size_t a = in.find('\n');
  const size_t b = a == std::string::npos ? a : in.find('\n', a + 1);
  const std::string method = in.substr(0, a);
  const std::string target = a == std::string::npos ? "/" : in.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  const std::string body = b == std::string::npos ? "" : in.substr(b + 1);
  const size_t before = rows(shop->store());
  const edgecart::Response r = shop->handle({"shop-a", "fuzz", {}}, method, target, body);
  if (r.status < 200 || r.status > 599 || !r.body.is_object()) std::abort();
  if (r.status >= 400) {
    if (r.body.value("statusCode", 0) != r.status || !r.body["message"].is_string()) std::abort();
    if (rows(shop->store()) != before) std::abort();  // a refused request wrote something
  }
  return 0;
}
