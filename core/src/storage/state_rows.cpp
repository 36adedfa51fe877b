// StateRows (state_rows.h): the snapshot's rows as views, and an overlay of what was written since.

#include "state_rows.h"

#include <algorithm>
#include <map>
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
                                                 const std::string& firstKey, const std::string& end) {
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
  // The rest lie between these two, in key order.
  if ((rows.size() > 0 && compareKeys(rows.key(0), keyParts(firstKey)) < 0) ||
      (rows.size() > 0 && !end.empty() && compareKeys(before, keyParts(end)) >= 0)) {
    throw std::runtime_error("row outside its range");
  }
  chunk->bytes = std::move(bytes);
  return chunk;
}

void StateRows::load(std::vector<ChunkSlot> slots) {
  std::map<uint64_t, std::shared_ptr<const ChunkRows>> read;  // what this state has read, by id
  for (const ChunkSlot& s : slots_) {
    if (s.image) read[s.id] = s.image;
  }
  std::vector<ChunkSlot> next;
  size_t size = 0;
  for (ChunkSlot& s : slots) {
    if (s.rows == 0) continue;
    if (!s.image) {
      const auto it = read.find(s.id);
      if (it != read.end()) s.image = it->second;
    }
    size += s.rows;
    next.push_back(std::move(s));
  }
  slots_ = std::move(next);
  overlay_.clear();
  size_ = size;
  unknown_ = 0;
}

const ChunkRows& StateRows::chunk(size_t c) const {
  const ChunkSlot& s = slots_[c];
  if (!s.image) {
    s.image = loader_(s, c + 1 < slots_.size() ? slots_[c + 1].firstKey : std::string());  // s.rows rows
  }
  return *s.image;
}

size_t StateRows::rangeOf(const StateKey& key) const {
  // The last chunk that begins at or before `key`.
  const auto after = std::partition_point(slots_.begin(), slots_.end(), [&](const ChunkSlot& s) {
    return compareKeys(keyParts(s.firstKey), key) <= 0;
  });
  return after == slots_.begin() ? slots_.size() : static_cast<size_t>(after - slots_.begin()) - 1;
}

// The first row of `rows` not before `key`.
static size_t lowerRow(const ChunkRows& rows, const StateKey& key) {
  size_t lo = 0, hi = rows.size();  // it is in [lo, hi]
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (compareKeys(rows.key(mid), key) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

StateRows::Pos StateRows::lowerBound(const StateKey& key) const {
  const size_t c = rangeOf(key);
  if (c == slots_.size()) return Pos{0, 0};  // before every range (the first chunk had none of it)
  const size_t r = lowerRow(chunk(c), key);
  return r == slots_[c].rows ? Pos{c + 1, 0} : Pos{c, r};  // the next range's rows are all after `key`
}

std::optional<std::string_view> StateRows::chunkRow(const std::string& key) const {
  const StateKey k = keyParts(key);
  const size_t c = rangeOf(k);
  if (c == slots_.size()) return std::nullopt;
  const ChunkRows& rows = chunk(c);  // only the chunk whose range holds it
  const size_t r = lowerRow(rows, k);
  if (r == rows.size() || compareKeys(rows.key(r), k) != 0) return std::nullopt;
  return rows.row(r).value;
}

std::optional<std::string_view> StateRows::find(const std::string& key) const {
  const auto o = overlay_.find(key);
  if (o != overlay_.end()) {
    if (!o->second.value) return std::nullopt;
    return std::string_view(*o->second.value);
  }
  return chunkRow(key);
}

int8_t StateRows::inSnapshot(const std::string& key) const {
  const StateKey k = keyParts(key);
  const size_t c = rangeOf(k);
  if (c == slots_.size()) return 0;
  if (!slots_[c].image) return -1;
  const ChunkRows& rows = *slots_[c].image;
  const size_t r = lowerRow(rows, k);
  return r < rows.size() && compareKeys(rows.key(r), k) == 0 ? 1 : 0;
}

std::vector<uint64_t> StateRows::unreadAfter(uint64_t id, size_t n) const {
  std::vector<uint64_t> ids;
  auto it = std::find_if(slots_.begin(), slots_.end(), [&](const ChunkSlot& s) { return s.id == id; });
  if (it == slots_.end()) return ids;
  for (++it; it != slots_.end() && !it->image && ids.size() < n; ++it) ids.push_back(it->id);
  return ids;
}

void StateRows::put(std::string key, std::string value) {
  const auto o = overlay_.find(key);
  if (o != overlay_.end()) {
    if (!o->second.value) ++size_;  // a deleted row written again
    o->second.value = std::move(value);
    return;
  }
  const int8_t in = inSnapshot(key);
  if (in != 1) ++size_;
  if (in < 0) ++unknown_;
  overlay_.emplace(std::move(key), Written{std::move(value), in});
}

void StateRows::erase(const std::string& key) {
  const auto o = overlay_.find(key);
  if (o != overlay_.end()) {
    if (!o->second.value) return;
    --size_;
    if (o->second.inSnapshot == 0) {
      overlay_.erase(o);  // nothing under it to hide
    } else {
      o->second.value = std::nullopt;
    }
    return;
  }
  const int8_t in = inSnapshot(key);
  if (in == 0) return;
  if (in == 1) --size_;
  if (in < 0) ++unknown_;
  overlay_.emplace(key, Written{std::nullopt, in});  // hides the snapshot's row, if it has one
}

size_t StateRows::size(const std::function<bool(const ChunkSlot&)>& readable) const {
  for (auto o = overlay_.begin(); unknown_ > 0 && o != overlay_.end(); ++o) {
    if (o->second.inSnapshot >= 0) continue;
    const size_t c = rangeOf(keyParts(o->first));  // a range: inSnapshot said -1
    if (!slots_[c].image) {
      if (!readable(slots_[c])) continue;
      try {
        (void)chunk(c);
      } catch (const std::exception&) {
        continue;  // damaged: the read that needs its rows says so
      }
    }
    o->second.inSnapshot = inSnapshot(o->first);
    if (o->second.inSnapshot == 1) --size_;  // counted as new so far
    --unknown_;
  }
  return size_;
}

}  // namespace edgecart
