// Create-order-with-reservation throughput, through the whole router (JSON body in, JSON out),
// in memory and on the durable file log.
//
//   ./build/tests/edgecart_bench --benchmark_filter=CreateOrder

#include <benchmark/benchmark.h>

#include <malloc.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <new>

#include "edgecart/api/shop.h"
#include "edgecart/storage/log_format.h"
#include "edgecart/sync/sync.h"

// The bench binary's `operator new(size_t)` (the core is linked in statically; libstdc++'s `new[]`
// and nothrow forms call it) counts: `allocs_per_order` below is the count per order, a figure this
// noisy machine cannot move. Not under AddressSanitizer, whose own operators must stay (the count
// is then 0). (GCC takes a replaced operator new inlined into a delete for a mismatch: it is not one.)
namespace {
std::atomic<uint64_t> gAllocations{0};
}  // namespace
#ifndef __SANITIZE_ADDRESS__
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  gAllocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {

using edgecart::json;

const std::string& orderBody() {
  static const std::string body = json::parse(R"({
    "customerId": "CUST-001",
    "items": [{"productCode": "PRD-001", "name": "Wireless Mouse", "quantity": 1, "price": 29.99}],
    "shippingAddress": {"street": "123 Main St", "city": "Tokyo", "postalCode": "100-0001",
                        "country": "JP"},
    "paymentMethod": "credit_card"})").dump();
  return body;
}

void prepare(edgecart::Shop& shop, const edgecart::Context& ctx) {
  shop.handle(ctx, "POST", "/products",
              R"({"code":"PRD-001","name":"Wireless Mouse","categoryCode":"ACC","sku":"WM",)"
              R"("price":29.99,"currency":"USD"})");
  shop.handle(ctx, "PATCH", "/inventory/PRD-001", R"({"quantity":1000000000})");
}

// Also counts the heap each order keeps (glibc's mallinfo2: bytes allocated and not freed, per
// order): on a machine where touching a fresh page is dear, what the store keeps costs more
// than the work (docs/benchmarks.md, "The eighth stop of issue 27").
void run(benchmark::State& state, edgecart::Shop& shop) {
  const edgecart::Context ctx{"shop-a", "bench", {"admin"}};
  prepare(shop, ctx);
  const size_t heapBefore = mallinfo2().uordblks;
  const uint64_t allocationsBefore = gAllocations.load();
  for (auto _ : state) {
    edgecart::Response r = shop.handle(ctx, "POST", "/orders", orderBody());
    if (r.status != 201) state.SkipWithError("order refused");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["heap_bytes_per_order"] =
      (static_cast<double>(mallinfo2().uordblks) - static_cast<double>(heapBefore)) / static_cast<double>(state.iterations());
  state.counters["allocs_per_order"] =
      static_cast<double>(gAllocations.load() - allocationsBefore) / static_cast<double>(state.iterations());
}

void BM_CreateOrder_Memory(benchmark::State& state) {
  auto shop = edgecart::Shop::inMemory();
  run(state, *shop);
}
BENCHMARK(BM_CreateOrder_Memory);

// The same order in a shop with settings of its own (two tax classes, a class per category),
// beside the default above: what reading the settings and a second rate cost each order.
void BM_CreateOrder_Memory_ShopSettings(benchmark::State& state) {
  auto shop = edgecart::Shop::inMemory();
  shop->handle({"shop-a", "bench", {"admin"}}, "PATCH", "/settings",
               R"({"taxClasses":{"standard":10,"reduced":8},"categoryTaxClasses":{"FOOD":"reduced"},"receiptHeader":"EdgeCart"})");
  run(state, *shop);
}
BENCHMARK(BM_CreateOrder_Memory_ShopSettings);

// The file log, with fsync per commit off (arg 0) or on (arg 1).
void BM_CreateOrder_FileLog(benchmark::State& state) {
  const std::string dir = (std::filesystem::temp_directory_path() / "edgecart-bench-log").string();
  std::filesystem::remove_all(dir);
  {
    edgecart::FileStoreOptions options;
    options.fsync = state.range(0) != 0;
    auto shop = edgecart::Shop::openDirectory(dir, options);
    run(state, *shop);
    state.counters["compactions"] = static_cast<double>(shop->fileStore()->stats().compactions);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CreateOrder_FileLog)->Arg(0)->Arg(1)->ArgName("fsync");

// What this machine charges for the first write to a page the process has not touched (the
// kernel's fault and its zeroed page), per 4 KiB page of 64 MiB freshly mapped: beside
// heap_bytes_per_order above, what the memory a store keeps costs an order before any work.
void BM_FirstTouchOfAPage(benchmark::State& state) {
  constexpr size_t kBytes = 64u << 20, kPage = 4096;
  for (auto _ : state) {
    state.PauseTiming();
    void* mapped = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) {
      state.SkipWithError("mmap failed");
      break;
    }
    auto* bytes = static_cast<volatile char*>(mapped);
    state.ResumeTiming();
    for (size_t i = 0; i < kBytes; i += kPage) bytes[i] = 1;
    state.PauseTiming();
    munmap(mapped, kBytes);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBytes / kPage));
}
BENCHMARK(BM_FirstTouchOfAPage)->Unit(benchmark::kMillisecond)->UseRealTime();

