#include "edgecart_server/pg_store.h"

#include <map>

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <tuple>
#include <vector>

#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

std::string quoted(Table t) { return std::string("\"") + tableName(t) + "\""; }

std::string sqlState(const PGresult* r) {
  const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return s ? s : "";
}

// 40001 serialization_failure, 40P01 deadlock_detected: PostgreSQL rolled the transaction back
// and says to try again; 23505 unique_violation: a row that had to be new exists.
bool isConflictState(const std::string& state) {
  return state == "40001" || state == "40P01" || state == "23505";
}

std::string firstLine(const char* message) {
  std::string s = message ? message : "";
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// The least string greater than every string that starts with `prefix` (an upper bound for a
// range scan): the prefix with its last ASCII byte incremented. A prefix that ends in non-ASCII
// gets a wider bound (the scan checks the prefix of each row anyway); "" means none.
std::string prefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    const unsigned char last = static_cast<unsigned char>(prefix.back());
    if (last < 0x7F) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return "";
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// Names of the prepared write statements, by table.
const char* const kDelete[kTableCount] = {"delete.command", "delete.data", "delete.history", "delete.sequence"};
const char* const kInsert[kTableCount] = {"insert.command", "insert.data", "insert.history", "insert.sequence"};
const char* const kUpsert[kTableCount] = {"upsert.command", "upsert.data", "upsert.history", "upsert.sequence"};

// The check of one expectation, on the server: locks the row and raises EC001 unless it holds
// what the transaction saw (NULL: that it does not exist).
constexpr char kExpectFunction[] = R"(
CREATE OR REPLACE FUNCTION edgecart_expect(t text, p text, s text, seen text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE cur text;
BEGIN
  IF t = 'command' THEN SELECT value INTO cur FROM "command" WHERE pk = p AND sk = s FOR UPDATE;
  ELSIF t = 'data' THEN SELECT value INTO cur FROM "data" WHERE pk = p AND sk = s FOR UPDATE;
  ELSIF t = 'history' THEN SELECT value INTO cur FROM "history" WHERE pk = p AND sk = s FOR UPDATE;
  ELSE SELECT value INTO cur FROM "sequence" WHERE pk = p AND sk = s FOR UPDATE;
  END IF;
  IF cur IS DISTINCT FROM seen THEN
    RAISE EXCEPTION 'edgecart: % % % changed since it was read', t, p, s USING ERRCODE = 'EC001';
  END IF;
END
$fn$)";

}  // namespace

std::unique_ptr<PgStore> PgStore::open(const std::string& url) {
  std::unique_ptr<PgStore> store(new PgStore(url));
  std::lock_guard<std::mutex> lock(store->mu_);
  try {
    store->migrate();
  } catch (const ApiError& e) {
    // The database is not there yet: serve anyway (each call answers 503 until it is), and
    // create the schema on the first connection that succeeds.
    if (e.status() != 503) throw;
  }
  return store;
}

PgStore::~PgStore() {
  if (conn_) PQfinish(conn_);
}

std::string PgStore::describe() const {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url_.c_str(), &err);
  if (!opts) {
    PQfreemem(err);
    return "PostgreSQL";
  }
  std::string out = "PostgreSQL";
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val || !*o->val) continue;
    for (const char* k : {"host", "port", "dbname", "user"}) {
      if (std::strcmp(o->keyword, k) == 0) out += std::string(" ") + k + "=" + o->val;
    }
  }
  PQconninfoFree(opts);
  return out;
}

PGconn* PgStore::connection() const {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return conn_;
  if (conn_) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
  prepared_.clear();
  // The URL's own settings win over these defaults (libpq applies an expanded dbname last).
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "edgecart-server", url_.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (c) PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);  // "already exists, skipping"
  if (!c || PQstatus(c) != CONNECTION_OK) {
    const std::string why = c ? firstLine(PQerrorMessage(c)) : "out of memory";
    if (c) PQfinish(c);
    throw ApiError(503, "Database unavailable: " + why, errc::kUnavailable);
  }
  conn_ = c;
  if (!migrated_) migrate();  // a server started while the database was down
  return conn_;
}

