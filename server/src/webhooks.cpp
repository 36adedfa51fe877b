#include "edgecart_server/webhooks.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "edgecart/api/access.h"
#include "edgecart/api/validate.h"
#include "edgecart/engine/error.h"
#include "webhook_client.h"
#include "webhook_rows.h"

namespace edgecart {

namespace net = boost::asio;

namespace webhook {

// This core's thread queued a delivery since its last commits were made (each core has a thread
// of its own, and commits what it queued before it calls committed()).
thread_local bool queuedOnThisThread = false;

std::string seqSk(int64_t n) {
  char sk[24];
  std::snprintf(sk, sizeof sk, "%012lld", static_cast<long long>(n));
  return sk;
}
Value row(json j) { return std::make_shared<const json>(std::move(j)); }

std::string randomHex(size_t bytes) {
  std::vector<unsigned char> b(bytes);
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) throw ApiError(500, "no randomness for a webhook id");
  std::string out;
  static const char* hex = "0123456789abcdef";
  for (unsigned char c : b) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json publicView(const json& sub) {
  json out = sub;
  out.erase("secret");
  out.erase("failingSinceMs");
  out.erase("enabledAtMs");
  return out;
}

json deliveryView(const std::string& sk, const json& d) {
  json out = {{"id", std::to_string(std::stoll(sk))}, {"eventId", d.at("eventId")}, {"type", d.at("type")},
              {"state", d.at("state")}, {"createdAt", d.at("createdAt")}, {"attempts", d.at("attempts")}};
  if (d.contains("redeliveryOf")) out["redeliveryOf"] = d["redeliveryOf"];
  if (d.contains("deliveredAt")) out["deliveredAt"] = d["deliveredAt"];
  return out;
}

// The tenant's list of enabled subscriptions, read by every commit that has events: `sub` set
// puts it in (or replaces it), null takes it out.
void setActive(Transaction& tx, const std::string& tenant, const std::string& id, const json* sub) {
  const Value activeRow = tx.get(Table::Sequence, subsPk(tenant), "active");
  json subs = json::array();
  if (activeRow) {
    for (const json& s : activeRow->at("subs")) {
      if (s.at("id") != id) subs.push_back(s);
    }
  }
  if (sub) subs.push_back({{"id", id}, {"events", sub->at("events")}});
  tx.putRow(Table::Sequence, subsPk(tenant), "active", subs.empty() ? nullptr : row(json{{"subs", std::move(subs)}}));
}

// Appends a delivery of `body` to the subscription's queue and marks the subscription due.
int64_t append(Transaction& tx, const std::string& id, const std::string& eventId, const std::string& type,
                     const std::string& body, const json* redeliveryOf) {
  const std::string& tenant = tx.context().tenantCode;
  const std::string qpk = queuePk(tenant, id);
  const Value counter = tx.get(Table::Sequence, qpk, "counter");
  const int64_t n = (counter ? counter->value("value", int64_t{0}) : 0) + 1;
  json d = {{"eventId", eventId}, {"type", type}, {"body", body}, {"state", "pending"},
            {"createdAt", tx.now()}, {"createdAtMs", tx.nowMs()}, {"attempts", json::array()}};
  if (redeliveryOf) d["redeliveryOf"] = *redeliveryOf;
  tx.putRow(Table::Sequence, qpk, seqSk(n), row(std::move(d)));
  tx.putRow(Table::Sequence, qpk, "counter", row(json{{"value", n}}));
  // Written without reading it, so the worker's own writes to it never make this commit (an
  // order's) run again. A retry's wait is kept on the head, which the claim checks.
  tx.putRow(Table::Sequence, kDuePk, dueSk(tenant, id), row(json{{"nextAtMs", 0}}));
  return n;
}

}  // namespace webhook

using namespace webhook;

const std::vector<std::string>& webhookEventTypes() {
  static const std::vector<std::string> kTypes = {"order_confirmation", "inventory_reservation_failed", "order_cancelled",
                                                  "order_expired", "order_shipped", "order_delivered", "order_status_changed",
                                                  "order_returned"};
  return kTypes;
}

std::string webhookSignature(const std::string& secret, int64_t unixSeconds, const std::string& body) {
  const std::string t = std::to_string(unixSeconds);
  const std::string signedText = t + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(signedText.data()),
       signedText.size(), mac, &len);
  std::string hex;
  static const char* digits = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    hex += digits[mac[i] >> 4];
    hex += digits[mac[i] & 15];
  }
  return "t=" + t + ",v1=" + hex;
}

