// The cores' threads (design §8): requests enter a core one at a time, off the event loop, and
// those that arrived together share one durable commit where the store allows (group commit);
// and the sweep that expires pending orders.

#include <chrono>
#include <vector>

#include "edgecart/api/router.h"
#include "edgecart/domain/expiry.h"
#include "edgecart/engine/error.h"
#include "edgecart_server/server_store.h"
#include "http_server_internal.h"

namespace edgecart {

// Expired pending orders are cancelled on the first core, under its lock, between requests; the
// devices and the webhooks hear of it as of any write. Several processes may sweep the same
// database: each cancel is a transaction of its own that reads the order again (expiry.h).
void HttpServer::expiryLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(expiryMu_);
      if (expiryWake_.wait_for(lock, std::chrono::milliseconds(options_.expirySweepMs), [&] { return expiryStop_; })) return;
    }
    Core& core = *cores_[0];
    size_t n = 0;
    std::vector<SyncServer::FeedMove> moves;
    {
      std::lock_guard<std::mutex> lock(core.mu);
      try {
        n = expirySweeper_.sweep(core.shop->engine());
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> logLock(logMu_);
        log_ << json{{"event", "expiry_failed"}, {"error", e.what()}}.dump() << std::endl;
      }
      moves = core.sync->takeFeedMoves();
    }
    if (n == 0 && moves.empty()) continue;
    expired_ += n;
    webhooks_->committed();
    if (!moves.empty()) {
      publish(moves);
      const std::string payload = announcement(moves);
      std::lock_guard<std::mutex> lock(core.mu);
      core.store->announce(payload);
    }
  }
}

// Takes every request waiting (up to kMaxBatch) and answers them. On SQLite they run as one
// group: each request's commit a savepoint (a refusal undoes only itself), one COMMIT and one
// fsync for all, every answer sent only once the group is durable. If the group cannot be made
// durable (or a request met a storage failure), nothing of it was applied, and every request of
// it is answered 503, to be sent again.
void HttpServer::coreLoop(Core& core) {
  // A store that groups takes what waits (up to 32) as one group; else one request at a time, so
  // that the other cores take the rest.
  const size_t kMaxBatch = options_.groupCommit && core.store->groupsPushes() ? 32 : 1;
  for (;;) {
    std::vector<CoreQueue::Job> batch;
    {
      std::unique_lock<std::mutex> lock(core_->mu);
      core_->ready.wait(lock, [&] { return (core_->closing && core_->jobs.empty()) || core_->takeable() != core_->jobs.end(); });
      if (core_->jobs.empty()) return;
      if (kMaxBatch == 1) {
        const auto job = core_->takeable();
        if (!job->tenant.empty()) core_->busy.insert(job->tenant);
        batch.push_back(std::move(*job));
        core_->jobs.erase(job);
      }
      while (!core_->jobs.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(core_->jobs.front()));
        core_->jobs.pop_front();
      }
    }
    std::vector<HttpReply> replies(batch.size());
    const bool group = options_.groupCommit && batch.size() > 1 && core.store->groupsPushes();
    bool groupFailed = false;
    {
      std::lock_guard<std::mutex> lock(core.mu);
      bool failed = false;
      try {
        if (group) core.store->beginGroup();
        for (size_t i = 0; i < batch.size(); ++i) {
          try {
            replies[i] = answerFromCore(core, batch[i].req, group);
          } catch (const ApiError& e) {
            replies[i] = jsonReply(e.status(), errorBody(e.status(), e.what(), e.code()));
          } catch (const std::exception&) {
            replies[i] = jsonReply(500, errorBody(500, "Internal error"));
          }
          if (group && replies[i].status >= 500) failed = true;
        }
        if (group) core.store->endGroup(!failed);
      } catch (const std::exception&) {
        if (group) core.store->endGroup(false);
        failed = true;
      }
      if (group) ++groups_, grouped_ += batch.size();
      groupFailed = failed;
      if (failed && group) {
        for (HttpReply& r : replies) {
          const std::string tenant = r.tenant;
          r = jsonReply(503, errorBody(503, "Storage failed; nothing of this request was applied: send it again",
                                       errc::kUnavailable));
          r.tenant = tenant;
        }
      }
    }
    // Durable (or, for a failed group, undone): the webhooks' worker looks at what was queued,
    // and the devices whose feed moved are told.
    webhooks_->committed();
    std::vector<SyncServer::FeedMove> moves;
    {
      std::lock_guard<std::mutex> lock(core.mu);
      moves = core.sync->takeFeedMoves();
    }
    if (!(group && groupFailed) && !moves.empty()) {
      publish(moves);
      // Other processes on the same database tell their own listeners.
      const std::string payload = announcement(moves);
      std::lock_guard<std::mutex> lock(core.mu);
      core.store->announce(payload);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      decorate(batch[i].req, replies[i]);
      batch[i].done(std::move(replies[i]));
    }
    if (kMaxBatch == 1 && !batch[0].tenant.empty()) {  // its tenant's next request may go now
      {
        std::lock_guard<std::mutex> lock(core_->mu);
        core_->busy.erase(batch[0].tenant);
      }
      core_->ready.notify_all();
    }
  }
}

}  // namespace edgecart
