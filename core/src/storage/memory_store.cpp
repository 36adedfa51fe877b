#include "edgecart/storage/memory_store.h"

#include <vector>

#include "edgecart/storage/log_format.h"
#include "row_cache.h"

namespace edgecart {

MemoryStore::MemoryStore() : cache_(std::make_unique<RowCache>()) {}
MemoryStore::~MemoryStore() = default;

Value MemoryStore::get(Table t, const std::string& pk, const std::string& sk) const {
  if (Value kept = cache_->find(t, pk, sk)) return kept;  // a kept row is there: a delete drops it
  const Bytes* bytes = rows_.find(t, pk, sk);
  if (!bytes) return nullptr;
  Value value = std::make_shared<const json>(logfmt::decodeValue(**bytes));
  cache_->keep(t, pk, sk, value);
  return value;
}

void MemoryStore::scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
                       const RowVisitor& visit) const {
  rows_.forward(t, pk, prefix, after, [&](const std::string& sk, const Bytes& bytes) {
    return visit(sk, std::make_shared<const json>(logfmt::decodeValue(*bytes)));
  });
}

void MemoryStore::scanBackward(Table t, const std::string& pk, const std::string& prefix,
                               const std::string& before, const RowVisitor& visit) const {
  rows_.backward(t, pk, prefix, before, [&](const std::string& sk, const Bytes& bytes) {
    return visit(sk, std::make_shared<const json>(logfmt::decodeValue(*bytes)));
  });
}

void MemoryStore::commit(const Batch& batch) {
  if (batch.empty()) return;
  // Encoded whole before any row changes: the batch commits all or nothing. Rows holding one
  // value keep one copy of its bytes. (Not through toRaw: the rows' keys need no copies here.)
  const std::vector<uint32_t> first = logfmt::firstRowOfValue(batch);
  std::vector<Bytes> bytes(batch.size());
  for (uint32_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].value) continue;
    bytes[i] = first[i] != i ? bytes[first[i]] : std::make_shared<const std::string>(logfmt::encodeValue(*batch[i].value));
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    const Put& p = batch[i];
    rows_.set(p.table, p.pk, p.sk, std::move(bytes[i]));
    cache_->written(p.table, p.pk, p.sk, p.value);
  }
  ++batches_;
}

}  // namespace edgecart
