#pragma once
// The server's store: one SQLite file (WAL) with the command, data, history and sequence tables
// of docs/design.md §2. An atomic commit is one SQL transaction, which checks the commit's
// expectations under SQLite's write lock: several processes on one file stay correct.

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "edgecart_server/server_store.h"

namespace edgecart {

class SqliteStore : public ServerStore {
 public:
  // Opens (creating if needed) the database file; throws ApiError(500) if it cannot.
  static std::unique_ptr<SqliteStore> open(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Value get(Table t, const std::string& pk, const std::string& sk) const override;
  std::vector<Value> getMany(Table t, const std::string& pk, const std::vector<std::string>& sks) const override;
  void scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
            const RowVisitor& visit) const override;
  void scanBackward(Table t, const std::string& pk, const std::string& prefix, const std::string& before,
                    const RowVisitor& visit) const override;
  using ServerStore::commit;
  // One transaction; throws CommitConflict if a row read changed since, ApiError(507) if SQLite
  // refuses; either way it changes nothing.
  void commit(const Batch& batch, const Reads& expected) override;
  // One fsync for the group (see ServerStore).
  void beginGroup() override;
  void endGroup(bool commit) override;
  bool groupsPushes() const override { return true; }
  std::string describe() const override { return "SQLite " + path_; }
  const std::string& path() const { return path_; }
  // Copies the database at `from` into a new file `to` with SQLite's online backup: one
  // consistent state even while a server writes it (WAL). Throws ApiError if it cannot; `to` must
  // not exist. Returns the pages copied.
  static int backup(const std::string& from, const std::string& to);
  // Rows scan() has read and parsed so far (for tests: a page costs what it shows).
  uint64_t rowsRead() const { return rowsRead_; }

 private:
  SqliteStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  void exec(const char* sql) const;
  // scan (ascending, after `bound`) and scanBackward (descending, before `bound`), in pages.
  void scanPages(Table t, const std::string& pk, const std::string& prefix, const std::string& bound,
                 bool descending, const RowVisitor& visit) const;
  sqlite3_stmt* prepare(const std::string& sql) const;

  std::string path_;
  sqlite3* db_;
  mutable std::mutex mu_;  // one connection: statements never run concurrently
  bool grouping_ = false;
  mutable uint64_t rowsRead_ = 0;  // guarded by mu_
  mutable std::unordered_map<std::string, sqlite3_stmt*> statements_;  // guarded by mu_
};

}  // namespace edgecart
