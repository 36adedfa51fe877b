#include "edgecart/api/shop.h"

namespace edgecart {

Shop::Shop(std::unique_ptr<Store> store, RouterOptions options, std::unique_ptr<Clock> clock)
    : store_(std::move(store)),
      clock_(clock ? std::move(clock) : std::make_unique<SystemClock>()),
      engine_(*store_, *clock_),
      router_(engine_, std::move(options)) {
  registerDomainHandlers(engine_);
}

std::unique_ptr<Shop> Shop::inMemory(RouterOptions options, std::unique_ptr<Clock> clock) {
  return std::make_unique<Shop>(std::make_unique<MemoryStore>(), std::move(options),
                                std::move(clock));
}

std::unique_ptr<Shop> Shop::openDirectory(const std::string& dir, FileStoreOptions storeOptions,
                                          RouterOptions options, std::unique_ptr<Clock> clock) {
  return std::make_unique<Shop>(FileStore::open(dir, storeOptions), std::move(options),
                                std::move(clock));
}

}  // namespace edgecart
