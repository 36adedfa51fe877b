// StateRows (state_rows.h): the snapshot's rows as views, and an overlay of what was written since.

#include "state_rows.h"

#include <algorithm>
#include <stdexcept>

#include "state_key.h"

namespace edgecart {

std::shared_ptr<const ChunkRows> ChunkRows::read(std::shared_ptr<const std::string> bytes, std::string_view payload) {
  const std::vector<logfmt::RowView> views = logfmt::decodeRowViews(payload);
  auto chunk = std::make_shared<ChunkRows>();
  // Each key is table digit + pk + NUL + sk (stateKey), built once into one buffer.
  size_t keyBytes = 0;
  for (const logfmt::RowView& v : views) keyBytes += 2 + v.pk.size() + v.sk.size();
  std::string& keys = chunk->keys;
  keys.reserve(keyBytes);  // never grows past it: the views below stay valid
  chunk->rows.reserve(views.size());
  for (const logfmt::RowView& v : views) {
    if (!isState(v.table)) throw std::runtime_error("row outside the state tables");
    const size_t at = keys.size();
    keys.push_back(static_cast<char>('0' + static_cast<int>(v.table)));
    keys.append(v.pk).push_back('\0');
    keys.append(v.sk);
    const std::string_view key(keys.data() + at, keys.size() - at);
    if (!chunk->rows.empty() && !(chunk->rows.back().key < key)) throw std::runtime_error("rows out of key order");
    chunk->rows.push_back(StateRow{key, v.value});
  }
  chunk->bytes = std::move(bytes);
  return chunk;
}

void StateRows::append(std::shared_ptr<const ChunkRows> chunk) {
  if (!overlay_.empty()) throw std::logic_error("StateRows::append after a write");
  if (chunk->rows.empty()) return;
  if (!chunks_.empty() && !(chunks_.back()->rows.back().key < chunk->rows.front().key)) {
    throw std::runtime_error("rows out of key order");
  }
  size_ += chunk->rows.size();
  chunks_.push_back(std::move(chunk));
}

void StateRows::rebase(std::vector<std::shared_ptr<const ChunkRows>> chunks) {
  overlay_.clear();
  chunks_.clear();
  size_ = 0;
  for (auto& c : chunks) append(std::move(c));
}

StateRows::Pos StateRows::lowerBound(std::string_view key) const {
  // The first chunk whose last row is not before `key`, then the row in it.
  const auto c = std::partition_point(chunks_.begin(), chunks_.end(),
                                      [&](const auto& chunk) { return chunk->rows.back().key < key; });
  if (c == chunks_.end()) return Pos{chunks_.size(), 0};
  const auto& rows = (*c)->rows;
  const auto r = std::partition_point(rows.begin(), rows.end(), [&](const StateRow& row) { return row.key < key; });
  return Pos{static_cast<size_t>(c - chunks_.begin()), static_cast<size_t>(r - rows.begin())};
}

std::optional<std::string_view> StateRows::find(const std::string& key) const {
  const auto o = overlay_.find(key);
  if (o != overlay_.end()) {
    if (!o->second) return std::nullopt;
    return std::string_view(*o->second);
  }
  const Pos p = lowerBound(key);
  if (!atEnd(p) && at(p).key == key) return at(p).value;
  return std::nullopt;
}

void StateRows::put(std::string key, std::string value) {
  if (!find(key)) ++size_;
  overlay_[std::move(key)] = std::move(value);
}

void StateRows::erase(const std::string& key) {
  if (!find(key)) return;
  --size_;
  const Pos p = lowerBound(key);
  if (!atEnd(p) && at(p).key == key) {
    overlay_[key] = std::nullopt;  // hides the chunk's row
  } else {
    overlay_.erase(key);
  }
}

}  // namespace edgecart
