#include "edgecart_server/sqlite_store.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

// A cached statement, reset (and its bindings cleared) on every path out of a scope, ready for
// the next use.
struct Stmt {
  sqlite3_stmt* s;
  ~Stmt() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
  operator sqlite3_stmt*() const { return s; }
};

void bindText(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string column(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

// SQLite's busy handler: true (ask again) after 250 µs, for up to 5 s in all.
int retryBusy(void*, int tries) {
  if (tries >= 20000) return 0;
  std::this_thread::sleep_for(std::chrono::microseconds(250));
  return 1;
}

}  // namespace

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw ApiError(500, "Storage error: cannot open " + path + ": " + why);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, db));
  // Another process holding the write lock (two servers on one file): ask again every 250 µs for
  // up to 5 s. SQLite's own busy timeout sleeps ever longer (up to 100 ms), and a process that
  // commits group after group re-takes the lock within microseconds: the other would starve.
  sqlite3_busy_handler(db, retryBusy, nullptr);
  store->exec("PRAGMA journal_mode=WAL");
  store->exec("PRAGMA synchronous=FULL");
  for (int t = 0; t < kTableCount; ++t) {
    store->exec(("CREATE TABLE IF NOT EXISTS " + std::string(tableName(static_cast<Table>(t))) +
                 " (pk TEXT NOT NULL, sk TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (pk, sk))"
                 " WITHOUT ROWID").c_str());
  }
  return store;
}

int SqliteStore::backup(const std::string& from, const std::string& to) {
  if (FILE* f = std::fopen(to.c_str(), "rb")) {
    std::fclose(f);
    throw ApiError(400, to + " exists: a backup is written to a new file");
  }
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto done = [&] {
    sqlite3_close(src);
    sqlite3_close(dst);
  };
  if (sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string why = src ? sqlite3_errmsg(src) : "out of memory";
    done();
    throw ApiError(500, "cannot open " + from + ": " + why);
  }
  sqlite3_busy_timeout(src, 5000);
  if (sqlite3_open_v2(to.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string why = dst ? sqlite3_errmsg(dst) : "out of memory";
    done();
    throw ApiError(500, "cannot create " + to + ": " + why);
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) {
    const std::string why = sqlite3_errmsg(dst);
    done();
    throw ApiError(500, "cannot back up " + from + ": " + why);
  }
  // All pages in one step: one read transaction on the source, so one consistent state.
  int rc;
  while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
  const int pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    const std::string why = sqlite3_errstr(rc);
    done();
    std::remove(to.c_str());
    throw ApiError(500, "backup of " + from + " failed: " + why);
  }
  done();
  return pages;
}

SqliteStore::~SqliteStore() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

void SqliteStore::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string why = err ? err : "unknown error";
    sqlite3_free(err);
    throw ApiError(500, "Storage error: " + why);
  }
}

// Each statement is compiled once and kept (a handful of texts: a get, a scan, an insert and a
// delete per table): an order's commit runs some 30 of them. Called under mu_.
sqlite3_stmt* SqliteStore::prepare(const std::string& sql) const {
  if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    throw ApiError(500, std::string("Storage error: ") + sqlite3_errmsg(db_));
  }
  statements_.emplace(sql, s);
  return s;
}

Value SqliteStore::get(Table t, const std::string& pk, const std::string& sk) const {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt s{prepare("SELECT value FROM " + std::string(tableName(t)) + " WHERE pk = ?1 AND sk = ?2")};
  bindText(s, 1, pk);
  bindText(s, 2, sk);
  if (sqlite3_step(s) != SQLITE_ROW) return nullptr;
  return std::make_shared<const json>(json::parse(column(s, 0)));
}

// One query for the lot: the keys go in as one JSON array (SQLite's json_each).
std::vector<Value> SqliteStore::getMany(Table t, const std::string& pk, const std::vector<std::string>& sks) const {
  std::vector<Value> out(sks.size());
  if (sks.empty()) return out;
  std::map<std::string, std::vector<size_t>> where;  // a key asked twice gets the row twice
  for (size_t i = 0; i < sks.size(); ++i) where[sks[i]].push_back(i);
  const std::string keys = json(sks).dump();
  std::vector<std::pair<std::string, std::string>> rows;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt s{prepare("SELECT sk, value FROM " + std::string(tableName(t)) +
                   " WHERE pk = ?1 AND sk IN (SELECT value FROM json_each(?2))")};
    bindText(s, 1, pk);
    bindText(s, 2, keys);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) rows.emplace_back(column(s, 0), column(s, 1));
    if (rc != SQLITE_DONE) throw ApiError(500, std::string("Storage error: ") + sqlite3_errmsg(db_));
  }
  for (const auto& [sk, value] : rows) {  // parsed outside the lock
    auto it = where.find(sk);
    if (it == where.end()) continue;
    const Value v = std::make_shared<const json>(json::parse(value));
    for (size_t i : it->second) out[i] = v;
  }
  return out;
}

void SqliteStore::scan(Table t, const std::string& pk, const std::string& prefix,
                       const std::string& after, const RowVisitor& visit) const {
  scanPages(t, pk, prefix, after, false, visit);
}

