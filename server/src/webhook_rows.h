#pragma once
// What the webhook routes (webhook_routes.cpp) and the delivery worker (webhooks.cpp) share: the
// rows of a shop's subscriptions and deliveries in the Sequence table, and how they are shown.
//   WEBHOOK#<tenant>        sk <id>: a subscription; "active": the enabled ones' event types
//   WHQ#<tenant>#<id>       "counter", "head" {seq, nextAtMs, claimBy, claimUntilMs}, and each
//                           delivery under its zero-padded number
//   WEBHOOK-DUE             sk <tenant>\x1f<id> {nextAtMs}: the subscriptions with deliveries waiting

#include <cstdint>
#include <string>

#include "edgecart/engine/engine.h"

namespace edgecart::webhook {

inline constexpr char kDuePk[] = "WEBHOOK-DUE";
inline std::string subsPk(const std::string& tenant) { return "WEBHOOK#" + tenant; }
inline std::string queuePk(const std::string& tenant, const std::string& id) { return "WHQ#" + tenant + "#" + id; }
inline std::string dueSk(const std::string& tenant, const std::string& id) { return tenant + '\x1f' + id; }
// The context the webhooks' own transactions run in.
inline Context contextOf(const std::string& tenant) { return Context{tenant, "webhooks", {"admin"}}; }

// A delivery's sk: its number, zero-padded so the rows sort in number order.
std::string seqSk(int64_t n);
Value row(json j);
// `bytes` random bytes from OpenSSL as hex (ids and secrets).
std::string randomHex(size_t bytes);
int64_t wallMs();
// A subscription as its admin reads it: never its secret (shown once, at creation).
json publicView(const json& sub);
// A delivery as GET /webhooks/:id/deliveries shows it: without the body's bytes.
json deliveryView(const std::string& sk, const json& d);

// The tenant's list of enabled subscriptions, read by every commit that has events: `sub` set
// puts it in (or replaces it), null takes it out.
void setActive(Transaction& tx, const std::string& tenant, const std::string& id, const json* sub);
// Appends a delivery of `body` to the subscription's queue and marks the subscription due; its number.
int64_t append(Transaction& tx, const std::string& id, const std::string& eventId, const std::string& type,
               const std::string& body, const json* redeliveryOf = nullptr);

// Set by a thread that queued a delivery in its transaction: committed() then looks at once.
extern thread_local bool queuedOnThisThread;

}  // namespace edgecart::webhook