struct Webhooks::Impl {
  Engine& engine;
  std::mutex& coreMu;
  WebhookOptions options;
  std::string me = "p" + randomHex(8);  // this process's claims
  net::io_context io;
  // After io: destroyed (joined) first, while io can still take what its threads post.
  net::thread_pool lookups{4};
  net::ssl::context tls{net::ssl::context::tls_client};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  net::steady_timer tick{io};
  std::thread thread;
  std::atomic<bool> lookPosted{false};
  std::set<std::string> inFlight;  // due sks under way here (io thread only)
  std::atomic<uint64_t> delivered{0}, failedAttempts{0}, failed{0}, disabled{0};
  std::atomic<int64_t> queued{-1};
  int64_t countedAtMs = 0;  // io thread only
  std::atomic<size_t> inFlightCount{0};

  Impl(Engine& e, std::mutex& mu, WebhookOptions o) : engine(e), coreMu(mu), options(std::move(o)) {
    tls.set_default_verify_paths();
    if (!options.caFile.empty()) tls.load_verify_file(options.caFile);
    tls.set_verify_mode(net::ssl::verify_peer);
  }

  struct Job {
    std::string tenant, id, due;
    int64_t seq = 0;
    WebhookUrl url;
    std::string secret, body, eventId, type;
  };

  // Looks at every subscription with deliveries waiting, claims those due and not under way here,
  // and starts their attempts (io thread).
  void look() {
    lookPosted = false;
    std::vector<Job> jobs;
    {
      std::lock_guard<std::mutex> lock(coreMu);
      const int64_t now = wallMs();
      std::vector<std::pair<std::string, int64_t>> due;
      int64_t waiting = 0;
      // The queue's depth (a metric) costs two reads a subscription: counted every 5 s.
      const bool count = now - countedAtMs >= 5000;
      try {
        engine.store().scan(Table::Sequence, kDuePk, "", "", [&](const std::string& sk, const Value& v) {
          due.emplace_back(sk, v->value("nextAtMs", int64_t{0}));
          return true;
        });
        for (const auto& [sk, nextAt] : due) {
          const size_t sep = sk.find('\x1f');
          if (sep == std::string::npos) continue;
          const std::string tenant = sk.substr(0, sep), id = sk.substr(sep + 1);
          if (count) {
            const Value head = engine.store().get(Table::Sequence, queuePk(tenant, id), "head");
            const Value counter = engine.store().get(Table::Sequence, queuePk(tenant, id), "counter");
            if (counter) waiting += std::max<int64_t>(0, counter->value("value", int64_t{0}) - (head ? head->value("seq", int64_t{1}) : 1) + 1);
          }
          if (nextAt > now || inFlight.count(sk) || inFlight.size() >= options.maxInFlight) continue;
          try {
            std::optional<Job> job = engine.run(contextOf(tenant), [&](Transaction& tx) { return claim(tx, tenant, id, now); });
            if (job) {
              inFlight.insert(sk);
              jobs.push_back(std::move(*job));
            }
          } catch (const ApiError& e) {
            if (e.status() >= 500) throw;  // the store is away: no use trying the others now
            // Else another process kept winning the claim: it is sending this one.
          } catch (const std::exception&) {
            // A row this version cannot read: this subscription waits, the others go on.
          }
        }
        if (count) {
          queued = waiting;
          countedAtMs = now;
        }
      } catch (const std::exception&) {
        // The store is away (PostgreSQL down, a disk error): the next tick looks again.
      }
    }
    inFlightCount = inFlight.size();
    for (Job& job : jobs) send(std::move(job));
  }

