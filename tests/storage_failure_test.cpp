// A write the disk refuses (quota, full disk) reaches the caller as an error, leaves no half
// record behind and leaves the store usable (LESSONS #9). The refusal is real: RLIMIT_FSIZE
// makes the kernel fail the write, in a child process so the limit cannot leak into other tests.

#include <signal.h>
#include <sys/resource.h>

#include "test_util.h"

namespace edgecart::testing {
namespace {

// Runs in the child; returns a description of the first broken expectation, or "" if all held.
std::string refusedWriteScenario(const std::string& dir) {
  FileStoreOptions options;
  options.fsync = false;
  auto shop = Shop::openDirectory(dir, options, {}, std::make_unique<ManualClock>(kSeedTime));
  const Context ctx{"shop-a", "u", {"admin"}};
  if (shop->handle(ctx, "POST", "/products", productRequest("PRD-001").dump()).status != 201) return "setup";
  if (shop->handle(ctx, "PATCH", "/inventory/PRD-001", R"({"quantity":10})").status != 200) return "setup";
  const auto before = dirBytes(dir);

  // Allow only a few more bytes in any file: the next record cannot fit.
  signal(SIGXFSZ, SIG_IGN);
  const rlim_t size = static_cast<rlim_t>(before.begin()->second.size());
  struct rlimit limit = {size + 16, RLIM_INFINITY};
  if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return "setrlimit";
  Response refused = shop->handle(ctx, "POST", "/orders", seedOrderRequest().dump());
  if (refused.status != 507) return "expected 507, got " + std::to_string(refused.status);
  if (refused.body["message"].get<std::string>().find("Storage write failed") != 0) return "message";
  if (dirBytes(dir) != before) return "a refused write changed the files";
  if (shop->handle(ctx, "GET", "/orders/ORD-000001", "").status != 404) return "half-applied in memory";
  if (shop->handle(ctx, "GET", "/inventory/PRD-001", "").body["attributes"]["reservedQuantity"] != 0) {
    return "reservation applied";
  }

  limit.rlim_cur = RLIM_INFINITY;
  if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return "setrlimit";
  Response ok = shop->handle(ctx, "POST", "/orders", seedOrderRequest().dump());
  if (ok.status != 201 || ok.body["code"] != "ORD-000001") return "store unusable after the error";
  shop.reset();
  auto reopened = Shop::openDirectory(dir, options);
  if (reopened->handle(ctx, "GET", "/orders/ORD-000001", "").status != 200) return "lost after reopen";
  if (reopened->fileStore()->recovery().tornBytesDropped != 0) return "left a torn record";
  return "";
}

TEST(StorageFailure, RefusedWriteIsAnErrorAndChangesNothing) {
  TempDir dir;
  EXPECT_EXIT(
      {
        const std::string problem = refusedWriteScenario(dir.path());
        if (!problem.empty()) {
          fprintf(stderr, "%s\n", problem.c_str());
          _exit(1);
        }
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace edgecart::testing
