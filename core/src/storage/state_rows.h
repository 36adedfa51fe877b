#pragma once
// The FileStore's latest state (internal to core/src): the value bytes of each data and sequence
// row, by (table, pk, sk).
//
// The rows of the snapshot stay in their chunk files' bytes, kept whole: each chunk is one sorted
// array of where its rows begin in those bytes (ChunkRows, 4 bytes a row), searched as it lies,
// so reading a chunk builds no string and no map node per row. A chunk is read when a read first
// needs a row of its range (ChunkSlot: the manifest says where each range begins and how many
// rows it holds), so an open reads none. Rows written since the snapshot live in an overlay map
// over those, keyed by stateKey, a delete as a tombstone. A write reads no chunk either (the
// open's replay of the log writes all over the state): whether the snapshot held the row is
// noted if its range was read, and otherwise found out when the count of rows is asked for. A compaction hands
// over the chunks of its new snapshot (load): those it kept keep their arrays, read or not, so its
// cost follows what it rewrote, and the overlay holds only what the log holds since the last
// snapshot.

#include <cstddef>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgecart/storage/log_format.h"

namespace edgecart {

// A row's key as views: ordered by table, then pk, then sk, as stateKey strings are.
struct StateKey {
  Table table;
  std::string_view pk, sk;
};
int compareKeys(const StateKey& a, const StateKey& b);
// The parts of a stateKey (table digit + pk + NUL + sk), as views into it.
StateKey keyParts(std::string_view stateKey);
inline StateKey keyOf(const logfmt::RowView& row) { return StateKey{row.table, row.pk, row.sk}; }

// The rows of one chunk, in key order: where each begins in its payload, which lies in `bytes`
// (4 bytes a row held; a row is read from there when it is met).
struct ChunkRows {
  std::shared_ptr<const std::string> bytes;  // the chunk's file
  std::string_view payload;                  // its rows payload, in `bytes`
  std::vector<uint32_t> offsets;             // of each row in `payload`

  size_t size() const { return offsets.size(); }
  logfmt::RowView row(size_t i) const { return logfmt::rowAt(payload, offsets[i]); }
  StateKey key(size_t i) const { return keyOf(row(i)); }

  // Reads a chunk's rows payload (decodeRowOffsets), which lies in `bytes`, for the range from
  // `firstKey` (a stateKey; "" for the first) up to `end` (the next range's; "" for none). Throws
  // std::runtime_error for a damaged payload, a row out of key order, outside the state tables or
  // outside its range.
  static std::shared_ptr<const ChunkRows> read(std::shared_ptr<const std::string> bytes, std::string_view payload,
                                               const std::string& firstKey, const std::string& end = "");
};

// A chunk of the snapshot as the state holds it: where its range begins and how many rows it
// holds (from the manifest), and its rows once read.
struct ChunkSlot {
  uint64_t id = 0;
  std::string firstKey;  // a stateKey; "" for the first range
  uint32_t rows = 0;
  uint64_t bytes = 0;    // its file's size
  mutable std::shared_ptr<const ChunkRows> image;  // null until a read needs it
};
// Reads the rows of a chunk, whose range ends at `end` (the next range's first key, "" for the
// last): they must be `slot.rows` rows within the range. Throws for anything else.
using ChunkLoader = std::function<std::shared_ptr<const ChunkRows>(const ChunkSlot& slot, const std::string& end)>;

class StateRows {
 public:
  explicit StateRows(ChunkLoader loader = nullptr) : loader_(std::move(loader)) {}
  // The whole state is now these chunks (ranges in key order, the first from ""), with nothing
  // over them. A slot with no image that this state holds read (by id) keeps its rows.
  void load(std::vector<ChunkSlot> slots);

  // The value bytes of the row `key` (a stateKey), or nullopt.
  std::optional<std::string_view> find(const std::string& key) const;
  // Write and delete the row `key`, reading no chunk (and so never throwing for one).
  void put(std::string key, std::string value);
  void erase(const std::string& key);
  // The rows of the state. The rows written since the snapshot in ranges no read has needed are
  // counted by reading those ranges' chunks, but only those `readable` allows (a chunk not loaded
  // by the host, or damaged, is not read): each of the others counts as a new row, so the count
  // is then at most that many over.
  size_t size(const std::function<bool(const ChunkSlot&)>& readable) const;
  // The ids of the (at most `n`) chunks after chunk `id` in key order, up to the first one read:
  // what a scan that meets chunk `id` unread is likely to read next.
  std::vector<uint64_t> unreadAfter(uint64_t id, size_t n) const;

