#pragma once
// What the server needs of its store beyond the core's Store: it is shared by every server
// process on the same database, so its commits check the expectations of docs/scale-out.md, and
// it can group several commits into one durable transaction.

#include <functional>
#include <memory>
#include <string>

#include "edgecart/engine/store.h"

namespace edgecart {

class ServerStore : public Store {
 public:
  using Store::commit;
  bool checksExpectations() const override { return true; }
  void commit(const Batch& batch) override { commit(batch, Reads{}); }
  // Group commit: until endGroup, each commit is a savepoint inside one outer transaction, made
  // durable by endGroup(true) or undone whole by endGroup(false).
  virtual void beginGroup() = 0;
  // Throws ApiError(507) if the group cannot be committed (it is then rolled back).
  virtual void endGroup(bool commit) = 0;
  // True if a whole sync push may run as one group. SQLite: yes (one writer at a time anyway, and
  // one fsync for the push). PostgreSQL: no, each command commits on its own, so no process holds
  // row locks for a whole push (the sync records make a push sent again exactly-once anyway).
  virtual bool groupsPushes() const = 0;
  // Where the data is, for the log ("SQLite data/edgecart.db"; a URL without its password).
  virtual std::string describe() const = 0;
  // Live updates across processes sharing the database: announce() tells every process's
  // listener (see listen) that this one's commits moved a feed; best effort (a lost one leaves
  // devices to their timer). One process alone (SQLite) has no one to tell: nothing to do.
  virtual void announce(const std::string& payload) { (void)payload; }
  // Calls `heard` (on a thread of its own) with each payload any process announces, until the
  // returned handle is destroyed; null if the store has no such channel.
  class Listening {
   public:
    virtual ~Listening() = default;
  };
  virtual std::unique_ptr<Listening> listen(std::function<void(const std::string&)> heard) {
    (void)heard;
    return nullptr;
  }
};

}  // namespace edgecart