  // The subscription's next delivery, claimed for this process; nullopt if there is none to send
  // now (another process holds it, it waits for its retry, the queue is empty, or it is disabled).
  std::optional<Job> claim(Transaction& tx, const std::string& tenant, const std::string& id, int64_t now) {
    const std::string qpk = queuePk(tenant, id);
    const Value headRow = tx.get(Table::Sequence, qpk, "head");
    json head = headRow ? *headRow : json{{"seq", 1}};
    if (head.contains("claimBy") && head["claimBy"] != me && head.value("claimUntilMs", int64_t{0}) > now) return std::nullopt;
    if (head.value("nextAtMs", int64_t{0}) > now) return std::nullopt;
    const Value sub = tx.get(Table::Sequence, subsPk(tenant), id);
    const int64_t seq = head.value("seq", int64_t{1});
    if (!sub || !sub->value("enabled", false)) {
      // Disabled (or deleted): its deliveries wait until it is enabled again.
      tx.putRow(Table::Sequence, kDuePk, dueSk(tenant, id), nullptr);
      return std::nullopt;
    }
    // The delivery first: the counter, which every commit with an event writes, is read only
    // when there is none (so a busy shop's commits rarely make a claim run again).
    const Value d = tx.get(Table::Sequence, qpk, seqSk(seq));
    if (!d) {
      const Value counter = tx.get(Table::Sequence, qpk, "counter");
      if (!counter || seq > counter->value("value", int64_t{0})) {  // all sent
        tx.putRow(Table::Sequence, kDuePk, dueSk(tenant, id), nullptr);
        return std::nullopt;
      }
    }
    if (!d || d->value("state", "") != "pending") {  // a gap: passed over
      advance(tx, qpk, seq);
      return std::nullopt;
    }
    head["claimBy"] = me;
    head["claimUntilMs"] = now + (int64_t{options.timeoutSeconds} + 60) * 1000;
    tx.putRow(Table::Sequence, qpk, "head", row(head));
    Job job;
    job.tenant = tenant;
    job.id = id;
    job.due = dueSk(tenant, id);
    job.seq = seq;
    std::string why;
    std::optional<WebhookUrl> url = parseWebhookUrl(sub->at("url").get<std::string>(), true, &why);
    if (url) job.url = *url;
    job.secret = sub->at("secret").get<std::string>();
    job.body = d->at("body").get<std::string>();
    job.eventId = d->at("eventId").get<std::string>();
    job.type = d->at("type").get<std::string>();
    return job;
  }

  void send(Job job) {
    AttemptRequest request;
    request.url = job.url;
    request.timeoutSeconds = options.timeoutSeconds;
    request.allowPrivate = options.allowPrivate;
    request.body = job.body;
    const int64_t t = wallMs() / 1000;
    request.headers = {{"Content-Type", "application/json"},
                       {"User-Agent", "EdgeCart-Webhooks/1"},
                       {"EdgeCart-Signature", webhookSignature(job.secret, t, job.body)},
                       {"EdgeCart-Event-Id", job.eventId},
                       {"EdgeCart-Event-Type", job.type},
                       {"EdgeCart-Delivery", std::to_string(job.seq)}};
    attemptDelivery(io, lookups, tls, std::move(request), [this, job = std::move(job)](AttemptOutcome o) {
      record(job, o);
      inFlight.erase(job.due);
      inFlightCount = inFlight.size();
      postLook();  // the next of this subscription, or another waiting for a free slot
    });
  }

