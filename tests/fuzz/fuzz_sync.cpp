// libFuzzer: any body to /sync/push and /sync/lease, any query to /sync/pull. The answer is a
// status 200-599 with a JSON object; a 4xx push or lease changes nothing: no batch committed, and
// every row of every partition (the per-client SYNC# ones included) exactly as before.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "edgecart/sync/sync.h"

namespace {

std::vector<edgecart::RowMaps<edgecart::MemoryStore::Bytes>::Map> content(const edgecart::MemoryStore& s) {
  std::vector<edgecart::RowMaps<edgecart::MemoryStore::Bytes>::Map> out;
  for (int t = 0; t < edgecart::kTableCount; ++t) out.push_back(s.rows().table(static_cast<edgecart::Table>(t)));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A fresh server every 256 inputs keeps the content compared per input small.
  static int inputs = 0;
  static std::unique_ptr<edgecart::Shop> shop;
  static std::unique_ptr<edgecart::SyncServer> server;
  if (inputs++ % 256 == 0) {
    server.reset();
    shop = edgecart::Shop::inMemory();
    server = std::make_unique<edgecart::SyncServer>(*shop);
  }
  edgecart::SyncServer& sync = *server;
  const std::string in(reinterpret_cast<const char*>(data), size);
  const edgecart::Context ctx{"shop-a", "fuzz", {"admin"}};
  for (int route = 0; route < 3; ++route) {
    const auto& store = dynamic_cast<const edgecart::MemoryStore&>(shop->store());
    const uint64_t batches = store.batchesCommitted();
    const auto before = content(store);
    const edgecart::Response r = route == 0 ? sync.push(ctx, in) : route == 1 ? sync.lease(ctx, in) : sync.pull(ctx, in);
    if (r.status < 200 || r.status > 599 || !r.body.is_object()) std::abort();
    if (r.status >= 400 && (store.batchesCommitted() != batches || content(store) != before)) std::abort();
  }
  return 0;
}
