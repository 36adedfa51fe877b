#pragma once
// The store that keeps everything in RAM: nothing survives the process (tests, benchmarks, the
// module's memory storage).
//
// Each row is kept as its stored bytes, the values of log format 004 (docs/storage-format.md,
// "Values"), and decoded when read, as the file log keeps its state: an order's rows take about a
// fifth of the memory their JSON trees took (docs/benchmarks.md, "The ninth stop of issue 27").
// The command and data rows of one write share one copy of the bytes, and the trees of the last
// rows read are kept (a thousand at most), so a hot row is not decoded at each read.

#include <cstdint>
#include <memory>
#include <string>

#include "edgecart/engine/store.h"

namespace edgecart {

class RowCache;

class MemoryStore : public Store {
 public:
  MemoryStore();
  ~MemoryStore() override;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  Value get(Table t, const std::string& pk, const std::string& sk) const override;
  void scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
            const RowVisitor& visit) const override;
  void scanBackward(Table t, const std::string& pk, const std::string& prefix, const std::string& before,
                    const RowVisitor& visit) const override;
  void commit(const Batch& batch) override;

  // Non-empty batches committed so far: a refused request must not add one (fuzz targets).
  uint64_t batchesCommitted() const { return batches_; }
  // Every row as its stored bytes (immutable, shared by the rows that hold the same value): what
  // a fuzz target compares before and after a refused request.
  using Bytes = std::shared_ptr<const std::string>;
  const RowMaps<Bytes>& rows() const { return rows_; }

 private:
  RowMaps<Bytes> rows_;
  std::unique_ptr<RowCache> cache_;
  uint64_t batches_ = 0;
};

}  // namespace edgecart