  // Writes what an attempt gave: delivered (2xx) moves the head on; a failure waits for its retry,
  // or fails the delivery past giveUpSeconds; a subscription failing that long is disabled.
  void record(const Job& job, const AttemptOutcome& o) {
    const bool ok = o.status >= 200 && o.status < 300;
    bool gaveUp = false, disabledIt = false;
    std::lock_guard<std::mutex> lock(coreMu);
    try {
      engine.run(contextOf(job.tenant), [&](Transaction& tx) {
        gaveUp = disabledIt = false;
        const int64_t now = wallMs();
        const std::string qpk = queuePk(job.tenant, job.id);
        const Value headRow = tx.get(Table::Sequence, qpk, "head");
        // The claim expired and another took the delivery over: its outcome is theirs to write.
        if (!headRow || headRow->value("seq", int64_t{0}) != job.seq || headRow->value("claimBy", "") != me) return;
        const Value d = tx.get(Table::Sequence, qpk, seqSk(job.seq));
        const Value subRow = tx.get(Table::Sequence, subsPk(job.tenant), job.id);
        if (!d || !subRow) return;
        json delivery = *d;
        json attempt = {{"at", formatIsoTime(now)}, {"ms", std::round(o.ms * 10) / 10}};
        if (o.status) attempt["status"] = o.status;
        if (!o.error.empty()) attempt["error"] = o.error;
        json& attempts = delivery["attempts"];
        attempts.push_back(std::move(attempt));
        if (attempts.size() > 50) attempts.erase(attempts.begin());  // the last 50 kept
        delivery["attemptCount"] = delivery.value("attemptCount", 0) + 1;
        json sub = *subRow;
        json head = {{"seq", job.seq}};
        int64_t nextAt = 0;
        bool moveOn = false;
        if (ok) {
          delivery["state"] = "delivered";
          delivery["deliveredAt"] = formatIsoTime(now);
          moveOn = true;
          sub.erase("failingSince");
          sub.erase("failingSinceMs");
        } else {
          if (!sub.contains("failingSinceMs")) {
            sub["failingSinceMs"] = now;
            sub["failingSince"] = formatIsoTime(now);
          }
          // Retried while its subscription has been failing for less than giveUpSeconds: counted
          // from the first failure of this run, at or before this delivery's first, never from
          // its event (what waited through an outage, or while the subscription was disabled,
          // gets its full time). Then it is failed, and the subscription, failing that long, is
          // disabled with it.
          const int64_t since = sub["failingSinceMs"].get<int64_t>();
          if (now - since >= options.giveUpSeconds * 1000) {
            delivery["state"] = "failed";
            moveOn = true;
            gaveUp = true;
          } else {
            const int n = delivery["attemptCount"].get<int>();
            const double wait = std::min(options.maxRetrySeconds, options.firstRetrySeconds * std::pow(2.0, n - 1));
            nextAt = now + static_cast<int64_t>(wait * 1000);
            head["nextAtMs"] = nextAt;
          }
          if (now - sub["failingSinceMs"].get<int64_t>() >= options.giveUpSeconds * 1000 && sub.value("enabled", false)) {
            sub["enabled"] = false;
            sub["disabledAt"] = formatIsoTime(now);
            sub["disabledReason"] = "its deliveries failed for " + std::to_string(static_cast<int64_t>(options.giveUpSeconds)) + " s";
            setActive(tx, job.tenant, job.id, nullptr);
            disabledIt = true;
          }
        }
        tx.putRow(Table::Sequence, qpk, seqSk(job.seq), row(std::move(delivery)));
        if (moveOn) {
          advance(tx, qpk, job.seq);
        } else {
          tx.putRow(Table::Sequence, qpk, "head", row(std::move(head)));
        }
        if (sub != *subRow) tx.putRow(Table::Sequence, subsPk(job.tenant), job.id, row(std::move(sub)));
        // The due row only when its time changes: every commit that queues an event reads it.
        const Value due = tx.get(Table::Sequence, kDuePk, job.due);
        if (!due || due->value("nextAtMs", int64_t{0}) != nextAt) {
          tx.putRow(Table::Sequence, kDuePk, job.due, row(json{{"nextAtMs", nextAt}}));
        }
      });
      ok ? ++delivered : ++failedAttempts;
      if (gaveUp) ++failed;
      if (disabledIt) ++disabled;
    } catch (const std::exception&) {
      // Not recorded (the store is away): the claim expires and the delivery is sent again.
    }
  }

  // Moves the head past delivery `seq` (delivered, failed or missing), and removes the delivery
  // keepDeliveries before it: a subscription keeps its last ones, delivered or failed.
  void advance(Transaction& tx, const std::string& qpk, int64_t seq) const {
    tx.putRow(Table::Sequence, qpk, "head", row(json{{"seq", seq + 1}}));
    if (seq > options.keepDeliveries) tx.putRow(Table::Sequence, qpk, seqSk(seq - options.keepDeliveries), nullptr);
  }