  // Visits the rows from `from` (a stateKey; inclusive, or after it when `after`), ascending,
  // while `visit` (const StateKey&, value) returns true.
  template <class Visit>
  void forward(const std::string& from, bool after, Visit&& visit) const;
  // Visits the rows before `before` (a stateKey), descending, while `visit` returns true.
  template <class Visit>
  void backward(const std::string& before, Visit&& visit) const;

 private:
  // A place in the chunks: chunk c, row r; {chunks_.size(), 0} is the end.
  struct Pos {
    size_t c = 0, r = 0;
  };
  size_t rangeOf(const StateKey& key) const;  // the chunk whose range holds `key`; size() if none
  Pos lowerBound(const StateKey& key) const;  // the first chunk row not before `key`
  std::optional<std::string_view> chunkRow(const std::string& key) const;  // the snapshot's row
  // The rows of chunk c, read first if no read needed them before.
  const ChunkRows& chunk(size_t c) const;
  bool atEnd(Pos p) const { return p.c == slots_.size(); }
  bool atBegin(Pos p) const { return p.c == 0 && p.r == 0; }
  logfmt::RowView at(Pos p) const { return chunk(p.c).row(p.r); }
  void next(Pos& p) const {
    if (++p.r == slots_[p.c].rows) p = Pos{p.c + 1, 0};
  }
  void prev(Pos& p) const {
    if (p.r > 0) {
      --p.r;
    } else {
      --p.c;
      p.r = slots_[p.c].rows - 1;
    }
  }
  // <0, 0, >0 as the chunk row at `p` sorts before, with or after the overlay key `k`.
  int compareAt(Pos p, const std::string& k) const { return compareKeys(keyOf(at(p)), keyParts(k)); }

  // Whether the snapshot holds the row `key`: 1 or 0, or -1 if that is not known without reading
  // its range's chunk, which no read has needed yet.
  int8_t inSnapshot(const std::string& key) const;

  // A row written since the snapshot: its value (nullopt: deleted), and whether the snapshot
  // holds a row of that key (inSnapshot; -1 until size() reads its range).
  struct Written {
    std::optional<std::string> value;
    mutable int8_t inSnapshot;
  };

  ChunkLoader loader_;
  std::vector<ChunkSlot> slots_;  // none empty
  std::map<std::string, Written, std::less<>> overlay_;
  // The rows: the snapshot's, plus the overlay's values, less the snapshot rows the overlay
  // replaces or deletes; an overlay row not known to be in the snapshot counts as not in it.
  mutable size_t size_ = 0;
  mutable size_t unknown_ = 0;  // overlay rows whose inSnapshot is -1
};

template <class Visit>
void StateRows::forward(const std::string& from, bool after, Visit&& visit) const {
  Pos b = lowerBound(keyParts(from));
  if (after && !atEnd(b) && compareAt(b, from) == 0) next(b);
  auto o = after ? overlay_.upper_bound(from) : overlay_.lower_bound(from);
  while (!atEnd(b) || o != overlay_.end()) {
    const int c = atEnd(b) ? 1 : o == overlay_.end() ? -1 : compareAt(b, o->first);
    if (c < 0) {
      const logfmt::RowView row = at(b);
      if (!visit(keyOf(row), row.value)) return;
      next(b);
      continue;
    }
    if (c == 0) next(b);  // the overlay's row replaces it
    if (o->second.value && !visit(keyParts(o->first), std::string_view(*o->second.value))) return;
    ++o;
  }
}

template <class Visit>
void StateRows::backward(const std::string& before, Visit&& visit) const {
  Pos b = lowerBound(keyParts(before));  // the chunk rows before it are those before b
  auto o = overlay_.lower_bound(before);
  while (!atBegin(b) || o != overlay_.begin()) {
    Pos last = b;
    if (!atBegin(b)) prev(last);
    const int c = atBegin(b) ? -1 : o == overlay_.begin() ? 1 : compareAt(last, std::prev(o)->first);
    if (c > 0) {
      b = last;
      const logfmt::RowView row = at(b);
      if (!visit(keyOf(row), row.value)) return;
      continue;
    }
    --o;
    if (c == 0) b = last;  // the overlay's row replaces it
    if (o->second.value && !visit(keyParts(o->first), std::string_view(*o->second.value))) return;
  }
}

}  // namespace edgecart
