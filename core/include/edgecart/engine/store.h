#pragma once
// Storage: four tables of (pk, sk) -> JSON value, read directly and written only through
// atomic batches. A batch is what one API command (with everything its handlers caused) writes.

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgecart {

using json = nlohmann::json;
using Value = std::shared_ptr<const json>;  // immutable, shared between tables and readers

enum class Table : uint8_t { Command = 0, Data = 1, History = 2, Sequence = 3 };
constexpr int kTableCount = 4;
const char* tableName(Table t);

// One row written by a batch; a null value deletes the row.
struct Put {
  Table table;
  std::string pk;
  std::string sk;
  Value value;
};

using Batch = std::vector<Put>;

// What a transaction saw of one row when it decided what to write: `seen` is the value it read
// (null: the row did not exist). A commit carries these as expectations (docs/scale-out.md): a
// store shared by several writers applies the batch only if every row still holds what was seen.
// Rows that must never be overwritten (commands, history, sync records, lease blocks) are written
// with an expectation that they do not exist yet.
struct Read {
  Table table;
  std::string pk;
  std::string sk;
  Value seen;
};

using Reads = std::vector<Read>;

// True if `current` is what `seen` was: both absent, the same object, or equal values.
bool sameRow(const Value& seen, const Value& current);

// Thrown by Store::commit when an expectation no longer holds: another writer changed a row this
// transaction read. Nothing was written; the engine re-runs the request on fresh state. Not an
// API error: it never reaches a caller (Engine::run turns repeated conflicts into a 409).
class CommitConflict : public std::exception {
 public:
  explicit CommitConflict(std::string what) : what_(std::move(what)) {}
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::string what_;
};

// Called for each row of a scan in sort-key order; return false to stop.
using RowVisitor = std::function<bool(const std::string& sk, const Value& value)>;

class FileStore;

class Store {
 public:
  virtual ~Store() = default;
  // This store as the file log (its chunks, stats and recovery, which a host asks for), or null.
  // A virtual, not a dynamic_cast: the module is built without RTTI (docs/toolchain.md).
  virtual FileStore* fileStore() { return nullptr; }
  // The row, or null.
  virtual Value get(Table table, const std::string& pk, const std::string& sk) const = 0;
  // The rows `sks` of `pk`, in the same order (null for each absent one). The default reads them
  // one by one; stores where a read is a query override it with one query.
  virtual std::vector<Value> getMany(Table table, const std::string& pk, const std::vector<std::string>& sks) const {
    std::vector<Value> out;
    out.reserve(sks.size());
    for (const std::string& sk : sks) out.push_back(get(table, pk, sk));
    return out;
  }
  // Rows of `pk` whose sk starts with `prefix` and is greater than `after`, ascending.
  virtual void scan(Table table, const std::string& pk, const std::string& prefix,
                    const std::string& after, const RowVisitor& visit) const = 0;
  // Rows of `pk` whose sk starts with `prefix` and is less than `before` (empty: no bound),
  // descending. The default reads the whole range through scan(); stores override it.
  virtual void scanBackward(Table table, const std::string& pk, const std::string& prefix,
                            const std::string& before, const RowVisitor& visit) const;
  // Applies every put or none. Throws ApiError (status 500/507) if the batch cannot be made durable;
  // the store is then unchanged.
  virtual void commit(const Batch& batch) = 0;
  // A commit that holds only if every expectation still holds, else throws CommitConflict and
  // writes nothing. The default ignores the expectations: right for a store with one writer (the
  // memory store, the file log, the browser's store), where nothing can change between a read
  // and its commit. Stores shared between processes (SQLite, PostgreSQL) override it.
  virtual void commit(const Batch& batch, const Reads& expected) {
    (void)expected;
    commit(batch);
  }
  // True for a store that checks expectations (the engine builds them only then).
  virtual bool checksExpectations() const { return false; }
  // True if every row read still holds what was seen (no lock, no write): asked when a request is
  // refused, since a refusal that rests on rows another writer changed meanwhile (an order code
  // read as free, then its order found) must run again instead of being answered.
  virtual bool readsHold(const Reads& reads) const {
    for (const Read& r : reads) {
      if (!sameRow(r.seen, get(r.table, r.pk, r.sk))) return false;
    }
    return true;
  }
};


// The four tables held in ordered maps, each row a V (null: no row): the memory store keeps its
// rows' bytes so (storage/memory_store.h); TableImage keeps trees, as tests model a store.
template <class V>
class RowMaps {
 public:
  using Key = std::pair<std::string, std::string>;
  // A (pk, sk) to look up without building a Key (two string copies) per lookup.
  using KeyRef = std::pair<const std::string&, const std::string&>;
  struct KeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      const int c = a.first.compare(b.first);
      return c < 0 || (c == 0 && a.second < b.second);
    }
  };
  using Map = std::map<Key, V, KeyLess>;

  // The row, or null.
  const V* find(Table t, const std::string& pk, const std::string& sk) const {
    const Map& m = table(t);
    auto it = m.find(KeyRef(pk, sk));
    return it == m.end() ? nullptr : &it->second;
  }
  // Rows of `pk` whose sk starts with `prefix` and is greater than `after`, ascending, as
  // Store::scan: visit(sk, row) returns false to stop.
  template <class Visit>
  void forward(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
               const Visit& visit) const {
    const Map& m = table(t);
    const bool resume = !after.empty() && after >= prefix;
    auto it = resume ? m.upper_bound(KeyRef(pk, after)) : m.lower_bound(KeyRef(pk, prefix));
    for (; it != m.end() && it->first.first == pk; ++it) {
      const std::string& sk = it->first.second;
      if (sk.compare(0, prefix.size(), prefix) != 0) break;
      if (!visit(sk, it->second)) break;
    }
  }
  // Rows of `pk` whose sk starts with `prefix` and is less than `before` ("": no bound),
  // descending, as Store::scanBackward.
  template <class Visit>
  void backward(Table t, const std::string& pk, const std::string& prefix, const std::string& before,
                const Visit& visit) const {
    if (!before.empty() && before <= prefix) return;  // nothing with the prefix sorts below it
    const Map& m = table(t);
    // No UTF-8 key contains byte 0xFF: prefix + 0xFF sorts after every key with the prefix.
    const std::string end = prefix + "\xFF";
    auto it = m.lower_bound(KeyRef(pk, before.empty() || before > end ? end : before));
    while (it != m.begin()) {
      --it;
      const std::string& sk = it->first.second;
      if (it->first.first != pk || sk.compare(0, prefix.size(), prefix) != 0) break;
      if (!visit(sk, it->second)) break;
    }
  }
  // Writes the row; a null value deletes it.
  void set(Table t, const std::string& pk, const std::string& sk, V value) {
    Map& m = table(t);
    const KeyRef key(pk, sk);
    auto it = m.lower_bound(key);
    const bool found = it != m.end() && !m.key_comp()(key, it->first);
    if (!value) {
      if (found) m.erase(it);
    } else if (found) {
      it->second = std::move(value);
    } else {
      m.emplace_hint(it, Key(pk, sk), std::move(value));  // the key is copied only for a new row
    }
  }
  const Map& table(Table t) const { return tables_[static_cast<int>(t)]; }
  Map& table(Table t) { return tables_[static_cast<int>(t)]; }
  size_t rowCount() const {
    size_t n = 0;
    for (const Map& m : tables_) n += m.size();
    return n;
  }

 private:
  Map tables_[kTableCount];
};

// The tables as trees: a store's content as tests model it.
class TableImage : public RowMaps<Value> {
 public:
  Value get(Table t, const std::string& pk, const std::string& sk) const {
    const Value* v = find(t, pk, sk);
    return v ? *v : nullptr;
  }
  void scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
            const RowVisitor& visit) const {
    forward(t, pk, prefix, after, visit);
  }
  void scanBackward(Table t, const std::string& pk, const std::string& prefix, const std::string& before,
                    const RowVisitor& visit) const {
    backward(t, pk, prefix, before, visit);
  }
  void apply(const Batch& batch) {
    for (const Put& p : batch) set(p.table, p.pk, p.sk, p.value);
  }
};

}  // namespace edgecart
