#pragma once
// The FileStore's latest state (internal to core/src): the value bytes of each data and sequence
// row, by stateKey.
//
// The rows of the snapshot are views into its chunk payloads, kept whole: opening a store builds
// no string and no map node per row, only one sorted array of views per chunk (its keys copied
// into one buffer). Rows written since the snapshot live in an overlay map over that base, a
// delete of a base row as a tombstone. A compaction makes the chunks it wrote the new base
// (rebase), so the overlay holds only what the log holds since the last snapshot.

#include <cstddef>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgecart/storage/log_format.h"

namespace edgecart {

class StateRows {
 public:
  // Appends the rows of one chunk payload (`rows`: its views, decodeRowViews), whose keys must
  // sort after every base row held: chunks are added in key order. Throws std::runtime_error for
  // a row out of order or outside the state tables. Only while the overlay is empty (a load).
  void appendChunk(std::shared_ptr<const std::string> payload, const std::vector<logfmt::RowView>& rows);

  // The value bytes of `key`, or nullopt.
  std::optional<std::string_view> find(const std::string& key) const;
  void put(std::string key, std::string value);
  void erase(const std::string& key);
  size_t size() const { return size_; }
  // True if a row was written since the last rebase (or load).
  bool hasOverlay() const { return !overlay_.empty(); }

  // Visits the rows from `from` (inclusive, or after it when `after`), ascending, while `visit`
  // (key, value) returns true.
  template <class Visit>
  void forward(const std::string& from, bool after, Visit&& visit) const;
  // Visits the rows before `before`, descending, while `visit` (key, value) returns true.
  template <class Visit>
  void backward(const std::string& before, Visit&& visit) const;

  // Swaps in `base` as the whole state: the rows of the chunks a compaction left, in order.
  void swap(StateRows& other) noexcept;

 private:
  struct Row {
    std::string_view key;
    std::string_view value;
  };
  size_t lowerBound(std::string_view key) const;  // the first base row not before `key`
  bool inBase(const std::string& key) const;

  std::vector<std::shared_ptr<const std::string>> buffers_;  // chunk payloads and key buffers
  std::vector<Row> base_;                                    // sorted by key, no repeats
  std::map<std::string, std::optional<std::string>, std::less<>> overlay_;  // nullopt: deleted
  size_t size_ = 0;
};

template <class Visit>
void StateRows::forward(const std::string& from, bool after, Visit&& visit) const {
  size_t b = lowerBound(from);
  if (after && b < base_.size() && base_[b].key == from) ++b;
  auto o = after ? overlay_.upper_bound(from) : overlay_.lower_bound(from);
  while (b < base_.size() || o != overlay_.end()) {
    const bool takeOverlay = b == base_.size() || (o != overlay_.end() && o->first <= base_[b].key);
    if (!takeOverlay) {
      if (!visit(base_[b].key, base_[b].value)) return;
      ++b;
      continue;
    }
    if (b < base_.size() && o->first == base_[b].key) ++b;  // the overlay's row replaces it
    if (o->second && !visit(std::string_view(o->first), std::string_view(*o->second))) return;
    ++o;
  }
}

template <class Visit>
void StateRows::backward(const std::string& before, Visit&& visit) const {
  size_t b = lowerBound(before);  // rows [0, b) are before it
  auto o = overlay_.lower_bound(before);
  while (b > 0 || o != overlay_.begin()) {
    const bool takeOverlay = b == 0 || (o != overlay_.begin() && std::prev(o)->first >= base_[b - 1].key);
    if (!takeOverlay) {
      --b;
      if (!visit(base_[b].key, base_[b].value)) return;
      continue;
    }
    --o;
    if (b > 0 && o->first == base_[b - 1].key) --b;
    if (o->second && !visit(std::string_view(o->first), std::string_view(*o->second))) return;
  }
}

}  // namespace edgecart
