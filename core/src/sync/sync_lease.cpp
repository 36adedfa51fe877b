// Leases of order numbers (docs/design.md §7), and whose a pushed order's code is.

#include <algorithm>
#include <cctype>

#include "edgecart/api/access.h"
#include "edgecart/api/validate.h"
#include "edgecart/engine/error.h"
#include "edgecart/engine/sequence.h"
#include "edgecart/sync/sync.h"
#include "sync_rows.h"
#include "sync_server_internal.h"

namespace edgecart {

using namespace sync_detail;  // the helpers the sync server's files share

// Whose a code is: one of this client's leased blocks, or its own device series. A device series
// is bound to exactly one client (the first to lease or to use it): a client whose id merely
// shares the first characters is refused it.
SyncServer::CodeUse SyncServer::codeUseOf(const Context& ctx, const std::string& clientId, const std::string& code) {
  if (!isValidCode(code)) return CodeUse::None;
  const std::string device = deviceOf(clientId);
  bool deviceSeries = code.rfind("ORD-" + device + "-", 0) == 0;
  for (const DeviceSeries& d : kDeviceSeries) deviceSeries = deviceSeries || code.rfind(d.prefix + device + "-", 0) == 0;
  if (deviceSeries) {
    const Value owner = shop_.store().get(Table::Sequence, "SYNC#" + ctx.tenantCode + "#devices", device);
    if (owner && owner->at("clientId") != clientId) return CodeUse::None;
    return CodeUse::Device;
  }
  size_t digits = code.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(code[digits - 1]))) --digits;
  if (digits == code.size() || code.size() - digits > 15) return CodeUse::None;
  const int64_t n = std::stoll(code.substr(digits));
  bool leased = false;
  shop_.store().scan(Table::Sequence, "SYNC#" + ctx.tenantCode + "#" + clientId, "lease#", "",
                     [&](const std::string&, const Value& l) {
    leased = n >= l->at("start").get<int64_t>() && n <= l->at("end").get<int64_t>() &&
             formatSequence(shop_.options().orderCodeFormat, n) == code;
    return !leased;
  });
  return leased ? CodeUse::Leased : CodeUse::None;
}

Response SyncServer::lease(const Context& caller, const std::string& body) {
  try {
    const Context ctx = normalized(caller);
    const json req = parseObject(body);
    const std::string clientId = clientIdOf(req);
    int64_t size = 100;
    for (const auto& [k, v] : req.items()) {
      if (k == "size") {
        if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > kMaxLease) {
          badRequest("size must be an integer between 1 and " + std::to_string(kMaxLease));
        }
        size = v.get<int64_t>();
      } else if (k != "clientId") {
        badRequest("property " + echo(k) + " should not exist");
      }
    }
    const std::string device = deviceOf(clientId);
    json answer;
    shop_.engine().run(ctx, [&](Transaction& tx) {
      const std::string devices = "SYNC#" + ctx.tenantCode + "#devices";
      const Value owner = tx.get(Table::Sequence, devices, device);
      if (owner && owner->at("clientId") != clientId) {
        conflict("device series " + device + " belongs to another client; choose another clientId");
      }
      claimClient(tx, clientId);
      // Every holder's bound: the client's, its user's (whatever its clientIds), the tenant's.
      const bool customer = roleOf(ctx) == Role::Customer;
      const struct { std::string pk; int64_t cap; const char* who; } holders[] = {
          {clientPk(ctx.tenantCode, clientId), kMaxOutstandingCodes, "This client holds "},
          {userPk(ctx.tenantCode, ctx.userId), customer ? kMaxOutstandingPerCustomer : kMaxOutstandingPerStaffUser,
           "This user's clients hold "},
          {tenantLeasePk(ctx.tenantCode), kMaxOutstandingPerTenant, "This tenant's clients hold "}};
      // A smaller block when a bound is near (a customer's device asking for the default 100 gets
      // what its user has left); none left is 429.
      for (const auto& h : holders) {
        const int64_t outstanding = intOr(tx.get(Table::Sequence, h.pk, "leases"), "outstanding", 0);
        if (outstanding >= h.cap) {
          throw ApiError(429, h.who + std::to_string(outstanding) + " leased order codes not yet used; at most " +
                              std::to_string(h.cap) + " may be outstanding");
        }
        size = std::min(size, h.cap - outstanding);
      }
      for (const auto& h : holders) addOutstanding(tx, h.pk, size);
      const std::string tenantPk = edgecart::tenantPk(ctx.tenantCode);
      const int64_t start = intOr(tx.get(Table::Sequence, tenantPk, "ORDER"), "value", 0) + 1;
      const int64_t end = start + size - 1;
      tx.putRow(Table::Sequence, tenantPk, "ORDER", row({{"value", end}, {"updatedAt", tx.now()}}));
      tx.insertRow(Table::Sequence, "SYNC#" + ctx.tenantCode + "#" + clientId, "lease#" + padded(start),
                row({{"start", start}, {"end", end}, {"at", tx.now()}}));
      tx.putRow(Table::Sequence, devices, device, row({{"clientId", clientId}}));
      answer = {{"clientId", clientId}, {"device", device}, {"start", start}, {"end", end},
                {"format", shop_.options().orderCodeFormat}};
    });
    return Response{200, std::move(answer), {}, {}};
  } catch (const ApiError& e) {
    return Response{e.status(), errorBody(e.status(), e.what(), e.code()), {}, {}, e.code()};
  }
}

}  // namespace edgecart
