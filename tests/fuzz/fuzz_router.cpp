// libFuzzer: any request to the router. Input: "METHOD\nTARGET\nBODY". Every answer must be a
// status 200-599 with a JSON object body, an error must have the NestJS shape, and a refused
// request must change nothing: it commits no batch at all, and every table of every partition
// holds the very same rows (the same immutable values) before and after.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "edgecart/api/shop.h"

namespace {

// The store's whole content: each table's rows, as (pk, sk) -> the immutable bytes they hold.
std::vector<edgecart::RowMaps<edgecart::MemoryStore::Bytes>::Map> content(const edgecart::MemoryStore& s) {
  std::vector<edgecart::RowMaps<edgecart::MemoryStore::Bytes>::Map> out;
  for (int t = 0; t < edgecart::kTableCount; ++t) out.push_back(s.rows().table(static_cast<edgecart::Table>(t)));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A fresh shop every 256 inputs keeps the content compared per input small.
  static int inputs = 0;
  static std::unique_ptr<edgecart::Shop> shop;
  if (inputs++ % 256 == 0) shop = [] {
    auto s = edgecart::Shop::inMemory();
    const edgecart::Context ctx{"shop-a", "fuzz", {"admin"}};
    s->handle(ctx, "POST", "/products", R"({"code":"PRD-001","name":"M","categoryCode":"A","sku":"S","price":29.99,"currency":"USD"})");
    s->handle(ctx, "PATCH", "/inventory/PRD-001", R"({"quantity":1000000})");
    return s;
  }();
  const std::string in(reinterpret_cast<const char*>(data), size);
  const size_t a = in.find('\n');
  const size_t b = a == std::string::npos ? a : in.find('\n', a + 1);
  const std::string method = in.substr(0, a);
  const std::string target = a == std::string::npos ? "/" : in.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  const std::string body = b == std::string::npos ? "" : in.substr(b + 1);
  const auto& store = dynamic_cast<const edgecart::MemoryStore&>(shop->store());
  const uint64_t batches = store.batchesCommitted();
  const auto before = content(store);
  const edgecart::Response r = shop->handle({"shop-a", "fuzz", {"admin"}}, method, target, body);
  if (r.status < 200 || r.status > 599 || !r.body.is_object()) std::abort();
  if (r.status >= 400) {
    if (r.body.value("statusCode", 0) != r.status || !r.body["message"].is_string()) std::abort();
    if (store.batchesCommitted() != batches || content(store) != before) std::abort();  // a refused request wrote
  }
  return 0;
}
