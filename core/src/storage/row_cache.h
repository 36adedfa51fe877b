#pragma once
// The decoded values of the state rows read last (internal to core/src/storage).
//
// The file log keeps each row as its stored bytes and decodes a row at every read. An order reads
// the same few rows each time (the product, its stock, the settings, the sequences), so the trees
// of the last rows read are kept, up to kSlots of them: a read of one skips the decode.
// Direct-mapped (a slot per key's hash, a newer key replacing an older): no list to keep, and what
// it holds is bounded however large the store grows. A value is immutable, so a kept tree is the
// row as long as the row is not written; a write of a kept row keeps the tree written instead.
// Rows only written (a new order, its feed rows) are not kept: keeping them measured slower, as
// the trees they pinned took the place of the memory the next order would have reused.

#include <array>
#include <functional>
#include <string>
#include <utility>

#include "edgecart/engine/store.h"

namespace edgecart {

class RowCache {
 public:
  static constexpr size_t kSlots = 1024;

  // The row's kept value, or null if it is not kept (not that the row is absent).
  Value find(const std::string& key) const {
    const Slot& s = slots_[slotOf(key)];
    return s.value && s.key == key ? s.value : nullptr;
  }
  // Keeps `value`, just read, as the row `key` holds.
  void keep(const std::string& key, Value value) {
    Slot& s = slots_[slotOf(key)];
    s.key = key;
    s.value = std::move(value);
  }
  // The row `key` was written: a kept tree of it becomes `value` (null: the row deleted).
  void written(const std::string& key, Value value) {
    Slot& s = slots_[slotOf(key)];
    if (s.value && s.key == key) s.value = std::move(value);
  }

 private:
  struct Slot {
    std::string key;
    Value value;
  };
  static size_t slotOf(const std::string& key) { return std::hash<std::string>{}(key) % kSlots; }
  std::array<Slot, kSlots> slots_{};
};

}  // namespace edgecart