PgStore::Result PgStore::run(const char* name, const std::string& sql,
                             std::initializer_list<const std::string*> params) const {
  PGconn* c = connection();
  const int n = static_cast<int>(params.size());
  if (!prepared_.count(name)) {
    Result p(PQprepare(c, name, sql.c_str(), n, nullptr), PQclear);
    if (PQresultStatus(p.get()) != PGRES_COMMAND_OK) return p;
    prepared_.insert(name);
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  for (const std::string* p : params) {
    values.push_back(p->data());
    lengths.push_back(static_cast<int>(p->size()));
  }
  std::vector<int> formats(params.size(), 0);
  Result r(PQexecPrepared(c, name, n, values.data(), lengths.data(), formats.data(), 0), PQclear);
  if (!r) r.reset(PQmakeEmptyPGresult(c, PGRES_FATAL_ERROR));
  return r;
}

void PgStore::migrate() const {
  PGconn* c = connection();
  auto exec = [&](const std::string& sql) {
    Result r(PQexec(c, sql.c_str()), PQclear);
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK && PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
      const std::string why = firstLine(PQresultErrorMessage(r.get()));
      PQclear(PQexec(c, "ROLLBACK"));
      throw ApiError(PQstatus(c) == CONNECTION_OK ? 500 : 503, "Storage error: cannot create the schema: " + why);
    }
    return r;
  };
  // One process creates or migrates the schema at a time (several may start together).
  exec("BEGIN");
  exec("SELECT pg_advisory_xact_lock(7310431)");
  exec("CREATE TABLE IF NOT EXISTS edgecart_schema (version integer NOT NULL)");
  for (int t = 0; t < kTableCount; ++t) {
    // COLLATE "C": keys sort bytewise, as in every other store (scans and cursors rely on it).
    exec("CREATE TABLE IF NOT EXISTS " + quoted(static_cast<Table>(t)) +
         " (pk text COLLATE \"C\" NOT NULL, sk text COLLATE \"C\" NOT NULL, value text NOT NULL,"
         " PRIMARY KEY (pk, sk))");
  }
  exec(kExpectFunction);
  Result v = exec("SELECT max(version) FROM edgecart_schema");
  const bool none = PQgetisnull(v.get(), 0, 0);
  const int version = none ? 0 : std::atoi(PQgetvalue(v.get(), 0, 0));
  if (version > kSchemaVersion) {
    PQclear(PQexec(c, "ROLLBACK"));
    throw ApiError(500, "Storage error: the database's schema is version " + std::to_string(version) +
                            ", newer than this edgecart-server's " + std::to_string(kSchemaVersion));
  }
  if (none) exec("INSERT INTO edgecart_schema (version) VALUES (" + std::to_string(kSchemaVersion) + ")");
  exec("COMMIT");
  migrated_ = true;
}

Value PgStore::get(Table t, const std::string& pk, const std::string& sk) const {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string name = std::string("get.") + tableName(t);
  for (int tries = 1;; ++tries) {
    Result r = run(name.c_str(), "SELECT value FROM " + quoted(t) + " WHERE pk = $1 AND sk = $2", {&pk, &sk});
    if (PQresultStatus(r.get()) == PGRES_TUPLES_OK) {
      if (PQntuples(r.get()) == 0) return nullptr;
      return std::make_shared<const json>(json::parse(PQgetvalue(r.get(), 0, 0)));
    }
    // A read on its own can meet a serialization failure under SERIALIZABLE: read again.
    if (sqlState(r.get()) != "40001" || tries >= 3 || grouping_) {
      throw ApiError(503, "Storage read failed: " + firstLine(PQresultErrorMessage(r.get())), errc::kUnavailable);
    }
  }
}

