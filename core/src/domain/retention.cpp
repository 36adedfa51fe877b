// Retention: final orders leave the live state (retention.h).

#include "edgecart/domain/retention.h"

#include <vector>

#include "edgecart/domain/domain.h"
#include "edgecart/engine/clock.h"

namespace edgecart {
namespace {

// Read leniently: an item of another shape (another version's, or damaged) is not final here, and
// never stops the scan (it stays, as anything retention does not know to be final does).
bool evictable(const json& item, const std::string& cutoffIso) {
  if (!item.is_object()) return false;
  const auto a = item.find("attributes");
  if (a == item.end() || !a->is_object()) return false;
  const auto status = a->find("status");
  if (status == a->end() || (*status != "delivered" && *status != "cancelled")) return false;
  // ISO-8601 UTC times of one format compare as strings.
  const auto updated = item.find("updatedAt");
  return updated != item.end() && updated->is_string() && updated->get_ref<const std::string&>() <= cutoffIso;
}

}  // namespace

json evictFinalOrders(Engine& engine, const std::string& tenant, const RetentionPolicy& policy) {
  const std::string pk = tenantPk(tenant);
  const std::string cutoff = formatIsoTime(engine.clock().nowMs() - policy.finalForMs);
  std::vector<std::string> candidates;
  engine.store().scan(Table::Data, pk, "ORDER#", "", [&](const std::string& sk, const Value& v) {
    if (evictable(*v, cutoff) && !(policy.keep && policy.keep(sk))) candidates.push_back(sk);
    return candidates.size() < policy.limit;
  });
  json evicted = json::array();
  if (candidates.empty()) return evicted;
  const Context ctx{tenant, "retention", {"admin"}};
  return engine.run(ctx, [&](Transaction& tx) {
    json out = json::array();
    for (const std::string& sk : candidates) {
      const Value v = tx.get(Table::Data, pk, sk);
      if (!v || !evictable(*v, cutoff)) continue;  // changed since the scan
      // As GET answers it; a final order whose reservation this version cannot read still leaves
      // (it is final either way), answered as it is stored: one such order must not keep every
      // other in the live state, each run failing on it.
      // Its reservation row (released or deducted: final) goes with it; one this version cannot
      // read at all is deleted unread.
      const std::string reservation = std::string(kReservation) + "#" + sk.substr(sizeof("ORDER#") - 1);
      json answer;
      bool hasReservation = true;
      try {
        answer = orderAnswer(tx, v);
        hasReservation = tx.getItem(reservation) != nullptr;
      } catch (const ApiError&) {
        throw;  // the store's (busy, unavailable, damaged, short of a chunk): not the item's
      } catch (const std::exception&) {
        answer = *v;  // bytes or fields this version cannot read
      }
      tx.putRow(Table::Data, pk, sk, nullptr);
      if (hasReservation) tx.putRow(Table::Data, pk, reservation, nullptr);
      out.push_back(std::move(answer));
    }
    return out;
  });
}

}  // namespace edgecart
