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
  Value find(Table t, const std::string& pk, const std::string& sk) const {
    const Slot& s = slots_[slotOf(t, pk, sk)];
    return s.value && s.is(t, pk, sk) ? s.value : nullptr;
  }
  // Keeps `value`, just read, as the row holds it.
  void keep(Table t, const std::string& pk, const std::string& sk, Value value) {
    Slot& s = slots_[slotOf(t, pk, sk)];
    s.table = t;
    s.pk = pk;
    s.sk = sk;
    s.value = std::move(value);
  }
  // The row was written: a kept tree of it becomes `value` (null: the row deleted).
  void written(Table t, const std::string& pk, const std::string& sk, Value value) {
    Slot& s = slots_[slotOf(t, pk, sk)];
    if (s.value && s.is(t, pk, sk)) s.value = std::move(value);
  }

 private:
  struct Slot {
    Table table = Table::Data;
    std::string pk, sk;
    Value value;
    bool is(Table t, const std::string& p, const std::string& k) const { return table == t && sk == k && pk == p; }
  };
  // No key string is built to find a slot: a read or a write of a row not kept costs two hashes.
  static size_t slotOf(Table t, const std::string& pk, const std::string& sk) {
    const std::hash<std::string> hash;
    return (hash(sk) * 31 + hash(pk) + static_cast<size_t>(t)) % kSlots;
  }
  std::array<Slot, kSlots> slots_{};
};

}  // namespace edgecart