// One stored order and its bytes (format 004, as every store but SQLite and PostgreSQL keeps
// each row): what each write of a row pays to encode it (every store encodes each row it commits)
// and each read of one not kept decoded pays before the domain sees it.
//
//   ./build/release/tests/edgecart_bench --benchmark_filter='EncodeOrder|DecodeOrder'
edgecart::Value storedOrder() {
  auto shop = edgecart::Shop::inMemory();
  const edgecart::Context ctx{"shop-a", "bench", {"admin"}};
  prepare(*shop, ctx);
  shop->handle(ctx, "POST", "/orders", orderBody());
  return shop->store().get(edgecart::Table::Data, "TENANT#shop-a", "ORDER#ORD-000001");
}
void BM_EncodeOrder(benchmark::State& state) {
  const edgecart::Value order = storedOrder();
  if (!order) return state.SkipWithError("no order");
  for (auto _ : state) benchmark::DoNotOptimize(edgecart::logfmt::encodeValue(*order));
}
BENCHMARK(BM_EncodeOrder);
void BM_DecodeOrder(benchmark::State& state) {
  const edgecart::Value order = storedOrder();
  if (!order) return state.SkipWithError("no order");
  const std::string bytes = edgecart::logfmt::encodeValue(*order);
  for (auto _ : state) benchmark::DoNotOptimize(edgecart::logfmt::decodeValue(bytes));
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_DecodeOrder);

}  // namespace

// A customer's pull of one row from a tenant whose feed holds 40,000 rows of other customers'
// orders (20,000 orders and their reservations): through its scoped feeds (arg 1), or scanning
// the tenant's feed as before them (arg 0: the marker row removed, as in a store that predates
// them). Staff's pull of one row beside it.
//
//   ./build/release/tests/edgecart_bench --benchmark_filter=Pull
void pullBench(benchmark::State& state, const edgecart::Context& who) {
  auto shop = edgecart::Shop::inMemory();
  edgecart::SyncServer sync(*shop);
  const edgecart::Context admin{"shop-a", "bench", {"admin"}};
  const edgecart::Context other{"shop-a", "someone-else", {"customer"}};
  prepare(*shop, admin);
  json body = json::parse(orderBody());
  body.erase("customerId");
  for (int i = 0; i < 20000; ++i) shop->handle(other, "POST", "/orders", body.dump());
  if (state.range(0) == 0) {
    shop->engine().run(admin, [](edgecart::Transaction& tx) {
      tx.putRow(edgecart::Table::Sequence, "CHANGES#shop-a", "scoped", nullptr);
    });
  }
  // From just after the product: the next row a customer may see is the stock, at the feed's end.
  for (auto _ : state) {
    edgecart::Response r = sync.pull(who, "limit=1&cursor=1");
    if (r.status != 200 || r.body["items"].size() != 1) state.SkipWithError("pull failed");
    benchmark::DoNotOptimize(r);
  }
}
void BM_CustomerPull(benchmark::State& state) { pullBench(state, {"shop-a", "alice", {"customer"}}); }
BENCHMARK(BM_CustomerPull)->Arg(0)->Arg(1)->ArgName("scoped")->Unit(benchmark::kMicrosecond);
void BM_StaffPull(benchmark::State& state) { pullBench(state, {"shop-a", "till", {"admin"}}); }
BENCHMARK(BM_StaffPull)->Arg(1)->ArgName("scoped")->Unit(benchmark::kMicrosecond);

