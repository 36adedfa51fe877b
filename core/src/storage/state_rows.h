#pragma once
// The FileStore's latest state (internal to core/src): the value bytes of each data and sequence
// row, by stateKey.
//
// The rows of the snapshot stay in their chunk payloads, kept whole: each chunk is one sorted
// array of views into its payload (ChunkRows; its keys copied into one buffer), so opening a store
// builds no string and no map node per row. Rows written since the snapshot live in an overlay
// map over those, a delete of a snapshot row as a tombstone. A compaction hands over the chunks of
// its new snapshot (rebase): those it kept keep their arrays, so its cost follows what it
// rewrote, and the overlay holds only what the log holds since the last snapshot.

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

struct StateRow {
  std::string_view key;    // stateKey, in ChunkRows::keys
  std::string_view value;  // in ChunkRows::bytes
};

// The rows of one chunk, in key order.
struct ChunkRows {
  std::shared_ptr<const std::string> bytes;  // the chunk's file, or its payload
  std::string keys;
  std::vector<StateRow> rows;

  // Reads a chunk's rows payload (decodeRowViews), which lies in `bytes`. Throws
  // std::runtime_error for a damaged payload, a row out of key order or outside the state tables.
  static std::shared_ptr<const ChunkRows> read(std::shared_ptr<const std::string> bytes, std::string_view payload);
};

class StateRows {
 public:
  // Adds the rows of a chunk whose keys sort after every row held: chunks are added in key order.
  // Throws std::runtime_error otherwise. Only while nothing was written (a load).
  void append(std::shared_ptr<const ChunkRows> chunk);
  // The whole state is now these chunks, in key order, with nothing over them.
  void rebase(std::vector<std::shared_ptr<const ChunkRows>> chunks);

  // The value bytes of `key`, or nullopt.
  std::optional<std::string_view> find(const std::string& key) const;
  void put(std::string key, std::string value);
  void erase(const std::string& key);
  size_t size() const { return size_; }

  // Visits the rows from `from` (inclusive, or after it when `after`), ascending, while `visit`
  // (key, value) returns true.
  template <class Visit>
  void forward(const std::string& from, bool after, Visit&& visit) const;
  // Visits the rows before `before`, descending, while `visit` (key, value) returns true.
  template <class Visit>
  void backward(const std::string& before, Visit&& visit) const;

 private:
  // A place in the chunks: chunk c, row r; {chunks_.size(), 0} is the end.
  struct Pos {
    size_t c = 0, r = 0;
  };
  Pos lowerBound(std::string_view key) const;  // the first chunk row not before `key`
  bool atEnd(Pos p) const { return p.c == chunks_.size(); }
  bool atBegin(Pos p) const { return p.c == 0 && p.r == 0; }
  const StateRow& at(Pos p) const { return chunks_[p.c]->rows[p.r]; }
  void next(Pos& p) const {
    if (++p.r == chunks_[p.c]->rows.size()) p = Pos{p.c + 1, 0};
  }
  void prev(Pos& p) const {
    if (p.r > 0) {
      --p.r;
    } else {
      --p.c;
      p.r = chunks_[p.c]->rows.size() - 1;
    }
  }

  std::vector<std::shared_ptr<const ChunkRows>> chunks_;  // none empty
  std::map<std::string, std::optional<std::string>, std::less<>> overlay_;  // nullopt: deleted
  size_t size_ = 0;
};

template <class Visit>
void StateRows::forward(const std::string& from, bool after, Visit&& visit) const {
  Pos b = lowerBound(from);
  if (after && !atEnd(b) && at(b).key == from) next(b);
  auto o = after ? overlay_.upper_bound(from) : overlay_.lower_bound(from);
  while (!atEnd(b) || o != overlay_.end()) {
    if (o == overlay_.end() || (!atEnd(b) && at(b).key < o->first)) {
      if (!visit(at(b).key, at(b).value)) return;
      next(b);
      continue;
    }
    if (!atEnd(b) && at(b).key == o->first) next(b);  // the overlay's row replaces it
    if (o->second && !visit(std::string_view(o->first), std::string_view(*o->second))) return;
    ++o;
  }
}

template <class Visit>
void StateRows::backward(const std::string& before, Visit&& visit) const {
  Pos b = lowerBound(before);  // the chunk rows before it are those before b
  auto o = overlay_.lower_bound(before);
  while (!atBegin(b) || o != overlay_.begin()) {
    Pos last = b;
    if (!atBegin(b)) prev(last);
    if (o == overlay_.begin() || (!atBegin(b) && at(last).key > std::prev(o)->first)) {
      b = last;
      if (!visit(at(b).key, at(b).value)) return;
      continue;
    }
    --o;
    if (!atBegin(b) && at(last).key == o->first) b = last;  // the overlay's row replaces it
    if (o->second && !visit(std::string_view(o->first), std::string_view(*o->second))) return;
  }
}

}  // namespace edgecart