// One query for the lot: the keys go in as one text[] literal.
std::vector<Value> PgStore::getMany(Table t, const std::string& pk, const std::vector<std::string>& sks) const {
  std::vector<Value> out(sks.size());
  if (sks.empty()) return out;
  std::map<std::string, std::vector<size_t>> where;  // a key asked twice gets the row twice
  for (size_t i = 0; i < sks.size(); ++i) where[sks[i]].push_back(i);
  std::string keys = "{";
  for (size_t i = 0; i < sks.size(); ++i) {
    keys += i ? ",\"" : "\"";
    for (char c : sks[i]) {
      if (c == '"' || c == '\\') keys += '\\';
      keys += c;
    }
    keys += '"';
  }
  keys += '}';
  std::lock_guard<std::mutex> lock(mu_);
  const std::string name = std::string("getmany.") + tableName(t);
  for (int tries = 1;; ++tries) {
    Result r = run(name.c_str(), "SELECT sk, value FROM " + quoted(t) + " WHERE pk = $1 AND sk = ANY($2::text[])", {&pk, &keys});
    if (PQresultStatus(r.get()) == PGRES_TUPLES_OK) {
      for (int row = 0; row < PQntuples(r.get()); ++row) {
        auto it = where.find(PQgetvalue(r.get(), row, 0));
        if (it == where.end()) continue;
        const Value v = std::make_shared<const json>(json::parse(PQgetvalue(r.get(), row, 1)));
        for (size_t i : it->second) out[i] = v;
      }
      return out;
    }
    if (sqlState(r.get()) != "40001" || tries >= 3 || grouping_) {
      throw ApiError(503, "Storage read failed: " + firstLine(PQresultErrorMessage(r.get())), errc::kUnavailable);
    }
  }
}

void PgStore::scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
                   const RowVisitor& visit) const {
  scanPages(t, pk, prefix, after, false, visit);
}

void PgStore::scanBackward(Table t, const std::string& pk, const std::string& prefix, const std::string& before,
                           const RowVisitor& visit) const {
  scanPages(t, pk, prefix, before, true, visit);
}

void PgStore::scanPages(Table t, const std::string& pk, const std::string& prefix, const std::string& bound,
                        bool descending, const RowVisitor& visit) const {
  // As SqliteStore::scanPages: pages growing from 8 rows, each read under the lock and visited
  // without it. Each page is a statement of its own (its own snapshot); the next page starts
  // after the last row seen, so rows are never visited twice.
  const std::string endBound = prefixEnd(prefix);
  const std::string end = endBound.empty() ? "\xF4\x8F\xBF\xBF" : endBound;  // U+10FFFF: above any key
  std::string from = descending && (bound.empty() || bound > end) ? end : bound;  // exclusive
  const std::string name = std::string(descending ? "scandesc." : "scan.") + tableName(t);
  const std::string sql = "SELECT sk, value FROM " + quoted(t) + " WHERE pk = $1 AND sk >= $2 AND sk < $3 AND " +
                          (descending ? "sk < $4 ORDER BY sk DESC" : "sk > $4 ORDER BY sk") + " LIMIT $5";
  for (int page = 8;; page = std::min(page * 4, 1024)) {
    std::vector<std::pair<std::string, Value>> rows;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const std::string limit = std::to_string(page);
      Result r = run(name.c_str(), sql, {&pk, &prefix, &end, &from, &limit});
      if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
        throw ApiError(503, "Storage read failed: " + firstLine(PQresultErrorMessage(r.get())), errc::kUnavailable);
      }
      for (int i = 0; i < PQntuples(r.get()); ++i) {
        rows.emplace_back(std::string(PQgetvalue(r.get(), i, 0), static_cast<size_t>(PQgetlength(r.get(), i, 0))),
                          std::make_shared<const json>(json::parse(PQgetvalue(r.get(), i, 1))));
      }
    }
    for (const auto& [sk, value] : rows) {
      if (!startsWith(sk, prefix)) continue;  // only with a widened bound (see prefixEnd)
      if (!visit(sk, value)) return;
    }
    if (rows.size() < static_cast<size_t>(page)) return;
    from = rows.back().first;
  }
}

void PgStore::beginGroup() {
  std::lock_guard<std::mutex> lock(mu_);
  if (grouping_) return;
  PGconn* c = connection();
  Result r(PQexec(c, "BEGIN"), PQclear);
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    throw ApiError(503, "Storage write failed: " + firstLine(PQresultErrorMessage(r.get())), errc::kUnavailable);
  }
  grouping_ = true;
}

void PgStore::endGroup(bool commit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!grouping_) return;
  grouping_ = false;
  PGconn* c = connection();
  if (commit && PQtransactionStatus(c) != PQTRANS_INTRANS) {
    // The connection was lost (and made again) inside the group: its transaction is gone.
    PQclear(PQexec(c, "ROLLBACK"));
    throw ApiError(503, "Database connection lost during a group of commits; nothing of it was kept", errc::kUnavailable);
  }
  Result r(PQexec(c, commit ? "COMMIT" : "ROLLBACK"), PQclear);
  if (!commit) return;
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    const std::string why = firstLine(PQresultErrorMessage(r.get()));
    if (PQstatus(c) != CONNECTION_OK) {
      throw ApiError(503, "Database connection lost during COMMIT; the outcome is unknown: " + why, errc::kUnavailable);
    }
    throw ApiError(507, "Storage write failed: " + why);
  }
}

