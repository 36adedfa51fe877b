#!/usr/bin/env bash
# The mutation check: breaks, one at a time, a behaviour the product promises, in a scratch copy
# of the committed tree, rebuilds, and runs the tests that claim it. Every mutant must be killed
# (some test fails); a mutant that survives, or that no longer applies to the code, fails the run.
#
#   ./scripts/mutants.sh                every mutant
#   ./scripts/mutants.sh NAME...        only these
#   ./scripts/mutants.sh --since REF    only the mutants a change since commit REF can affect:
#       a mutant runs if one of its files changed, if its test file changed (node:), or a
#       GoogleTest file that defines a suite its filter names, or if its line is new or changed.
#       Every mutant's expression is still checked to apply. The test command uses this with
#       REF = scripts/mutants.verified, the last commit on which every mutant ran and was killed.
#   ./scripts/mutants.sh --since REF --list    prints the names of those mutants, runs nothing
#
# The scratch copy is HEAD: commit the tests (and mutants) first.
# Fields are split on '|': a sed expression cannot contain one (match it with '.').
# Each line of MUTANTS is: name | file | sed expression | test | filter, where test is a GoogleTest
# binary (filter: a gtest filter) or node:<file under web/> (filter: a test name pattern; the
# package is rebuilt with npm run build and the server with cmake, each recompiling only what
# changed).
# Add a line with every behaviour a change promises; see CONTRIBUTING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

