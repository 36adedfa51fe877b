// StateRows (state_rows.h): the snapshot's rows as views, and an overlay of what was written since.

#include "state_rows.h"

#include <algorithm>
#include <stdexcept>

#include "state_key.h"

namespace edgecart {

void StateRows::appendChunk(std::shared_ptr<const std::string> payload, const std::vector<logfmt::RowView>& rows) {
  if (!overlay_.empty()) throw std::logic_error("StateRows::appendChunk after a write");
  // Each key is table digit + pk + NUL + sk (stateKey), built once into one buffer for the chunk.
  size_t keyBytes = 0;
  for (const logfmt::RowView& r : rows) keyBytes += 2 + r.pk.size() + r.sk.size();
  auto keys = std::make_shared<std::string>();
  keys->reserve(keyBytes);  // never grows past it: the views below stay valid
  base_.reserve(base_.size() + rows.size());
  for (const logfmt::RowView& r : rows) {
    if (!isState(r.table)) throw std::runtime_error("row outside the state tables");
    const size_t at = keys->size();
    keys->push_back(static_cast<char>('0' + static_cast<int>(r.table)));
    keys->append(r.pk).push_back('\0');
    keys->append(r.sk);
    const std::string_view key(keys->data() + at, keys->size() - at);
    if (!base_.empty() && !(base_.back().key < key)) throw std::runtime_error("rows out of key order");
    base_.push_back(Row{key, r.value});
  }
  size_ += rows.size();
  buffers_.push_back(std::move(payload));
  buffers_.push_back(std::move(keys));
}

size_t StateRows::lowerBound(std::string_view key) const {
  return static_cast<size_t>(
      std::lower_bound(base_.begin(), base_.end(), key, [](const Row& r, std::string_view k) { return r.key < k; }) -
      base_.begin());
}

bool StateRows::inBase(const std::string& key) const {
  const size_t b = lowerBound(key);
  return b < base_.size() && base_[b].key == key;
}

std::optional<std::string_view> StateRows::find(const std::string& key) const {
  const auto o = overlay_.find(key);
  if (o != overlay_.end()) {
    if (!o->second) return std::nullopt;
    return std::string_view(*o->second);
  }
  const size_t b = lowerBound(key);
  if (b < base_.size() && base_[b].key == key) return base_[b].value;
  return std::nullopt;
}

void StateRows::put(std::string key, std::string value) {
  if (!find(key)) ++size_;
  overlay_[std::move(key)] = std::move(value);
}

void StateRows::erase(const std::string& key) {
  if (!find(key)) return;
  --size_;
  if (inBase(key)) {
    overlay_[key] = std::nullopt;  // hides the base row
  } else {
    overlay_.erase(key);
  }
}

void StateRows::swap(StateRows& other) noexcept {
  buffers_.swap(other.buffers_);
  base_.swap(other.base_);
  overlay_.swap(other.overlay_);
  std::swap(size_, other.size_);
}

}  // namespace edgecart