void SqliteStore::scanBackward(Table t, const std::string& pk, const std::string& prefix,
                               const std::string& before, const RowVisitor& visit) const {
  scanPages(t, pk, prefix, before, true, visit);
}

void SqliteStore::scanPages(Table t, const std::string& pk, const std::string& prefix, const std::string& bound,
                            bool descending, const RowVisitor& visit) const {
  // Rows are read in pages under the lock, then visited without it (a visitor may call get()).
  // The pages grow from 8 rows, so a visitor that stops early (a list of `limit` items) costs
  // O(limit) rows read and parsed, not the whole range after the cursor.
  // Text compares bytewise; no UTF-8 text contains byte 0xFF, so prefix + 0xFF bounds the range.
  const std::string end = prefix + "\xFF";
  std::string from = descending && (bound.empty() || bound > end) ? end : bound;  // exclusive
  const std::string sql = "SELECT sk, value FROM " + std::string(tableName(t)) + " WHERE pk = ?1 AND sk >= ?2 AND sk < ?3 AND " +
                          (descending ? "sk < ?4 ORDER BY sk DESC" : "sk > ?4 ORDER BY sk") + " LIMIT ?5";
  for (int page = 8;; page = std::min(page * 4, 1024)) {
    std::vector<std::pair<std::string, Value>> rows;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Stmt s{prepare(sql)};
      bindText(s, 1, pk);
      bindText(s, 2, prefix);
      bindText(s, 3, end);
      bindText(s, 4, from);
      sqlite3_bind_int(s, 5, page);
      while (sqlite3_step(s) == SQLITE_ROW) {
        rows.emplace_back(column(s, 0), std::make_shared<const json>(json::parse(column(s, 1))));
      }
      rowsRead_ += rows.size();
    }
    for (const auto& [sk, value] : rows) {
      if (!visit(sk, value)) return;
    }
    if (rows.size() < static_cast<size_t>(page)) return;
    from = rows.back().first;
  }
}

void SqliteStore::beginGroup() {
  std::lock_guard<std::mutex> lock(mu_);
  if (grouping_) return;
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw ApiError(507, std::string("Storage write failed: ") + sqlite3_errmsg(db_));
  }
  grouping_ = true;
}

void SqliteStore::endGroup(bool commit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!grouping_) return;
  grouping_ = false;
  if (commit && sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK) return;
  const std::string why = sqlite3_errmsg(db_);
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  if (commit) throw ApiError(507, "Storage write failed: " + why);
}

void SqliteStore::commit(const Batch& batch, const Reads& expected) {
  if (batch.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  // Inside a group a commit is a savepoint: all of it or none, durable with the group.
  const char* begin = grouping_ ? "SAVEPOINT batch" : "BEGIN IMMEDIATE";
  const char* end = grouping_ ? "RELEASE batch" : "COMMIT";
  const char* undo = grouping_ ? "ROLLBACK TO batch; RELEASE batch" : "ROLLBACK";
  auto fail = [&](const std::string& why) {
    sqlite3_exec(db_, undo, nullptr, nullptr, nullptr);
    throw ApiError(507, "Storage write failed: " + why);
  };
  if (sqlite3_exec(db_, begin, nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw ApiError(507, std::string("Storage write failed: ") + sqlite3_errmsg(db_));
  }
  // BEGIN IMMEDIATE holds the database's write lock: no other connection commits until we do, so
  // what is checked here still holds at COMMIT.
  try {
  // Inside a group every read of the request was made in the group's own transaction, which has
  // held the write lock since before the first of them (beginGroup): nothing else can have
  // changed what it read, so its expectations hold without being checked again.
  for (const Read& r : grouping_ ? Reads{} : expected) {
    Stmt s{prepare("SELECT value FROM " + std::string(tableName(r.table)) + " WHERE pk = ?1 AND sk = ?2")};
    bindText(s, 1, r.pk);
    bindText(s, 2, r.sk);
    const int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(sqlite3_errmsg(db_));
    const bool holds = rc == SQLITE_ROW ? r.seen && column(s, 0) == r.seen->dump() : !r.seen;
    if (!holds) {
      sqlite3_exec(db_, undo, nullptr, nullptr, nullptr);
      throw CommitConflict(std::string(tableName(r.table)) + " " + r.pk + " " + r.sk + " changed since it was read");
    }
  }
  for (const Put& p : batch) {
    const std::string table = tableName(p.table);
    Stmt s{prepare(p.value ? "INSERT OR REPLACE INTO " + table + " (pk, sk, value) VALUES (?1, ?2, ?3)"
                           : "DELETE FROM " + table + " WHERE pk = ?1 AND sk = ?2")};
    bindText(s, 1, p.pk);
    bindText(s, 2, p.sk);
    if (p.value) bindText(s, 3, p.value->dump());
    if (sqlite3_step(s) != SQLITE_DONE) fail(sqlite3_errmsg(db_));
  }
  } catch (const ApiError&) {
    sqlite3_exec(db_, undo, nullptr, nullptr, nullptr);  // a statement SQLite refused to prepare
    throw;
  }
  if (sqlite3_exec(db_, end, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sqlite3_errmsg(db_));
}

}  // namespace edgecart
