// StateRows (state_rows.h): the snapshot's rows as views, and an overlay of what was written since.

#include "state_rows.h"

#include <algorithm>
#include <stdexcept>

#include "state_key.h"

namespace edgecart {

int compareKeys(const StateKey& a, const StateKey& b) {
  if (a.table != b.table) return a.table < b.table ? -1 : 1;
  if (const int c = a.pk.compare(b.pk)) return c;
  return a.sk.compare(b.sk);
}

StateKey keyParts(std::string_view key) {
  if (key.empty()) return StateKey{Table::Command, {}, {}};  // "": before every row
  const size_t nul = key.find('\0', 1);
  const auto t = static_cast<Table>(key[0] - '0');
  if (nul == std::string_view::npos) return StateKey{t, key.substr(1), {}};
  return StateKey{t, key.substr(1, nul - 1), key.substr(nul + 1)};
}

std::shared_ptr<const ChunkRows> ChunkRows::read(std::shared_ptr<const std::string> bytes, std::string_view payload,
                                                 const std::string& firstKey) {
  auto chunk = std::make_shared<ChunkRows>();
  chunk->rows = logfmt::decodeRowViews(payload);
  const auto& rows = chunk->rows;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!isState(rows[i].table)) throw std::runtime_error("row outside the state tables");
    if (i > 0 && compareKeys(keyOf(rows[i - 1]), keyOf(rows[i])) >= 0) throw std::runtime_error("rows out of key order");
  }
  if (!rows.empty() && compareKeys(keyOf(rows.front()), keyParts(firstKey)) < 0) {
    throw std::runtime_error("row outside its range");  // the rest follow it in key order
  }
  chunk->bytes = std::move(bytes);
  return chunk;
}

void StateRows::append(std::shared_ptr<const ChunkRows> chunk) {
  if (!overlay_.empty()) throw std::logic_error("StateRows::append after a write");
  if (chunk->rows.empty()) return;
  if (!chunks_.empty() && compareKeys(keyOf(chunks_.back()->rows.back()), keyOf(chunk->rows.front())) >= 0) {
    throw std::runtime_error("rows out of key order");
  }
  size_ += chunk->rows.size();
  chunks_.push_back(std::move(chunk));
}

void StateRows::rebase(std::vector<std::shared_ptr<const ChunkRows>> chunks) {
  StateRows next;  // built aside: if append throws, this state is left as it was
  for (auto& c : chunks) next.append(std::move(c));
  *this = std::move(next);
}

StateRows::Pos StateRows::lowerBound(const StateKey& key) const {
  auto before = [&](const logfmt::RowView& row) { return compareKeys(keyOf(row), key) < 0; };
  // The first chunk whose last row is not before `key`, then the row in it.
  const auto c = std::partition_point(chunks_.begin(), chunks_.end(), [&](const auto& chunk) { return before(chunk->rows.back()); });
  if (c == chunks_.end()) return Pos{chunks_.size(), 0};
  const auto& rows = (*c)->rows;
  const auto r = std::partition_point(rows.begin(), rows.end(), before);
  return Pos{static_cast<size_t>(c - chunks_.begin()), static_cast<size_t>(r - rows.begin())};
}

std::optional<std::string_view> StateRows::find(const std::string& key) const {
  const auto o = overlay_.find(key);
  if (o != overlay_.end()) {
    if (!o->second) return std::nullopt;
    return std::string_view(*o->second);
  }
  const Pos p = lowerBound(keyParts(key));
  if (!atEnd(p) && compareAt(p, key) == 0) return at(p).value;
  return std::nullopt;
}

void StateRows::put(std::string key, std::string value) {
  if (!find(key)) ++size_;
  overlay_[std::move(key)] = std::move(value);
}

void StateRows::erase(const std::string& key) {
  if (!find(key)) return;
  --size_;
  const Pos p = lowerBound(keyParts(key));
  if (!atEnd(p) && compareAt(p, key) == 0) {
    overlay_[key] = std::nullopt;  // hides the chunk's row
  } else {
    overlay_.erase(key);
  }
}

}  // namespace edgecart