MUTANTS=$(cat <<'EOF'
keyed-key-table-reordered | core/src/storage/values.cpp | s/^    "pk", "sk", "id", "code",/    "sk", "pk", "id", "code",/ | edgecart_tests | ValueEncoding.*
derived-field-unchecked | core/src/storage/values.cpp | s/^  if (b.empty()) return field == a;$/  return true;/ | edgecart_tests | ValueEncoding.*
derived-separator-unchecked | core/src/storage/values.cpp | s/ \&\& field\[a.size()\] == '#' \&\&/ \&\&/ | edgecart_tests | ValueEncoding.*
plain-value-keys-renamed | core/src/storage/values.cpp | s/    if (keyed_ \&\& k.size() == 1/    if (k.size() == 1/ | edgecart_tests | ValueEncoding.*
keyed-key-named-twice-accepted | core/src/storage/values.cpp | s/    if (!placed.second) throw std::runtime_error("a value holds one key twice");/    (void)placed.second;/ | edgecart_tests | ValueEncoding.*
row-cache-answers-another-key | core/src/storage/row_cache.h | s/    return s.value \&\& s.is(t, pk, sk) ? s.value : nullptr;/    return s.value;/ | edgecart_server_tests | Stores/StoreContract.ARead*
row-cache-keeps-a-written-rows-old-tree | core/src/storage/row_cache.h | s/    if (s.value \&\& s.is(t, pk, sk)) s.value = std::move(value);/    if (false \&\& s.is(t, pk, sk)) s.value = std::move(value);/ | edgecart_server_tests | Stores/StoreContract.ARead*
row-cache-not-told-of-writes | core/src/storage/file_store.cpp | s/    if (isState(p.table)) cache_->written(/    if (false) cache_->written(/ | edgecart_server_tests | Stores/StoreContract.ARead*
memory-store-not-told-of-writes | core/src/storage/memory_store.cpp | s/    cache_->written(p.table, p.pk, p.sk, p.value);/    (void)p;/ | edgecart_server_tests | Stores/StoreContract.ARead*
memory-store-copies-shared-bytes | core/src/storage/memory_store.cpp | s/    bytes\[i\] = first\[i\] != i ? bytes\[first\[i\]\]/    bytes[i] = false ? bytes[first[i]]/ | edgecart_tests | MemoryStore.*
rows-of-one-value-not-brought-together | core/src/storage/log_format.cpp | s/^  std::sort(byValue.begin(), byValue.end());$/  (void)0;/ | edgecart_tests | MemoryStore.*
rows-of-one-value-point-at-the-last | core/src/storage/log_format.cpp | s/first\[byValue\[i\].second\] = first\[byValue\[i - 1\].second\];/first[byValue[i].second] = byValue[i - 1].second;/ | edgecart_tests | MemoryStore.*
encoding-leaves-out-no-derived-key | core/src/storage/values.cpp | s/^          if (skip.has(byte)) continue;$/          if (false \&\& skip.has(byte)) continue;/ | edgecart_tests | ValueEncoding.*
key-bytes-never-found | core/src/storage/values.cpp | s/^  if (key.empty() .. key.size() >= kLengths) return 0;$/  if (true) return 0;/ | edgecart_tests | ValueEncoding.*
key-byte-by-bucket-only | core/src/storage/values.cpp | s/^    if (std::memcmp(kKeys\[i\], key.data(), key.size()) == 0) return/    if (true) return/ | edgecart_tests | ValueEncoding.*
crc-slice-misfolded | core/src/storage/log_format.cpp | s/t\[6\]\[(lo >> 8) \& 0xFF\]/t[5][(lo >> 8) \& 0xFF]/ | edgecart_tests | Digest.Crc32*
state-tombstone-dropped | core/src/storage/state_rows.cpp | s/^  overlay_.emplace(key, Written{std::nullopt, in});  .. hides the snapshot's row, if it has one$/  (void)in;/ | edgecart_tests | FileStoreState.*:ChunksOnDemand.*
state-forward-repeats-replaced-row | core/src/storage/state_rows.h | s/    if (c == 0) next(b);  \/\/ the overlay's row replaces it// | edgecart_tests | FileStoreState.*
state-backward-repeats-replaced-row | core/src/storage/state_rows.h | s/    if (c == 0) b = last;  \/\/ the overlay's row replaces it// | edgecart_tests | FileStoreState.*
chunk-order-unchecked | core/src/storage/state_rows.cpp | s/    if (i > 0 \&\& compareKeys(before, key) >= 0) throw std::runtime_error(\"rows out of key order\");// | edgecart_tests | FileStoreState.*
chunk-range-unchecked | core/src/storage/state_rows.cpp | s/(rows.size() > 0 \&\& compareKeys(rows.key(0), keyParts(firstKey)) < 0)/(false \&\& !firstKey.empty())/ | edgecart_tests | FileStoreState.*
chunks-split-unbalanced | core/src/storage/snapshot.cpp | s/    return left > size \&\& left < size + size \/ 2 ? left \/ 2 : size;/    return (void)left, size;/ | edgecart_tests | FileStoreState.*
chunks-never-merge | core/src/storage/snapshot.cpp | s/    while (total < half) {/    while (false) {/ | edgecart_tests | FileStoreState.*
small-chunks-not-merged | core/src/storage/snapshot.cpp | s/      while (a > floor \&\& chunks_\[a - 1\].bytes < half) --a;//; s/(chunks_\[b + 1\].dirty .. chunks_\[b + 1\].bytes < half)/(chunks_[b + 1].dirty)/ | edgecart_tests | FileStoreState.*
open-reads-every-chunk | core/src/storage/snapshot.cpp | 0,/^  state_->load(std::move(slots));$/s//  state_->load(std::move(slots));\n  (void)readAll();/ | edgecart_tests | FileStoreState.*
chunk-end-unchecked | core/src/storage/state_rows.cpp | s/(rows.size() > 0 \&\& !end.empty() \&\& compareKeys(before, keyParts(end)) >= 0)/(false \&\& !end.empty())/ | edgecart_tests | FileStoreState.*
chunk-size-unchecked-at-open | core/src/storage/snapshot.cpp | s/^    if (size != ref.bytes \&\& !(size == 0 \&\& options_.chunksOnDemand)) {$/    if (false) {/ | edgecart_tests | FileStoreState.*
chunk-miss-lets-commits-through | core/src/storage/file_store.cpp | s/  if (!wanted_.empty()) throw ChunkNotLoaded(wanted_);// | edgecart_tests | ChunksOnDemand.*
read-ahead-takes-loaded-chunks | core/src/storage/snapshot.cpp | s/        if (fs::file_size(fs::path(dir_) \/ name, ec) == 0 \&\& !ec) ahead_.push_back(name);/        ahead_.push_back(name);/ | edgecart_tests | ChunksOnDemand.*
read-ahead-past-read-chunks | core/src/storage/state_rows.cpp | s/it != slots_.end() \&\& !it->image \&\& ids.size() < n/it != slots_.end() \&\& ids.size() < n/ | edgecart_tests | ChunksOnDemand.*
chunk-miss-not-asked-for | core/src/storage/snapshot.cpp | s/      wanted_.push_back(file);// | edgecart_tests | ChunksOnDemand.*
empty-chunk-accepted-without-on-demand | core/src/storage/snapshot.cpp | s/^    if (size != ref.bytes \&\& !(size == 0 \&\& options_.chunksOnDemand)) {$/    if (size != ref.bytes \&\& size != 0) {/ | edgecart_tests | ChunksOnDemand.*
compaction-writes-before-planning | core/src/storage/snapshot.cpp | /^  const std::vector<Run> runs = chunks_.empty() ? std::vector<Run>{} : planRuns();$/{h;d}; /^  writeArchive();$/G | edgecart_tests | ChunksOnDemand.*
commit-under-compaction-says-unwritten | core/src/storage/file_store.cpp | s/^  wroteSinceTake_ = true;$// | edgecart_tests | ChunksOnDemand.*
writes-read-their-chunk | core/src/storage/state_rows.cpp | 0,/^  const int8_t in = inSnapshot(key);$/s//  const int8_t in = chunkRow(key) ? 1 : 0;/ | edgecart_tests | ChunksOnDemand.*
rows-of-unread-ranges-not-counted | core/src/storage/state_rows.cpp | s/^  if (in != 1) ++size_;$/  if (in == 0) ++size_;/ | edgecart_tests | ChunksOnDemand.*
rows-counted-new-once-their-range-is-read | core/src/storage/state_rows.cpp | s/^    if (o->second.inSnapshot == 1) --size_;  .. counted as new so far$// | edgecart_tests | ChunksOnDemand.*
row-count-reads-chunks-not-loaded | core/src/storage/file_store.cpp | s/^    return !options_.chunksOnDemand .. (fs::file_size/    return true; (void)(fs::file_size/ | edgecart_tests | ChunksOnDemand.*
record-values-twice | core/src/storage/log_format.cpp | s/^    } else if (first\[i\] == i) {$/    } else if (true) {/ | edgecart_tests | FileStore.ARecord*
record-reference-unchecked | core/src/storage/log_format.cpp | s/      if (p.sameAs >= i .. batch\[p.sameAs\].erase) throw/      if (p.sameAs >= i) throw/ | edgecart_tests | FileStore.ARecord*
format-002-not-migrated | core/include/edgecart/storage/file_store.h | s/    if (version > 0 \&\& version < logfmt::kFormatVersion \&\&$/    if (version > 0 \&\& version < 2 \&\&/ | edgecart_tests | FileStore.Format*
archive-references-not-renumbered | core/src/storage/snapshot.cpp | s/      if (p.sameAs != logfmt::kNoOp) p.sameAs = p.sameAs < i ? moved\[p.sameAs\] : logfmt::kNoOp;/      (void)moved;/ | edgecart_tests | FileStore.AnArchivedRow*
torn-vs-corrupt | core/src/storage/log_format.cpp | /Every byte the length promises/,/Damage::Corrupt;/s/r.damage = Damage::Corrupt;/r.damage = end == bytes.size() ? Damage::TornTail : Damage::Corrupt;/ | edgecart_tests | FileStore.Flipped*
reads-rewrite | core/src/storage/file_store.cpp | s/^  for (const std::string\& name : l.temporaries) leftovers_.push_back(name);$/&\n  if (!options_.readOnly) prepareWrite();/ | edgecart_tests | FileStore.TornTail*:FileStore.Leftover*:FileStore.Format001*
single-writer | core/src/storage/file_store.cpp | s/^  if (!store->options_.readOnly) store->lock();$// | edgecart_tests | FileStore.ASecondWriter*:Cli.ASecond*
verify-disagrees-with-open | core/src/storage/log_verify.cpp | s/if (lsn <= snapshotLsn) continue;/if (lsn < expectNext) continue;/; s/^    opens();$// | edgecart_tests | FileStore.VerifyAndOpen*
archive-not-written | core/src/storage/snapshot.cpp | s/^  writeArchive();$// | edgecart_tests | FileStore.CompactionArchives*:FileStore.ADeletedArchive*
version-stale-accepted | core/src/engine/engine.cpp | s/  if (requested < latest) {/  if (requested < latest - 1) {/ | edgecart_tests | Engine*:Inventory.*:Sync.*
reservation-not-all-or-nothing | core/src/domain/order_handler.cpp | s/found.push_back(stockFor(tx, code, n, true));/found.push_back(stockFor(tx, code, n, false));/ | edgecart_tests | Inventory.*:Orders.*
money-rounding | core/src/domain/money.cpp | s/  return (amount \* rate \* 2 + kRateScale) \/ (kRateScale \* 2);/  return (amount * rate * 2 + kRateScale - 1) \/ (kRateScale * 2);/ | edgecart_tests | Money.*:Orders.*:MoneyOrders.*
currency-decimals-ignored | core/src/domain/money.cpp | s/  return it != end \&\& code == it->code ? it->decimals : -1;/  return it != end \&\& code == it->code ? 2 : -1;/ | edgecart_tests | Money.*:MoneyOrders.*
tax-included-not-extracted | core/src/domain/orders.cpp | s/settings.pricesIncludeTax ? taxIncludedIn(charged, rate) : taxOn(charged, rate)/taxOn(charged, rate)/ | edgecart_tests | MoneyOrders.*
tax-rate-of-the-shop-only | core/src/domain/orders.cpp | s/    lf.rate = settings.taxRateOf(product ? \&\*product : nullptr);/    lf.rate = settings.taxRateOf(nullptr);/ | edgecart_tests | MoneyOrders.*
order-of-two-currencies | core/src/domain/orders.cpp | s/    if (lineCurrency.code != currency->code) {/    if (false) {/ | edgecart_tests | MoneyOrders.*
discount-split-loses-units | core/src/domain/money.cpp | s/^    ++shares\[best\];$// | edgecart_tests | MoneyOrders.*
cashier-discount-unlimited | core/src/domain/orders.cpp | s/    if (caller.discounts == Discounts::UpToLimit \&\& asked > /    if (false \&\& asked > / | edgecart_tests | MoneyOrders.*
customer-discounts | core/src/domain/orders.cpp | s/    if (caller.discounts == Discounts::None) forbidden/    if (false) forbidden/ | edgecart_tests | MoneyOrders.*
settings-any-manager | core/src/api/routes.cpp | s/{"PATCH", "\/settings", Role::Admin,/{"PATCH", "\/settings", Role::Manager,/ | edgecart_tests | MoneyOrders.*
stored-settings-unnamed | core/src/domain/settings.cpp | s/  } catch (const json::exception\& e) {/  } catch (const std::out_of_range\& e) {/ | edgecart_tests | MoneyOrders.Stored*
settings-not-on-devices | core/include/edgecart/api/access.h | s/ .. sk.rfind("SETTINGS#", 0) == 0;/;/ | edgecart_tests | SyncTrust.*
tender-card-gives-change | core/src/domain/orders.cpp | s/  if (t.change > cash) {/  if (false) {/ | edgecart_tests | MoneyOrders.*
tender-short-accepted | core/src/domain/orders.cpp | s/  if (sale \&\& t.due > 0) {/  if (sale \&\& t.due < 0) {/ | edgecart_tests | MoneyOrders.*
tender-by-customer | core/src/domain/orders.cpp | s/    if (caller.pricing == Pricing::Catalogue) forbidden("Forbidden: a customer cannot record payments");// | edgecart_tests | MoneyOrders.*
expiry-cancels-confirmed | core/src/domain/expiry.cpp | s/  if (o.status != "pending" .. o.placedAt >= cutoffIso) return false;/  if (o.placedAt >= cutoffIso) return false;/ | edgecart_tests | Expiry.*
expiry-cancels-young | core/src/domain/expiry.cpp | s/o.placedAt >= cutoffIso) return false;/o.placedAt >= cutoffIso.substr(0, 0) + "~") return false;/ | edgecart_tests | Expiry.*
expiry-not-on-the-server | server/src/http_server.cpp | s/^    core->shop->engine().addLookup("ORDER#", pendingOrderKeys);$// | edgecart_server_tests | ExpirySqlite.*
return-exceeds-sale | core/src/domain/returns.cpp | s/    if (left > sale - before) {/    if (left > sale) {/ | edgecart_tests | TillDay.*:Sync.TwoTills*
refund-not-cumulative | core/src/domain/returns.cpp | s/  for (const SoldLine\& l : sold) refund += l.refundOf(l.returned + l.taking) - l.refundOf(l.returned);/  for (const SoldLine\& l : sold) refund += l.refundOf(l.taking);/ | edgecart_tests | TillDay.*
damaged-restocked | core/src/domain/returns.cpp | s/    if (!line.value("restock", false)) continue;/    if (false) continue;/ | edgecart_tests | TillDay.*
return-window-ignored | core/src/domain/returns.cpp | s/  if (window == ReturnWindow::Within \&\& placedAt/  if (window == ReturnWindow::Any \&\& placedAt/ | edgecart_tests | TillDay.*
two-sessions-per-till | core/src/domain/sessions.cpp | s/  if (tillItem \&\& attrs(\*tillItem).value("openSession", json()).is_string()) {/  if (false) {/ | edgecart_tests | TillDay.*
closed-session-takes-sales | core/src/domain/sessions.cpp | s/  if (attrs(\*s).at("status") != "open") {/  if (attrs(*s).at("status") == "nope") {/ | edgecart_tests | TillDay.*
expected-cash-ignores-refunds | core/src/domain/sessions.cpp | s/cash += m.get(t, "taken") - m.get(t, "refunded");/cash += m.get(t, "taken");/ | edgecart_tests | TillDay.*
customer-sells-on-a-session | core/src/domain/orders.cpp | s/    if (caller.pricing == Pricing::Catalogue) forbidden("Forbidden: a customer cannot sell on/    if (false) forbidden("Forbidden: a customer cannot sell on/ | edgecart_tests | TillDay.*
paid-sale-expires | core/src/domain/expiry.cpp | s/  if (a.contains("payments")) return;/  if (false) return;/; s/  if (o.payments) return false;/  if (false) return false;/ | edgecart_tests | Expiry.*
expiry-retries-the-front-forever | core/src/domain/expiry.cpp | s/^      if (failed.count(code)) return true;$// | edgecart_tests | Expiry.*
expiry-never-retries-what-it-passed-over | core/src/domain/expiry.cpp | s/^  if (++sweeps_ % kRetryEvery == 0) failed_.clear();.*$/  ++sweeps_;/ | edgecart_tests | Expiry.*
retention-keeps-an-unreadable-reservation | core/src/domain/retention.cpp | s/^      bool hasReservation = true;$/      bool hasReservation = false;/ | edgecart_tests | Retention.*
retention-stops-on-an-undecodable-reservation | core/src/domain/retention.cpp | s/^        answer = \*v;  \/\/ bytes or fields this version cannot read$/        throw;/ | edgecart_tests | Retention.*
retention-reads-a-status-strictly | core/src/domain/retention.cpp | s/^  if (!item.is_object()) return false;$/  if (item.at("attributes").at("status").get<std::string>().empty()) return false;/ | edgecart_tests | Retention.*
return-code-not-the-devices | core/src/sync/sync_lease.cpp | s/kDeviceSeries) deviceSeries = deviceSeries .. code.rfind(d.prefix/kDeviceSeries) deviceSeries = deviceSeries \&\& code.rfind(d.prefix/ | edgecart_tests | Sync.TwoTills*:Sync.ASession*
ts-rules-not-checked | core/src/engine/error.cpp | s/{errc::kReturnExceedsSale, 409},/{errc::kReturnExceedsSale, 410},/ | edgecart_tests | Rules.*
domain-includes-the-api | core/src/domain/orders.cpp | s#^\#include "edgecart/engine/text.h"#\#include "edgecart/api/validate.h"# | edgecart_tests | Layering.*
tenant-scoping | core/src/engine/engine.cpp | s/      pk_(tenantPk(context_.tenantCode)),/      pk_(tenantPk("shared")),/ | edgecart_tests | Api.Tenant*:EngineTest.Sequences*
push-replay | core/src/sync/sync_server.cpp | s/  if (seq <= intOr(store.get(Table::Sequence, pk, "last"), "seq", 0)) {/  if (false) {/ | edgecart_tests | Sync.*
refused-outcome-not-recorded | core/src/sync/sync_server.cpp | s/^    recordResult(tx, pk, seq, row(result));$// | edgecart_tests | Sync.*
push-validated-as-it-runs | core/src/sync/sync_server.cpp | s/^    checkCommands(commands);/    if (commands.is_null()) checkCommands(commands);/ | edgecart_tests | Sync.*
device-series-any-client | core/src/sync/sync_lease.cpp | s/    if (owner \&\& owner->at("clientId") != clientId) return CodeUse::None;// | edgecart_tests | Sync.*
leases-unbounded | core/src/sync/sync_lease.cpp | s/        if (outstanding >= h.cap) {/        if (false) {/ | edgecart_tests | Sync.*:SyncTrust.*
conflict-for-any-409 | core/src/sync/sync_server.cpp | s/  const bool strict = isVersionConflict(reason);/  const bool strict = status == 409 \&\& cmdBody.is_object() \&\& cmdBody.contains("version");/ | edgecart_tests | Sync.*
rebase-counts-answered-twice | core/src/sync/sync_client.cpp | s/    if (e->at("seq").get<int64_t>() <= answeredUpTo) return true;/    if (answeredUpTo < 0) return true;/ | edgecart_tests | Sync.*
retry-on-stale-version | core/src/sync/sync_client.cpp | s/    body\["version"\] = version;/    body["version"] = itemVersion(item);/ | edgecart_tests | Sync.*
utf8-unchecked | core/src/api/validate.cpp | s/  if (!isValidUtf8(out)) badRequest/  if (false) badRequest/ | edgecart_tests | BadInput.*:Cli.*
nul-ends-json | core/src/domain/money.cpp | s/  if (text.find('\\0') != std::string::npos) return/  if (false) return/ | edgecart_tests | BadInput.*
list-index-unused | core/src/api/lists.cpp | s/  } else if (engine.hasListIndex(pk, prefix)) {/  } else if (false) {/ | edgecart_tests | Orders.*
ack-before-save | web/src/persist.ts | s/^    this.syncing = true;$/&\n    for (const p of wrote) p.resolve();/ | node:test/node.test.js | acknowledged only after
archive-loaded-at-open | web/src/idbfiles.ts | s/    if (options.archive) return files;  .. its database is opened by the first save/    if (options.archive \&\& false) return files;/ | node:test/node.test.js | compaction archives the audit trail
idbfs-same-millisecond-unsaved | web/src/local.ts | s/        while (Date.now() <= started) await/        while (false \&\& Date.now() <= started) await/ | node:test/node.test.js | in the millisecond of the last save
state-saved-before-archive | web/src/local.ts | /^        await archive.save();$/{h;d}; /^        await state.save();$/G | node:test/node.test.js | saves the archive before the state
follower-write-replayed | web/src/tabs.ts | s/    if (p.writer === '' .. p.call.method === 'GET') {/    if (p.writer !== '#') {/ | node:test/browser.test.js | answer was lost with the writer
sync-token-tenant-unchecked | web/src/sync.ts | s/    if (claimed !== shopTenant) {/    if (claimed !== shopTenant \&\& claimed === '#') {/ | node:test/sync.test.js | another tenant
sync-error-swallowed | web/src/sync.ts | s/^        throw e;$// | node:test/sync.test.js | killed mid-push
sqlite-commit-row-by-row | server/src/sqlite_store.cpp | s/  const char\* begin = grouping_ ? "SAVEPOINT batch" : "BEGIN IMMEDIATE";/  const char* begin = grouping_ ? "SAVEPOINT batch" : "SELECT 1";/; s/  const char\* end = grouping_ ? "RELEASE batch" : "COMMIT";/  const char* end = grouping_ ? "RELEASE batch" : "SELECT 1";/ | edgecart_server_tests | Stores/StoreContract.ACommitThatFailsHalfWay*
half-record-kept | core/src/storage/file_store.cpp | s/    if (::ftruncate(fd_, static_cast<off_t>(segmentSize_)) != 0) closeSegment();/    (void)0;/ | edgecart_server_tests | Stores/StoreContract.ACommitThatFailsHalfWay*
sqlite-scan-whole-range | server/src/sqlite_store.cpp | s/  for (int page = 8;; page = std::min(page \* 4, 1024)) {/  for (int page = 1 << 30;;) {/ | edgecart_server_tests | SqliteStore.*:Stores/*
roles-unchecked | core/src/api/access.cpp | s/  if (role >= r.least) return;/  return;/ | edgecart_server_tests | HttpApi.EveryRoute*
own-rule-ignored | core/src/api/router.cpp | s/    if (r.own \&\& call.role == Role::Customer) {/    if (false) {/ | edgecart_tests | Api.OwnRoutes*
own-rule-without-user | core/src/api/router.cpp | s/      if (ctx.userId.empty()) forbidden(/      if (false) forbidden(/ | edgecart_tests | Api.OwnRoutes*
customer-pulls-the-tenant | core/src/sync/sync_pull.cpp | s/  if (roleOf(ctx) != Role::Customer) return true;/  return true;/ | edgecart_tests | SyncTrust.*
idempotency-key-ignored | core/src/api/router.cpp | s/      if (prior \&\& tx.nowMs() - prior->at("atMs").get<int64_t>() < kIdempotencyWindowMs) {/      if (false) {/ | edgecart_server_tests | HttpApi.AnIdempotencyKey*:HttpApi.OneConfirmation*
customer-sets-its-price | core/src/domain/orders.cpp | s/      if (hasPrice \&\& sent != listed) {/      if (false) {/ | edgecart_tests | Prices.*
customer-orders-inactive | core/src/domain/orders.cpp | s/    const bool forSale = product \&\& product->isActive;/    const bool forSale = product.has_value();/ | edgecart_tests | Prices.*
push-answer-leaks-rows | core/src/sync/sync_server.cpp | s/    if (item \&\& !visibleTo(ctx, \*item)) continue;// | edgecart_tests | SyncTrust.ARefused*
client-not-bound-to-user | core/src/sync/sync_server.cpp | s/  if (owner \&\& owner->at("userId") != ctx.userId) {/  if (false) {/ | edgecart_tests | SyncTrust.AClientId*
lease-cap-per-client-only | core/src/sync/sync_lease.cpp | s/customer ? kMaxOutstandingPerCustomer : kMaxOutstandingPerStaffUser,/customer ? kMaxOutstandingPerTenant : kMaxOutstandingPerStaffUser,/ | edgecart_tests | SyncTrust.Leases*
lease-freed-per-command | core/src/sync/sync_server.cpp | s/      tx.insertRow(Table::Sequence, pk, "used#" + c.orderCode, row(json::object()));// | edgecart_tests | SyncTrust.OneLeased*
customer-pull-scans-the-feed | core/src/sync/sync_pull.cpp | s/    if (roleOf(ctx) == Role::Customer \&\& store.get(Table::Sequence, feed, "scoped")) {/    if (false) {/ | edgecart_tests | SyncTrustCost.*
customer-names-another | core/src/api/access.cpp | s/      if (item.contains(who)) item\[who\] = "";/      (void)who;/ | edgecart_tests | SyncTrust.ACustomersPull*
static-symlink-escape | server/src/static_files.cpp | s/^  if (std::mismatch(base.begin(), base.end(), file.begin(), file.end()).first != base.end()) return -1;$// | edgecart_server_tests | HttpSite.OnlyRegularFiles*
lookup-keeps-old-keys | core/src/engine/engine.cpp | s/    if (!std::binary_search(after.begin(), after.end(), key)) write(Table::Sequence, lpk, rowOf(key, sk), nullptr);/    if (key.empty()) write(Table::Sequence, lpk, rowOf(key, sk), nullptr);/ | edgecart_tests | Catalogue.LookUps*
lookup-not-built-whole | core/src/engine/engine.cpp | s/    for (auto\& \[s, item\] : existing) {/    for (auto\& [s, item] : decltype(existing){}) {/ | edgecart_tests | Catalogue.AStoreMadeBefore*
search-ignores-other-words | core/src/api/lists.cpp | s/    if (words.empty()) return true;/    return true;/ | edgecart_tests | Catalogue.Search*
search-pages-repeat | core/src/api/lists.cpp | s/          if (w < word \&\& w.compare(0, scanned.size(), scanned) == 0) return true;/          if (false \&\& w < word \&\& w.compare(0, scanned.size(), scanned) == 0) return true;/ | edgecart_tests | Catalogue.ACategoryPages*
below-reserved-allowed | core/src/domain/inventory.cpp | s/  if (quantity < s.reservedQuantity) {/  if (false) {/ | edgecart_tests | Inventory.*
stored-stock-unchecked | core/src/domain/stored.h | s/  if (!ok) throw std::runtime_error(/  if (!ok \&\& it == object.end()) throw std::runtime_error(/ | edgecart_tests | Inventory.*:Reservations.*
reservation-state-guessed | core/src/domain/reservation.cpp | s/^  throw std::runtime_error("stored item " + sk + " has a state/  return ReservationState::None;\n  throw std::runtime_error("stored item " + sk + " has a state/ | edgecart_tests | Reservations.*
reservation-reason-not-stored | core/src/domain/reservation.cpp | 0,/^  if (!r.error.empty()) {$/s//  if (false) {/ | edgecart_tests | Reservations.*
product-price-type-unchecked | core/src/domain/catalog.cpp | s/  if (price == a.end() .. !price->is_number()) throw/  if (price == a.end()) throw/ | edgecart_tests | Products.*
product-tax-class-dropped | core/src/domain/catalog.cpp | s/^  if (p.taxClass) put(a, "taxClass", \*p.taxClass);$// | edgecart_tests | Products.*
product-old-price-checked-on-read | core/src/domain/catalog.cpp | s/^  p.price = \*price;$/  p.price = moneyToJson(parseMoney(*price, "the price of " + p.code, currencyOf(p.currency)), currencyOf(p.currency));/ | edgecart_tests | Products.*:FileStore.Format001*
product-newer-attributes-dropped | core/src/domain/catalog.cpp | s/^  json a = withOthers(p.others);$/  json a(json::value_t::object);/ | edgecart_tests | Products.*
order-status-unchecked | core/src/domain/order.cpp | s/^  if (!isOrderStatus(o.status)) malformed/  if (false) malformed/ | edgecart_tests | OrderItems.*
order-code-not-its-keys | core/src/domain/order.cpp | s/^  if (sk != std::string(kOrder) + "#" + o.code) {/  if (false) {/ | edgecart_tests | OrderItems.*
order-newer-attributes-dropped | core/src/domain/order.cpp | s/^  json a = withOthers(o.others);$/  json a(json::value_t::object);/ | edgecart_tests | OrderItems.*
others-walk-drops-unknown | core/src/domain/stored.cpp | s/^    if (k == end .. \*k != key) others.emplace/    if (k == end) others.emplace/ | edgecart_tests | OrderItems.*:Products.*:Reservations.*
inventory-newer-attributes-dropped | core/src/domain/inventory.cpp | s/^  json a = withOthers(s.others);$/  json a(json::value_t::object);/ | edgecart_tests | Reservations.*
reservation-newer-attributes-dropped | core/src/domain/reservation.cpp | s/^  json a = withOthers(r.others);$/  json a(json::value_t::object);/ | edgecart_tests | Reservations.*
reservation-rewrite-drops-others | core/src/domain/order_handler.cpp | s/^  if (before) r.others = before->others;$/  if (before) r.others = json();/ | edgecart_tests | Reservations.*
order-returned-quantity-dropped | core/src/domain/order.cpp | s/^  if (l.returnedQuantity) put(out, "returnedQuantity", \*l.returnedQuantity);$// | edgecart_tests | OrderItems.*
order-payment-given-dropped | core/src/domain/order.cpp | s/^    if (p.given) put(row, "given", \*p.given);$// | edgecart_tests | OrderItems.*
order-discount-percent-dropped | core/src/domain/order.cpp | s/^  if (d.percent) put(out, "percent", \*d.percent);$// | edgecart_tests | OrderItems.*
import-row-half-written | core/src/api/import.cpp | s/        if (quantity \&\& stockBefore) checkCoversReserved/        if (false) checkCoversReserved/ | edgecart_tests | Import.*
import-repeated-code | core/src/api/import.cpp | s/      if (!fresh) badRequest/      if (false) badRequest/ | edgecart_tests | Import.*
till-rereads-on-every-change | web/apps/till/till.js | s/^  if (unseen) {$/  if (true) {/ | node:test/apps.test.js | scanned barcode
store-waits-for-its-copy | web/apps/store/store.js | s/^  if (!complete \&\& navigator.onLine !== false) {$/  if (false) {/ | node:test/store.test.js | first visit shows a page
sealed-files-kept-in-memory | web/src/idbfiles.ts | s/        if (sealed(path) \&\& this.saved.has(path)) this.FS.truncate/        if (sealed(path) \&\& this.saved.has(path) \&\& path === '') this.FS.truncate/ | node:test/storage.test.js | not twice in memory
redirect-keeps-leading-slashes | server/src/http_server.cpp | s#      return redirect("/" + path.substr(path.find_first_not_of(./.)) + "/");#      return redirect(path + "/");# | edgecart_server_tests | HttpSite.AFolderAsked*
idempotency-key-scope-ambiguous | core/src/api/router.cpp | s/    keySk = std::to_string(ctx.userId.size()) + ":" + ctx.userId + "#" + key;/    keySk = ctx.userId + "#" + key;/ | edgecart_tests | Api.Idempotency*
query-parameters-unchecked | core/src/api/router.cpp | s/^    badRequest("query parameter " + echo(key) + " is not supported");$/    (void)key;/ | edgecart_tests | Api.Routes*
request-print-blind-to-body | core/src/api/router.cpp | s/  return sha256Hex(method + " " + target + " " + body.dump());/  return sha256Hex(method + " " + target + " " + std::string(body.is_object() ? "{}" : ""));/ | edgecart_tests | Idempotency.*
leased-code-reused-locally | core/src/sync/sync_client.cpp | /^std::string SyncClient::nextOrderCode/,/^}/s/    const int64_t next = std::max(l->at("next").get<int64_t>(), usedLocally + 1);/    const int64_t next = std::max(l->at("next").get<int64_t>(), usedLocally * 0 + 1);/ | edgecart_tests | Sync.ALeasedCode*
serverless-writes-skip-the-outbox | web/src/open.ts | s/^      else await local.resumeOutbox(context.tenant);$// | node:test/sync.test.js | opened without its server records
group-commit-off | server/src/core_loop.cpp | s/    const bool group = options_.groupCommit \&\& batch.size() > 1 \&\& core.store->groupsPushes();/    const bool group = false;/ | edgecart_server_tests | HttpGroupCommit.*
pg-down-at-start-exits | server/src/pg_store.cpp | s/    if (e.status() != 503) throw;/    throw;/ | edgecart_server_tests | HttpPg.*
live-updates-unscoped | server/src/live_updates.cpp | s/      if (m.tenant != s.tenant .. (s.customer \&\& !m.shared \&\& !m.customers.count(s.user))) continue;/      if (m.tenant != s.tenant) continue;/ | edgecart_server_tests | Live.*
live-updates-ignored | web/src/sync.ts | s/            if (\/^event: changed$\/m.test(event)) this.changed();/            void event;/ | node:test/sync.test.js | by live update
head-answered-with-a-body | server/src/http_transport.cpp | s/    if (req_.method == "HEAD") r.headOnly = true;  .. whichever part answered it/    (void)0;/ | edgecart_server_tests | HttpLimits.Head*
live-updates-not-announced | server/src/pg_store.cpp | s/"SELECT pg_notify($1, $2)"/"SELECT $1::text, $2::text"/ | edgecart_server_tests | LivePg.*
strict-stock-ignored | core/src/api/routes.cpp | s/      if (held \&\& held->reservation.state == ReservationState::None) {/      if (false) {/ | edgecart_server_tests | HttpApi.TheOrderAnswer*
rebase-as-another-caller | core/src/sync/sync_client.cpp | s/    Context c = callerOf(tenant_, \*e);/    Context c{tenant_, "sync", {"admin"}};/ | edgecart_tests | Sync.ACustomers*
confirmation-given-twice | core/src/sync/sync_client.cpp | s/      if (outcomeOnly.contains("notifications") \&\& entry->contains("notified")) {/      if (false) {/ | node:test/sync.test.js | confirmed once
accepted-rows-not-refreshed | core/src/sync/sync_server.cpp | s/      if (!stale.empty()) rec\["current"\] = std::move(stale);/      if (ok.changes.empty()) rec["current"] = std::move(stale);/ | edgecart_tests | Sync.AnAccepted*
replay-sends-old-rows | core/src/sync/sync_server.cpp | s/      if (r.contains("current") \&\& r\["current"\].is_object()) {/      if (false) {/ | edgecart_tests | Sync.AReplayed*
module-takes-the-process | wasm_bindings/CMakeLists.txt | s/^  -sNODEJS_CATCH_REJECTION=0$// | node:test/node.test.js | leaves the host process alone
chunk-bytes-kept-after-read | web/src/idbfiles.ts | s/      read: (path) => this.release(\[path\]),/      read: () => {},/ | node:test/storage.test.js | loads each chunk from IndexedDB
instantiate-failure-unheard | web/src/module.ts | s/^  return Promise.race(\[create(loader), failed\]);$/  return (void failed, create(loader));/ | node:test/node.test.js | compiled elsewhere
instantiate-failure-leaves-loader-waiting | web/src/module.ts | s/^        try { loader.abort?.(String(e)); } catch/        try { void loader; } catch/ | node:test/node.test.js | compiled elsewhere
loader-made-before-the-compile | web/src/module.ts | s/^  const module = await compiled;$/  void create({ ...settings, instantiateWasm: () => ({}) });\n&/ | node:test/node.test.js | compiled elsewhere
pages-not-preloaded | web/scripts/build-apps.mjs | s/^  writeFileSync(page, html.replace/  if (false) writeFileSync(page, html.replace/ | node:test/apps.test.js | landing page
open-loads-every-chunk | web/src/local.ts | s/IdbFiles.read(stateDir, stateDir, CHUNKS, OPEN_HINT)/IdbFiles.read(stateDir, stateDir)/ | node:test/storage.test.js | loads each chunk from IndexedDB
chunk-call-not-run-again | web/src/local.ts | s/      if (wanted.chunks.length === 0 /      if (wanted.chunks.length >= 0 / | node:test/storage.test.js | loads each chunk from IndexedDB
chunk-gone-from-idb-unreported | web/src/idbfiles.ts | s/^    if (missing.length) {$/    if (missing.length \&\& false) {/ | node:test/storage.test.js | chunk gone from IndexedDB
close-does-not-wait | web/src/local.ts | s/      if (this.queue) await this.queue.close();  .. what was submitted is saved; nothing new starts/      if (this.queue) void this.queue.close();/ | node:test/storage.test.js | close saves every write
update-takes-over-at-once | web/apps/sw.js | s/^  if (!self.registration.active) self.skipWaiting();$/  self.skipWaiting();/ | node:test/apps.test.js | a new build takes over only
sale-without-a-drawer | web/apps/till/till.js | s/ .. !drawer?.open;$/ \&\& true;/ | node:test/till-day.test.js | a whole day at the till
stock-screen-open-to-a-cashier | web/apps/till/stock.js | s/^    return this.staff ? this.list.load() : this.render();$/    return this.staff ? this.list.load() : undefined;/ | node:test/apps.test.js | staff create a product
expectations-ignored | server/include/edgecart_server/server_store.h | s/  bool checksExpectations() const override { return true; }/  bool checksExpectations() const override { return false; }/ | edgecart_server_tests | Databases/ScaleOut.*
pg-expectation-unchecked | server/src/pg_store.cpp | s/  IF cur IS DISTINCT FROM seen THEN/  IF false THEN/ | edgecart_server_tests | Databases/ScaleOut.*postgresql
sqlite-expectation-unchecked | server/src/sqlite_store.cpp | s/^    if (!holds) {$/    if (!holds \&\& false) {/ | edgecart_server_tests | Databases/ScaleOut.*sqlite
stale-refusal-answered | core/src/engine/engine.cpp | s/  return e.status() < 500 \&\& store_/  return e.status() < 0 \&\& store_/ | edgecart_server_tests | Databases/ScaleOut.ARefusal*
retries-unbounded | core/src/engine/engine.cpp | s/  if (attempt >= kMaxAttempts) {/  if (attempt >= 100 * kMaxAttempts) {/ | edgecart_server_tests | Databases/ScaleOut.ARequestThatAlways*
push-command-not-reattempted | core/src/sync/sync_server.cpp | s/results.push_back(shop_.engine().attempt(\[\&\] { return runCommand(ctx, clientId, cmd); }));/results.push_back(runCommand(ctx, clientId, cmd));/ | edgecart_server_tests | Databases/ScaleOut.TheSamePush*
save-rewrites-whole-files | web/src/idbfiles.ts | s/            if (had !== undefined \&\& from >= had) {/            if (had !== undefined \&\& from > Infinity) {/ | node:test/storage.test.js | a save writes only the new log bytes
durability-ignored | web/src/idbfiles.ts | s/{ durability: this.options.durability ?? 'strict' }/{}/ | node:test/storage.test.js | strict durability unless
idbfs-store-dropped | web/src/idbdatabase.ts | s/      if (!db.objectStoreNames.contains(IDBFS_STORE)) return;/      return;/ | node:test/storage.test.js | migrated, never dropped
piece-gap-ignored | web/src/idbdatabase.ts | s/^    if (offset !== size) {/    if (false) {/ | node:test/storage.test.js | a piece missing
webhook-claim-ignored | server/src/webhooks.cpp | s/    if (head.contains("claimBy") \&\& head\["claimBy"\] != me \&\& head.value("claimUntilMs", int64_t{0}) > now) return std::nullopt;// | edgecart_server_tests | Webhooks.TwoProcesses*
webhook-private-reached | server/src/webhook_client.cpp | s/      if (!request.allowPrivate \&\& !publicAddress(a)) {/      if (false) {/ | edgecart_server_tests | Webhooks.AnAddressThatTurnsPrivate*
webhook-signature-without-time | server/src/webhooks.cpp | s/  const std::string signedText = t + "." + body;/  const std::string signedText = body;/ | node:test/webhooks.test.js | fails then recovers
webhook-never-disabled | server/src/webhooks.cpp | s/          if (now - sub\["failingSinceMs"\].get<int64_t>() >= options.giveUpSeconds \* 1000 \&\& sub.value("enabled", false)) {/          if (false) {/ | edgecart_server_tests | Webhooks.ADeliveryFailing*:Webhooks.ADeliveryIsRetried*
webhook-give-up-from-the-event | server/src/webhooks.cpp | s/          const int64_t since = sub\["failingSinceMs"\].get<int64_t>();/          const int64_t since = delivery.value("createdAtMs", now);/ | edgecart_server_tests | Webhooks.ADeliveryIsRetried*
webhook-one-at-a-time | server/include/edgecart_server/webhooks.h | s/  size_t maxInFlight = 64; /  size_t maxInFlight = 1;  / | edgecart_server_tests | Webhooks.AReceiverThatHangs*
webhook-secret-listed | server/src/webhooks.cpp | s/^  out.erase("secret");$// | edgecart_server_tests | Webhooks.OnlyAnAdmin*
webhook-any-staff | server/src/webhook_routes.cpp | s/    if (roleOf(ctx) != Role::Admin) throw/    if (roleOf(ctx) < Role::Cashier) throw/ | edgecart_server_tests | Webhooks.OnlyAnAdmin*
pg-one-connection | server/src/http_server.cpp | s/  const size_t cores = options_.pgUrl.empty() ? 1 : std::max<size_t>(1, options_.pgConnections);/  const size_t cores = 1;/ | edgecart_server_tests | HttpPg.ARequestWaiting*
tenant-on-two-cores | server/src/http_server_internal.h | s/return j.tenant.empty() .. !busy.count(j.tenant);/(void)j; return true;/ | edgecart_server_tests | HttpPg.OneTenants*
webhook-enable-resets-head | server/src/webhook_routes.cpp | s/          if (in.enabled \&\& \*in.enabled != s.value("enabled", false)) {/          if (in.enabled) {/ | edgecart_server_tests | Webhooks.ChangingAnEnabled*
webhook-claim-kept-at-stop | server/src/webhooks.cpp | s/^  impl_->releaseClaims();$// | edgecart_server_tests | Webhooks.AServerStopped*
retention-evicts-live-orders | core/src/domain/retention.cpp | s/  if (status == a->end() .. (\*status != "delivered" \&\& \*status != "cancelled")) return false;/  if (status == a->end()) return false;/ | edgecart_tests | Retention*
retention-keeps-reservations | core/src/domain/retention.cpp | s/^      if (hasReservation) tx.putRow(Table::Data, pk, reservation, nullptr);$/      if (false \&\& hasReservation) tx.putRow(Table::Data, pk, reservation, nullptr);/ | edgecart_tests | Retention*
retention-evicts-unsynced | core/src/sync/sync_client.cpp | s/    rows.insert(key.substr(sizeof kBase - 1));/    (void)key;/ | edgecart_tests | RetentionSync*
retention-ignores-refused-commands | core/src/sync/sync_client.cpp | s/    for (const json\& sk : p->at("command").value("touched", json::array())) rows.insert(sk.get<std::string>());/    (void)p;/ | edgecart_tests | RetentionSync*
evicted-not-answered | web/src/local.ts | s/      return result.status === 404 \&\& call.method === 'GET' ? this.fromArchive(call, result) : result;/      return result;/ | node:test/storage.test.js | a final order leaves
evicted-shown-to-any-customer | web/src/local.ts | s/    if (!staff \&\& item.attributes?.customerId !== call.user) return notFound;// | node:test/storage.test.js | a final order leaves
evicted-unsaved-not-answered | web/src/idbfiles.ts | s/    if (pending !== undefined) return pending;/    if (pending === Symbol()) return pending;/ | node:test/storage.test.js | move to the archive failed
first-append-rewrites-the-segment | web/src/fswatch.ts | s/        const at = (stream.flags \& O_APPEND) ? FS.stat(stream.path).size/        const at = false ? FS.stat(stream.path).size/ | node:test/storage.test.js | a save writes only the new log bytes
EOF
)

wanted=()
since=
list=0
if [ "${1:-}" = --since ]; then
  since=${2:?--since needs a commit}
  [ "${3:-}" = --list ] && list=1
elif [ $# -gt 0 ]; then
  wanted=("$@")
fi

# With --since: the files changed since REF, the GoogleTest suites those files define, and the
# mutant lines REF already had. A REF this clone does not have selects every mutant.
changed=() suites=() known=()
declare -A knownLine=()
if [ -n "$since" ]; then
  if git cat-file -e "$since^{commit}" 2>/dev/null; then
    mapfile -t changed < <(git diff --name-only "$since" HEAD)
    mapfile -t suites < <(for f in "${changed[@]}"; do
      case "$f" in tests/*.cpp|server/tests/*.cpp) [ -e "$f" ] && sed -nE 's/^TEST(_F|_P)?\(([A-Za-z0-9_]+),.*/\2/p' "$f" ;; esac
    done | sort -u)
    mapfile -t known < <(git show "$since:scripts/mutants.sh" | grep -E '^[a-z0-9-]+ [|] ')
    for l in "${known[@]}"; do knownLine["$l"]=1; done
    echo "== mutants: those a change since $(git rev-parse --short "$since") can affect (${#changed[@]} files changed)"
  else
    echo "== mutants: $since is not in this clone; every mutant runs"
    since=
  fi
fi
# Whether a mutant (its name, files, test and filter) runs under --since.
affected() {
  local name=$1 test=$3 filter=$4 f s pattern fs patterns
  # New or changed since REF: its line is not one of REF's.
  local line
  line=$(grep -E "^$name [|] " scripts/mutants.sh)
  [ -n "${knownLine[$line]:-}" ] || return 0
  IFS=',' read -r -a fs <<<"$2"
  for f in "${changed[@]}"; do
    for s in "${fs[@]}"; do [ "$f" = "$s" ] && return 0; done
    [[ "$test" == node:* && "$f" == "web/${test#node:}" ]] && return 0
  done
  [[ "$test" == node:* ]] && return 1
  # A gtest filter is ':'-separated patterns of Suite.Test; a suite matches the part before '.'.
  IFS=':' read -r -a patterns <<<"$filter"
  for pattern in "${patterns[@]}"; do
    pattern=${pattern%%.*}
    for s in "${suites[@]}"; do
      # shellcheck disable=SC2053  # the pattern is a glob on purpose
      [[ "$s" == $pattern ]] && return 0
    done
  done
  return 1
}
scratch=$(mktemp -d /tmp/edgecart-mutants.XXXXXX)
cleanup() { git worktree remove --force "$scratch" >/dev/null 2>&1 || rm -rf "$scratch"; }
trap cleanup EXIT
# The PostgreSQL cases of the server suite need a cluster, as under ctest (tests/CMakeLists.txt).
pgdir=$(mktemp -d /tmp/ecpg.XXXXXX)
scripts/pg-cluster.sh start "$pgdir" -c fsync=off >/dev/null
export EDGECART_TEST_PG="host=$pgdir user=edgecart"
trap 'cleanup; scripts/pg-cluster.sh stop "$pgdir"' EXIT
git worktree add --detach -q "$scratch" HEAD
echo "== mutants: scratch copy of $(git rev-parse --short HEAD) in $scratch"
# The first mutant that runs builds the scratch copy.
built=0
build_scratch() {
  [ "$built" = 1 ] && return
  (cd "$scratch" && cmake --preset release -DEDGECART_BUILD_BENCHMARKS=OFF >/dev/null &&
   cmake --build --preset release -j "$jobs" --target edgecart_tests edgecart_server_tests >/dev/null)
  built=1
}

killed=0
skipped=0
failed=()
while IFS='|' read -r name file expr binary filter; do
  name=$(echo "$name" | xargs); file=$(echo "$file" | xargs); binary=$(echo "$binary" | xargs); filter=$(echo "$filter" | xargs)
  expr=$(echo "$expr" | sed 's/^ *//; s/ *$//')
  [ -n "$name" ] || continue
  if [ ${#wanted[@]} -gt 0 ] && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
  # One or more files (comma-separated); the expression must change each of them.
  IFS=',' read -r -a files <<<"$file"
  if [ -n "$since" ] && ! affected "$name" "$file" "$binary" "$filter"; then
    for f in "${files[@]}"; do
      if sed "$expr" "$scratch/$f" | cmp -s "$scratch/$f" -; then
        echo "mutant $name: DID NOT APPLY to $file (the code moved: update the mutant)"
        failed+=("$name")
      fi
    done
    skipped=$((skipped + 1))
    continue
  fi
  if [ "$list" = 1 ]; then echo "$name"; continue; fi
  build_scratch
  applied=1
  for f in "${files[@]}"; do
    cp -p "$scratch/$f" "$scratch/$f.orig"
    sed -i "$expr" "$scratch/$f"
    if cmp -s "$scratch/$f" "$scratch/$f.orig"; then applied=0; fi
  done
  restore() {
    # Back to the original, newer than the mutant's object file so the next build recompiles it.
    for f in "${files[@]}"; do cp "$scratch/$f.orig" "$scratch/$f" && rm "$scratch/$f.orig" && touch "$scratch/$f"; done
  }
  if [ "$applied" = 0 ]; then
    echo "mutant $name: DID NOT APPLY to $file (the code moved: update the mutant)"
    failed+=("$name")
    restore
    continue
  fi
  if [[ "$binary" == node:* ]]; then
    if [ ! -e "$scratch/web/node_modules" ]; then
      ln -s "$PWD/web/node_modules" "$scratch/web/node_modules"
      (cd "$scratch" && cmake --build --preset release -j "$jobs" --target edgecart-server >/dev/null)
    fi
    # The package and the server the Node tests start: a mutant of either (and the one restored
    # before it) is in what runs.
    build=(bash -c "npm --prefix web run build && cmake --build --preset release -j $jobs --target edgecart-server")
    run=(timeout 600 node --test --test-name-pattern="$filter" "${binary#node:}")
    rundir="$scratch/web"
  else
    build=(cmake --build --preset release -j "$jobs" --target "$binary")
    run=(timeout 600 "./build/release/tests/$binary" --gtest_filter="$filter" --gtest_brief=1)
    rundir="$scratch"
  fi
  if ! (cd "$scratch" && "${build[@]}" >"$scratch/build.log" 2>&1); then
    echo "mutant $name: DOES NOT COMPILE (a mutant must change behaviour, not break the build)"
    grep -m3 -E "error" "$scratch/build.log" || true
    failed+=("$name")
  elif (cd "$rundir" && "${run[@]}" >"$scratch/test.log" 2>&1); then
    if grep -qE '^# pass 0$|Running 0 tests' "$scratch/test.log"; then
      echo "mutant $name: ITS FILTER MATCHES NO TEST (${run[*]})"
    else
      echo "mutant $name: SURVIVED (${run[*]} passed with it)"
    fi
    failed+=("$name")
  elif [ "$?" = 124 ]; then
    echo "mutant $name: killed (its tests did not finish in 600 s: a hang is a failure)"
    killed=$((killed + 1))
  else
    first=$(grep -m1 -E '^\[  FAILED  \] [A-Za-z]|^not ok [0-9]+ - ' "$scratch/test.log" | sed 's/^\[  FAILED  \] //; s/^not ok [0-9]* - //; s/ (.*//' || true)
    echo "mutant $name: killed by ${first:-a failing test}"
    killed=$((killed + 1))
  fi
  restore
done <<<"$MUTANTS"

if [ ${#failed[@]} -gt 0 ]; then
  echo "mutants: $killed killed, ${#failed[@]} not: ${failed[*]}" >&2
  exit 1
fi
if [ "$list" = 1 ]; then
  echo "mutants: $skipped not affected (they apply)"
elif [ "$skipped" -gt 0 ]; then
  echo "mutants: all $killed run killed; $skipped not affected since $(git rev-parse --short "$since") (they apply)"
else
  echo "mutants: all $killed killed"
fi
