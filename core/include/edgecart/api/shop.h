#pragma once
// A ready-to-use EdgeCart: a store, a clock, the engine with the domain handlers, and the
// router. This is the one object a host (CLI, WebAssembly module, server) holds.

#include <memory>
#include <string>

#include "edgecart/storage/file_store.h"
#include "edgecart/storage/memory_store.h"
#include "edgecart/api/router.h"

namespace edgecart {

class Shop {
 public:
  // State in RAM only.
  static std::unique_ptr<Shop> inMemory(RouterOptions options = {},
                                        std::unique_ptr<Clock> clock = nullptr);
  // State in a FileStore directory (created if needed); throws ApiError if it is damaged.
  static std::unique_ptr<Shop> openDirectory(const std::string& dir, FileStoreOptions storeOptions = {},
                                             RouterOptions options = {},
                                             std::unique_ptr<Clock> clock = nullptr);
  // Over a store the caller made (e.g. the server's SQLite store).
  Shop(std::unique_ptr<Store> store, RouterOptions options, std::unique_ptr<Clock> clock);

  Response handle(const Context& context, const std::string& method, const std::string& target,
                  const std::string& body, const WriteHook& hook = nullptr) {
    return router_.handle(context, method, target, body, hook);
  }
  const RouterOptions& options() const { return router_.options(); }

  Store& store() { return *store_; }
  Engine& engine() { return engine_; }
  // The file store, when there is one (null in memory).
  FileStore* fileStore() { return store_->fileStore(); }

 private:
  std::unique_ptr<Store> store_;
  std::unique_ptr<Clock> clock_;
  Engine engine_;
  Router router_;
};

}  // namespace edgecart
