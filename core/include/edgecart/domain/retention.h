#pragma once
// Retention (docs/design.md §6, "Retention"): a till keeps its live state to the orders it may
// still act on. Orders that are final (delivered or cancelled), unchanged for a window and with
// no sync work pending leave the live state; the host keeps their last version in its archive
// (the browser: IndexedDB, answered by GET /orders/{code}), and the server keeps them all.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "edgecart/engine/engine.h"

namespace edgecart {

struct RetentionPolicy {
  int64_t finalForMs = 30LL * 24 * 60 * 60 * 1000;  // unchanged this long after their last change
  size_t limit = 1000;                               // at most this many per commit
  // True for an order sk that must stay (e.g. a pending sync command touched it).
  std::function<bool(const std::string& sk)> keep = nullptr;
};

// Removes from the live state of `tenant` the final orders the policy lets go, in one commit
// (their rows, reservation rows and list index entries; no command, history or change event:
// nothing happened to the orders). Returns them as GET /orders/{code} answered them, in key
// order; empty if none.
json evictFinalOrders(Engine& engine, const std::string& tenant, const RetentionPolicy& policy);

}  // namespace edgecart