// A new till's first pull of a shop's catalogue: 20,000 products with their stock (40,000 rows,
// pages of 1,000 as the package asks), applied page by page by a client in memory (arg 0) or on the
// file log without fsync (arg 1): JSON text in, one local commit a page. Rows/s in items_per_second.
//
//   ./build/release/tests/edgecart_bench --benchmark_filter=ApplyPull
void BM_ApplyPull(benchmark::State& state) {
  edgecart::RouterOptions big;
  big.maxBodyBytes = 8 << 20;  // the catalogue in one import
  auto server = edgecart::Shop::inMemory(big);
  edgecart::SyncServer sync(*server);
  const edgecart::Context admin{"shop-a", "bench", {"admin"}};
  std::string csv = "code,name,categoryCode,sku,price,currency,quantity\n";
  for (int i = 0; i < 20000; ++i) {
    const std::string n = std::to_string(100000 + i);
    csv += "P" + n + ",Harvest Organic Whole Milk 1L no " + n + ",CAT" + std::to_string(i % 40) + ",490" + n + ",1.99,USD,50\n";
  }
  if (server->handle(admin, "POST", "/products/import", json{{"csv", csv}}.dump()).status != 200) {
    state.SkipWithError("import failed");
    return;
  }
  std::vector<std::string> pages;
  for (std::string cursor;;) {
    const edgecart::Response r = sync.pull(admin, "limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    pages.push_back(r.body.dump());
    cursor = r.body["cursor"];
    if (!r.body["more"].get<bool>()) break;
  }
  const std::string dir = (std::filesystem::temp_directory_path() / "edgecart-bench-pull").string();
  size_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    edgecart::FileStoreOptions options;
    options.fsync = false;
    auto client = state.range(0) ? edgecart::Shop::openDirectory(dir, options) : edgecart::Shop::inMemory();
    edgecart::SyncClient till(*client, "shop-a", "bench-client-0000000001");
    state.ResumeTiming();
    for (const std::string& page : pages) {
      const json answer = json::parse(page);
      rows += answer["items"].size();
      till.applyPull(answer);
    }
    state.PauseTiming();
    client.reset();
    state.ResumeTiming();
  }
  std::filesystem::remove_all(dir);
  state.SetItemsProcessed(static_cast<int64_t>(rows));
}
BENCHMARK(BM_ApplyPull)->Arg(0)->Arg(1)->ArgName("log")->Unit(benchmark::kMillisecond)->Iterations(3);

// Opening the file log of a till with 10,000 orders (the browser's log shape: 256 KiB segments,
// a snapshot after every MiB of log, 256 KiB chunks), then reading the first 20 orders, as the
// cold open of `bench:peers` does in the module. ms per open.
//
//   ./build/release/tests/edgecart_bench --benchmark_filter=OpenTill
void BM_OpenTill(benchmark::State& state) {
  const std::string dir = (std::filesystem::temp_directory_path() / "edgecart-bench-open").string();
  std::filesystem::remove_all(dir);
  edgecart::FileStoreOptions options;
  options.fsync = false;
  options.segmentBytes = 256 * 1024;
  options.compactMinBytes = 1024 * 1024;
  options.chunkBytes = 256 * 1024;
  const edgecart::Context ctx{"bench", "bench", {"admin"}};
  {
    auto shop = edgecart::Shop::openDirectory(dir, options);
    prepare(*shop, ctx);
    for (int i = 0; i < state.range(0); ++i) shop->handle(ctx, "POST", "/orders", orderBody());
  }
  for (auto _ : state) {
    auto shop = edgecart::Shop::openDirectory(dir, options);
    edgecart::Response r = shop->handle(ctx, "GET", "/orders?limit=20", "");
    if (r.status != 200 || r.body["items"].size() != 20) state.SkipWithError("no first page");
    state.PauseTiming();  // counting the rows reads the ranges the log wrote to that no read needed
    state.counters["rows"] = static_cast<double>(shop->fileStore()->stats().stateRows);
    state.counters["replayed"] = static_cast<double>(shop->fileStore()->recovery().recordsReplayed);
    shop.reset();
    state.ResumeTiming();
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_OpenTill)->Arg(10000)->ArgName("orders")->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
