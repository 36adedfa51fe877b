// Pending orders that expire (expiry.h, docs/money.md).

#include "edgecart/domain/expiry.h"

#include "edgecart/domain/domain.h"
#include "edgecart/domain/order.h"
#include "edgecart/engine/clock.h"

namespace edgecart {
namespace {

constexpr char kPendingTag[] = "pending:";

}  // namespace

void pendingOrderKeys(const json& order, std::vector<std::string>& keys) {
  const json& a = attrs(order);
  auto status = a.find("status");
  auto placed = a.find("placedAt");
  if (status == a.end() || *status != "pending" || placed == a.end() || !placed->is_string()) return;
  if (a.contains("payments")) return;  // paid at a till: the customer has the goods, nothing expires
  keys.push_back(kPendingTag + placed->get<std::string>());
}

bool expireOrder(Transaction& tx, const std::string& code, const std::string& cutoffIso) {
  std::optional<StoredOrder> stored = readOrder(tx, code);
  if (!stored) return false;
  Order& o = stored->order;
  // Read again in this transaction: confirmed (or cancelled) since the sweep looked, it stays.
  if (o.status != "pending" || o.placedAt >= cutoffIso) return false;
  if (o.payments) return false;  // paid at a till
  o.status = "cancelled";
  o.cancelledAt = tx.now();
  o.cancelReason = "expired";
  tx.notify({{"type", "order_expired"}, {"orderId", code}, {"customerId", o.customerId}, {"placedAt", o.placedAt}});
  // The version read: a commit that meets a newer one re-runs this and finds it no longer pending.
  writeOrder(tx, o, stored->version);
  return true;
}

size_t expirePendingOrders(Engine& engine, size_t limit) { return ExpirySweeper(limit).sweep(engine); }

size_t ExpirySweeper::sweep(Engine& engine) {
  std::vector<std::pair<std::string, int64_t>> tenants;  // tenant -> minutes
  engine.store().scan(Table::Sequence, kExpiringPk, "", "", [&](const std::string& tenant, const Value& v) {
    tenants.emplace_back(tenant, v->value("minutes", int64_t{0}));
    return true;
  });
  size_t cancelled = 0;
  for (const auto& [tenant, minutes] : tenants) {
    if (minutes <= 0) continue;
    const Context ctx{tenant, "system:expiry", {"admin"}};
    std::string cutoff;
    {
      Transaction probe(engine, ctx);
      cutoff = formatIsoTime(probe.nowMs() - minutes * 60'000);
    }
    // The oldest pending orders after where the last sweep stopped, up to the cutoff: the look-up
    // rows sort by placedAt.
    std::string& resume = resumeAfter_[tenant];
    std::vector<std::string> codes;
    std::string last;
    const std::string end = kPendingTag + cutoff;
    engine.store().scan(Table::Sequence, lookupPk(tenantPk(tenant)), kPendingTag, resume, [&](const std::string& row, const Value&) {
      const size_t sep = row.find(kLookupSep);
      if (sep == std::string::npos) return true;
      if (row.compare(0, sep, end) >= 0) return false;  // placed at or after the cutoff: all later ones too
      const std::string sk = row.substr(sep + 1);
      codes.push_back(sk.substr(sk.find('#') + 1));
      last = row;
      return codes.size() < limit_;
    });
    // Cut by the limit: the next sweep goes on after the last one tried (those before it were
    // cancelled, or could not be). Else it starts from the oldest again.
    resume = codes.size() == limit_ ? last : std::string();
    for (const std::string& code : codes) {
      try {
        bool done = false;
        engine.run(ctx, [&](Transaction& tx) { done = expireOrder(tx, code, cutoff); });
        cancelled += done;
      } catch (const std::exception&) {
        // Refused or failed (a store error): the next sweep tries again.
      }
    }
  }
  return cancelled;
}

}  // namespace edgecart
