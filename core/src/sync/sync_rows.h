#pragma once
// Small helpers of the sync bookkeeping rows (internal to core/src).

#include <cstdint>
#include <cstdio>
#include <string>

#include "edgecart/engine/store.h"

namespace edgecart {

// A number as a 12-digit sort key: "000000000042" (keys sort in number order).
inline std::string padded(int64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%012lld", static_cast<long long>(n));
  return buf;
}

// A row value for Transaction::putRow.
inline Value row(json j) { return std::make_shared<const json>(std::move(j)); }

}  // namespace edgecart