void PgStore::commit(const Batch& batch, const Reads& expected) {
  if (batch.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  PGconn* c = connection();
  const bool nested = grouping_;  // inside a group a commit is a savepoint of the group's transaction
  using Key = std::tuple<Table, const std::string&, const std::string&>;
  std::set<Key> written;
  for (const Put& p : batch) {
    if (p.value) written.emplace(p.table, p.pk, p.sk);
  }
  // Rows are locked in one order (table, pk, sk) by every process: no deadlock between two
  // commits over the same rows.
  std::vector<const Read*> order;
  for (const Read& r : expected) order.push_back(&r);
  std::sort(order.begin(), order.end(), [](const Read* a, const Read* b) {
    return std::tie(a->table, a->pk, a->sk) < std::tie(b->table, b->pk, b->sk);
  });

  // The statements, in order. One round trip: they go as a pipeline that ends in one Sync, and run
  // as one implicit transaction (a savepoint in a group); the first error skips the rest, and the
  // transaction commits at the Sync only if none failed.
  struct Statement {
    const char* name;
    std::vector<std::string> params;
    std::vector<bool> null;
  };
  std::vector<Statement> statements;
  std::set<Key> fresh;  // rows that must be inserted (they did not exist when read)
  for (const Read* r : order) {
    const Key key(r->table, r->pk, r->sk);
    if (!r->seen && written.count(key)) {
      fresh.insert(key);  // its INSERT fails with a duplicate key if another writer made it
      continue;
    }
    // edgecart_expect locks the row (FOR UPDATE) and raises EC001 unless it holds what was seen.
    statements.push_back({"expect", {tableName(r->table), r->pk, r->sk, r->seen ? r->seen->dump() : ""}, {false, false, false, !r->seen}});
  }
  for (const Put& p : batch) {
    if (!p.value) {
      statements.push_back({kDelete[static_cast<int>(p.table)], {p.pk, p.sk}, {false, false}});
    } else if (fresh.count(Key(p.table, p.pk, p.sk))) {
      statements.push_back({kInsert[static_cast<int>(p.table)], {p.pk, p.sk, p.value->dump()}, {false, false, false}});
    } else {
      statements.push_back({kUpsert[static_cast<int>(p.table)], {p.pk, p.sk, p.value->dump()}, {false, false, false}});
    }
  }
  prepareCommitStatements(c);
  // The connection is dropped (and made again by the next call) on any failure of the pipeline.
  auto lost = [&](const std::string& why) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw ApiError(503, "Database connection lost during a commit; its outcome is unknown: " + why, errc::kUnavailable);
  };
  if (PQenterPipelineMode(c) != 1) lost(firstLine(PQerrorMessage(c)));
  auto send = [&](const char* name, const std::vector<std::string>& params, const std::vector<bool>& null) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    for (size_t i = 0; i < params.size(); ++i) {
      values.push_back(null[i] ? nullptr : params[i].data());
      lengths.push_back(static_cast<int>(params[i].size()));
    }
    return PQsendQueryPrepared(c, name, static_cast<int>(params.size()), values.data(), lengths.data(), nullptr, 0);
  };
  bool sent = !nested || PQsendQueryParams(c, "SAVEPOINT batch", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  for (size_t i = 0; i < statements.size() && sent; ++i) {
    sent = send(statements[i].name, statements[i].params, statements[i].null) == 1;
  }
  if (nested) sent = sent && PQsendQueryParams(c, "RELEASE SAVEPOINT batch", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  sent = sent && PQpipelineSync(c) == 1;
  if (!sent) lost(firstLine(PQerrorMessage(c)));
  // Every result up to the Sync; the first error is the answer. (A long pipeline cannot block both
  // ends: while libpq waits to send, it reads what the server answered; AVeryLargeBatchCommitsWhole.)
  std::string state, why;
  for (;;) {
    PGresult* r = PQgetResult(c);
    if (!r) {
      if (PQstatus(c) != CONNECTION_OK) lost(firstLine(PQerrorMessage(c)));
      continue;  // the end of one statement's results
    }
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_FATAL_ERROR && state.empty()) {
      state = sqlState(r);
      why = firstLine(PQresultErrorMessage(r));
      if (state.empty()) state = "?";
    }
    PQclear(r);
    if (st == PGRES_PIPELINE_SYNC) break;
    if (PQstatus(c) != CONNECTION_OK) lost(firstLine(PQerrorMessage(c)));
  }
  if (PQexitPipelineMode(c) != 1) lost(firstLine(PQerrorMessage(c)));
  if (state.empty()) return;
  if (nested && PQtransactionStatus(c) == PQTRANS_INERROR) {
    PQclear(PQexec(c, "ROLLBACK TO SAVEPOINT batch; RELEASE SAVEPOINT batch"));
  }
  if (state == "EC001" || isConflictState(state)) throw CommitConflict("PostgreSQL " + state + ": " + why);
  throw ApiError(507, "Storage write failed: " + why);
}

