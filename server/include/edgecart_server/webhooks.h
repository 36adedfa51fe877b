#pragma once
// Webhooks (docs/webhooks.md): a shop's admin subscribes URLs to its events (the seed's five
// notifications and the order status changes); the server POSTs each event to each subscription
// that wants it, signed, at least once and in the order the events were made.
//
// Where it lives: every row is in the store the core commits to (Sequence table), so deliveries
// survive restarts and are shared by every server process on the same database.
//   WEBHOOK#<tenant>  <id>       a subscription {id, url, events, description, secret, enabled, ...}
//   WEBHOOK#<tenant>  active     {subs: [{id, events}]}: read by each commit that has events
//   WHQ#<tenant>#<id> counter    {value}: the last delivery queued
//   WHQ#<tenant>#<id> <n>        a delivery (n zero-padded) {eventId, type, body, state, attempts}
//   WHQ#<tenant>#<id> head       {seq, nextAtMs, claimBy, claimUntilMs}: the next to deliver
//   WEBHOOK-DUE       <tenant>\x1f<id>  {nextAtMs}: subscriptions with deliveries waiting
// Queued in the commit hook of the write that made the events (the same commit). Delivered by a
// worker thread on an event loop of its own (Boost.Beast client): one delivery per subscription at
// a time (order), many subscriptions at once (a receiver that hangs stalls only itself). A process
// claims a subscription's head with a conditional commit (claimBy, claimUntilMs): two processes
// reading the same head cannot both commit the claim, so no delivery is sent twice at once (what
// FOR UPDATE SKIP LOCKED gives, on every store the engine runs on).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edgecart/api/router.h"
#include "edgecart/engine/engine.h"

namespace edgecart {

struct WebhookOptions {
  // Deliver to loopback and private addresses too (tests, a receiver on the same host).
  bool allowPrivate = false;
  double firstRetrySeconds = 30;   // then doubled at each failed attempt...
  double maxRetrySeconds = 3600;   // ...up to this
  double giveUpSeconds = 24 * 3600;  // a delivery failing this long is failed; a subscription, disabled
  int timeoutSeconds = 10;         // for one attempt, from connecting to the answer's head
  std::string caFile;              // more trust anchors for https receivers (PEM), "" = the system's
  size_t maxInFlight = 64;         // attempts under way at once, over every subscription
  size_t maxSubscriptions = 16;    // per tenant
  int keepDeliveries = 1000;       // delivered or failed deliveries kept per subscription
};

// The events a subscription may ask for ("*" asks for all): the seed's five notifications and the
// order status changes.
const std::vector<std::string>& webhookEventTypes();

// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the secret>".
std::string webhookSignature(const std::string& secret, int64_t unixSeconds, const std::string& body);
// False for loopback, private, link-local, shared, documentation, multicast and reserved
// addresses (IPv4, IPv6 and IPv4 inside IPv6): where a webhook must not reach unless allowed.
bool isPublicAddress(const std::string& ip);

class Webhooks {
 public:
  // `coreMu` is held around every use of `engine` (the core is single-threaded).
  Webhooks(Engine& engine, std::mutex& coreMu, WebhookOptions options);
  ~Webhooks();

  // The commit hook: queues each event of `tx` for each subscription that wants it.
  void queueEvents(Transaction& tx);
  // The admin routes under /webhooks, run on `engine` (the caller's, under its lock); nullopt for
  // any other path.
  std::optional<Response> handle(Engine& engine, const Context& ctx, const std::string& method, const std::string& target,
                                 const std::string& body);
  // Starts the worker (after the store is open); stop() ends it, abandoning attempts under way and
  // giving back their claims (call it while the engine is free), so they are sent again at once.
  void start();
  void stop();
  // Look now instead of at the next tick.
  void kick();
  // Called after a core's commits are made (or undone): looks at once if one of them queued a
  // delivery, so the delivery goes out now rather than at the next tick.
  void committed();

  struct Stats {
    uint64_t delivered = 0, failedAttempts = 0, failed = 0, disabled = 0;
    int64_t queued = -1;  // deliveries waiting at the last look (-1: not looked yet)
    size_t inFlight = 0;
  };
  Stats stats() const;

 private:
  const WebhookOptions options_;
  struct Impl;  // the delivery worker (webhooks.cpp)
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgecart
