#pragma once
// The server's store on PostgreSQL (libpq): the four tables of docs/design.md §2 in one database
// that any number of edgecart-server processes share. A commit is one SQL transaction, sent in one
// round trip (a libpq pipeline): it locks and checks each row the request read (edgecart_expect:
// SELECT ... FOR UPDATE), inserts the rows that must be new (a duplicate key is a conflict), then
// writes the rest; see docs/scale-out.md for the SQL and the isolation levels.

#include <libpq-fe.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "edgecart_server/server_store.h"

namespace edgecart {

class PgStore : public ServerStore {
 public:
  // Connects to `url` (a libpq URL or "key=value" string) and creates or migrates the schema.
  // Throws ApiError(500) if its schema is newer than this build's. A database that cannot be
  // reached is not an error here: every call answers 503 until it can, and the first connection
  // that succeeds creates the schema.
  static std::unique_ptr<PgStore> open(const std::string& url);
  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  // Reads outside a group run on their own (autocommit). A lost connection is made again on the
  // next call; a call that finds the database unreachable throws ApiError(503).
  Value get(Table t, const std::string& pk, const std::string& sk) const override;
  std::vector<Value> getMany(Table t, const std::string& pk, const std::vector<std::string>& sks) const override;
  void scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
            const RowVisitor& visit) const override;
  void scanBackward(Table t, const std::string& pk, const std::string& prefix, const std::string& before,
                    const RowVisitor& visit) const override;
  using ServerStore::commit;
  // Throws CommitConflict (nothing written) if a row read has changed, a row that must be new
  // exists, or PostgreSQL reports a serialization failure or deadlock; ApiError(507) if it refuses
  // the batch; ApiError(503) if the connection is lost, and then the outcome of a COMMIT that was
  // sent is unknown: the request must not be run again blindly (its client retries with its key).
  void commit(const Batch& batch, const Reads& expected) override;
  void beginGroup() override;
  void endGroup(bool commit) override;
  bool groupsPushes() const override { return false; }
  std::string describe() const override;
  // NOTIFY edgecart_feed on this connection; LISTEN on a connection of its own, made again after
  // a loss (what was announced meanwhile is not heard: devices have their timer).
  void announce(const std::string& payload) override;
  std::unique_ptr<Listening> listen(std::function<void(const std::string&)> heard) override;

  // The schema version this build writes (table edgecart_schema).
  static constexpr int kSchemaVersion = 1;

 private:
  explicit PgStore(std::string url) : url_(std::move(url)) {}
  // The connection, made again if it was lost; throws ApiError(503) if it cannot be.
  PGconn* connection() const;
  // Runs a statement (prepared once per connection under `name`); the result, never null.
  using Result = std::unique_ptr<PGresult, void (*)(PGresult*)>;
  Result run(const char* name, const std::string& sql, std::initializer_list<const std::string*> params) const;
  void scanPages(Table t, const std::string& pk, const std::string& prefix, const std::string& bound,
                 bool descending, const RowVisitor& visit) const;
  void migrate() const;
  // The statements of a commit, prepared once per connection.
  void prepareCommitStatements(PGconn* c) const;

  std::string url_;
  mutable PGconn* conn_ = nullptr;
  mutable std::set<std::string> prepared_;  // statement names prepared on conn_
  mutable std::mutex mu_;                   // one connection: statements never run concurrently
  bool grouping_ = false;
  mutable bool migrated_ = false;  // the schema is known to be there
};

}  // namespace edgecart
