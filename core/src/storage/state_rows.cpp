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
  chunk->payload = payload;
  chunk->offsets = logfmt::decodeRowOffsets(payload);
  const ChunkRows& rows = *chunk;
  StateKey before{};  // the row before, each row read once
  for (size_t i = 0; i < rows.size(); ++i) {
    const StateKey key = rows.key(i);
    if (!isState(key.table)) throw std::runtime_error("row outside the state tables");
    if (i > 0 && compareKeys(before, key) >= 0) throw std::runtime_error("rows out of key order");
    before = key;
  }
  if (rows.size() > 0 && compareKeys(rows.key(0), keyParts(firstKey)) < 0) {
    throw std::runtime_error("row outside its range");  // the rest follow it in key order
  }
  chunk->bytes = std::move(bytes);
  return chunk;
}

void StateRows::append(std::shared_ptr<const ChunkRows> chunk) {
  if (!overlay_.empty()) throw std::logic_error("StateRows::append after a write");
  if (chunk->size() == 0) return;
  if (!chunks_.empty() && compareKeys(chunks_.back()->key(chunks_.back()->size() - 1), chunk->key(0)) >= 0) {
    throw std::runtime_error("rows out of key order");
  }
  size_ += chunk->size();
  chunks_.push_back(std::move(chunk));
}

void StateRows::rebase(std::vector<std::shared_ptr<const ChunkRows>> chunks) {
  StateRows next;  // built aside: if append throws, this state is left as it was
  for (auto& c : chunks) next.append(std::move(c));
  *this = std::move(next);
}

StateRows::Pos StateRows::lowerBound(const StateKey& key) const {
  // The first chunk whose last row is not before `key`, then the row in it.
  const auto c = std::partition_point(chunks_.begin(), chunks_.end(), [&](const auto& chunk) {
    return compareKeys(chunk->key(chunk->size() - 1), key) < 0;
  });
  if (c == chunks_.end()) return Pos{chunks_.size(), 0};
  const ChunkRows& rows = **c;
  size_t lo = 0, hi = rows.size();  // the first row not before `key` is in [lo, hi]
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (compareKeys(rows.key(mid), key) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return Pos{static_cast<size_t>(c - chunks_.begin()), lo};
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