void PgStore::prepareCommitStatements(PGconn* c) const {
  if (prepared_.count("expect")) return;
  auto prepare = [&](const char* name, const std::string& sql, int params) {
    if (prepared_.count(name)) return;  // prepared by an earlier call that failed part-way
    Result r(PQprepare(c, name, sql.c_str(), params, nullptr), PQclear);
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      throw ApiError(PQstatus(c) == CONNECTION_OK ? 500 : 503, "Storage error: " + firstLine(PQresultErrorMessage(r.get())));
    }
    prepared_.insert(name);
  };
  for (int t = 0; t < kTableCount; ++t) {
    const std::string table = quoted(static_cast<Table>(t));
    prepare(kDelete[t], "DELETE FROM " + table + " WHERE pk = $1 AND sk = $2", 2);
    prepare(kInsert[t], "INSERT INTO " + table + " (pk, sk, value) VALUES ($1, $2, $3)", 3);
    prepare(kUpsert[t], "INSERT INTO " + table + " (pk, sk, value) VALUES ($1, $2, $3) ON CONFLICT (pk, sk) DO UPDATE SET value = EXCLUDED.value", 3);
  }
  prepare("expect", "SELECT edgecart_expect($1, $2, $3, $4)", 4);
}

void PgStore::announce(const std::string& payload) {
  std::lock_guard<std::mutex> lock(mu_);
  if (grouping_) return;  // inside a transaction: never (the caller announces after its commits)
  try {
    const std::string channel = "edgecart_feed";
    run("announce", "SELECT pg_notify($1, $2)", {&channel, &payload});
  } catch (const ApiError&) {
    // the database is unreachable: the devices' timers cover it
  }
}

namespace {

// LISTEN edgecart_feed on a connection of its own, on a thread of its own.
class PgListening : public ServerStore::Listening {
 public:
  PgListening(std::string url, std::function<void(const std::string&)> heard)
      : url_(std::move(url)), heard_(std::move(heard)), thread_([this] { loop(); }) {}
  ~PgListening() override {
    stop_ = true;
    thread_.join();
  }

 private:
  void loop() {
    while (!stop_) {
      const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
      const char* values[] = {"5", "edgecart-server listener", url_.c_str(), nullptr};
      PGconn* c = PQconnectdbParams(keys, values, 1);
      if (c && PQstatus(c) == CONNECTION_OK) {
        PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
        PGresult* r = PQexec(c, "LISTEN edgecart_feed");
        const bool listening = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        while (listening && !stop_) {
          pollfd p{PQsocket(c), POLLIN, 0};
          ::poll(&p, 1, 200);  // wakes to see stop_
          if (!PQconsumeInput(c)) break;  // lost: connect again
          while (PGnotify* n = PQnotifies(c)) {
            heard_(n->extra);
            PQfreemem(n);
          }
        }
      }
      if (c) PQfinish(c);
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  std::string url_;
  std::function<void(const std::string&)> heard_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<ServerStore::Listening> PgStore::listen(std::function<void(const std::string&)> heard) {
  return std::make_unique<PgListening>(url_, std::move(heard));
}

}  // namespace edgecart