  // Gives back the claims of the attempts stop() abandoned (io thread stopped): the next process
  // on the store (or this server started again) sends them at once, not after the claim expires.
  // An abandoned attempt may have reached its receiver: it is sent again (at least once).
  void releaseClaims() {
    std::lock_guard<std::mutex> lock(coreMu);
    for (const std::string& sk : inFlight) {
      const size_t sep = sk.find('\x1f');
      const std::string tenant = sk.substr(0, sep), id = sk.substr(sep + 1);
      try {
        engine.run(contextOf(tenant), [&](Transaction& tx) {
          const Value h = tx.get(Table::Sequence, queuePk(tenant, id), "head");
          if (!h || h->value("claimBy", "") != me) return;
          json head = *h;
          head.erase("claimBy");
          head.erase("claimUntilMs");
          tx.putRow(Table::Sequence, queuePk(tenant, id), "head", row(std::move(head)));
        });
      } catch (const std::exception&) {
        // The store is away: the claim expires instead.
      }
    }
    inFlight.clear();
  }

  void postLook() {
    if (lookPosted.exchange(true)) return;
    net::post(io, [this] { look(); });
  }

  void scheduleTick() {
    tick.expires_after(std::chrono::milliseconds(500));
    tick.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      postLook();
      scheduleTick();
    });
  }
};

Webhooks::Webhooks(Engine& engine, std::mutex& coreMu, WebhookOptions options)
    : options_(options), impl_(std::make_unique<Impl>(engine, coreMu, std::move(options))) {}

Webhooks::~Webhooks() { stop(); }

void Webhooks::start() {
  if (impl_->thread.joinable()) return;
  impl_->work.emplace(impl_->io.get_executor());
  impl_->scheduleTick();
  impl_->postLook();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

void Webhooks::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
  impl_->lookups.stop();  // look-ups not started are dropped; those under way end on their own
  impl_->releaseClaims();
}

void Webhooks::kick() {
  if (impl_->thread.joinable()) impl_->postLook();
}

void Webhooks::committed() {
  if (queuedOnThisThread) {
    queuedOnThisThread = false;
    kick();
  }
}

Webhooks::Stats Webhooks::stats() const {
  Stats s;
  s.delivered = impl_->delivered;
  s.failedAttempts = impl_->failedAttempts;
  s.failed = impl_->failed;
  s.disabled = impl_->disabled;
  s.queued = impl_->queued;
  s.inFlight = impl_->inFlightCount;
  return s;
}

void Webhooks::queueEvents(Transaction& tx) {
  // The events of this commit: its notifications, then its orders' status changes.
  std::vector<json> events;
  for (const json& n : tx.notifications()) events.push_back(n);
  for (const DataChange& c : tx.changes()) {
    if (c.sk.rfind("ORDER#", 0) != 0 || !c.oldItem || !c.newItem) continue;
    const json& from = attrs(*c.oldItem).at("status");
    const json& to = attrs(*c.newItem).at("status");
    if (from != to) {
      events.push_back({{"type", "order_status_changed"}, {"orderId", c.newItem->at("code")}, {"from", from}, {"to", to}});
    }
  }
  if (events.empty()) return;
  const Value active = tx.get(Table::Sequence, subsPk(tx.context().tenantCode), "active");
  if (!active) return;
  bool queued = false;
  for (json& e : events) {
    const std::string type = e.at("type").get<std::string>();
    e.erase("type");
    e.erase("at");
    const std::string eventId = "evt_" + randomHex(16);
    const std::string body = json{{"id", eventId}, {"type", type}, {"tenant", tx.context().tenantCode},
                                  {"createdAt", tx.now()}, {"data", e}}
                                 .dump(-1, ' ', false, json::error_handler_t::replace);
    for (const json& sub : active->at("subs")) {
      const json& wants = sub.at("events");
      if (std::find(wants.begin(), wants.end(), type) == wants.end() && std::find(wants.begin(), wants.end(), "*") == wants.end()) {
        continue;
      }
      append(tx, sub.at("id").get<std::string>(), eventId, type, body);
      queued = true;
    }
  }
  if (queued) queuedOnThisThread = true;  // committed() looks once the commit is made
}

}  // namespace edgecart
