// libFuzzer: any body to /sync/push and /sync/lease, any query to /sync/pull. The answer is a
// status 200-599 with a JSON object; a 4xx push or lease changes nothing.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "edgecart/sync.h"

namespace {

size_t rows(edgecart::Store& s) {
  size_t n = 0;
  for (const char* pk : {"TENANT#shop-a", "SYNC#shop-a#devices", "CHANGES#shop-a"}) {
    for (int t = 0; t < edgecart::kTableCount; ++t) {
      s.scan(static_cast<edgecart::Table>(t), pk, "", "", [&](const std::string&, const edgecart::Value&) {
        ++n;
        return true;
      });
    }
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<edgecart::Shop> shop = edgecart::Shop::inMemory();
  static edgecart::SyncServer sync(*shop);
  const std::string in(reinterpret_cast<const char*>(data), size);
  const edgecart::Context ctx{"shop-a", "fuzz", {}};
  for (int route = 0; route < 3; ++route) {
    const size_t before = rows(shop->store());
    const edgecart::Response r = route == 0 ? sync.push(ctx, in) : route == 1 ? sync.lease(ctx, in) : sync.pull(ctx, in);
    if (r.status < 200 || r.status > 599 || !r.body.is_object()) std::abort();
    if (r.status >= 400 && rows(shop->store()) != before) std::abort();
  }
  return 0;
}
