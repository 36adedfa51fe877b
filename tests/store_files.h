#pragma once
// Helpers of the FileStore tests (file_store_test.cpp, snapshot_test.cpp): store directories as
// maps of file bytes, a shop on a directory, and checks that a damaged directory is refused.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "edgecart/engine/error.h"
#include "edgecart/storage/log_format.h"
#include "test_util.h"

namespace edgecart::testing {

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;  // file name -> bytes, as dirBytes returns
using Rows = std::map<std::string, std::string>;   // "table|sk" -> value

inline const std::string kPk = "TENANT#shop-a";
inline const Context kCtx{"shop-a", "user-1", {"admin"}};

inline FileStoreOptions fast(size_t segmentBytes = 64 * 1024, size_t compactMinBytes = size_t{1} << 30) {
  FileStoreOptions o;
  o.segmentBytes = segmentBytes;
  o.compactMinBytes = compactMinBytes;
  o.fsync = false;
  return o;
}

inline Value val(json j) { return std::make_shared<const json>(std::move(j)); }

inline std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeDir(const std::string& dir, const Files& files) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& [name, bytes] : files) {
    fs::create_directories((fs::path(dir) / name).parent_path());
    std::ofstream(fs::path(dir) / name, std::ios::binary) << bytes;
  }
}

inline std::vector<std::string> named(const Files& files, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [name, bytes] : files) {
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  return out;
}

// Every row of the tenant, in every table.
template <class S>
Rows rowsOf(const S& store) {
  Rows rows;
  for (int t = 0; t < kTableCount; ++t) {
    store.scan(static_cast<Table>(t), kPk, "", "", [&](const std::string& sk, const Value& v) {
      rows[std::string(tableName(static_cast<Table>(t))) + "|" + sk] = v->dump();
      return true;
    });
  }
  return rows;
}

inline std::unique_ptr<Shop> openShop(const std::string& dir, FileStoreOptions options) {
  return Shop::openDirectory(dir, options, {}, std::make_unique<ManualClock>(kSeedTime));
}

inline Response call(Shop& shop, const std::string& method, const std::string& path, const json& body) {
  return shop.handle(kCtx, method, path, body.is_null() ? "" : body.dump());
}

// A product with plenty of stock and `orders` seed orders, every third one confirmed.
inline void fill(Shop& shop, int orders) {
  ASSERT_EQ(call(shop, "POST", "/products", productRequest("PRD-001")).status, 201);
  ASSERT_EQ(call(shop, "PATCH", "/inventory/PRD-001", {{"quantity", 1000000}}).status, 200);
  for (int i = 1; i <= orders; ++i) {
    Response r = call(shop, "POST", "/orders", seedOrderRequest());
    ASSERT_EQ(r.status, 201);
    if (i % 3 == 0) {
      ASSERT_EQ(call(shop, "PATCH", "/orders/" + r.body["code"].get<std::string>() + "/status",
                     {{"status", "confirmed"}}).status, 200);
    }
  }
}

// A log of several orders in sealed segments, then an active segment that ends with an order,
// a status change and two inventory changes.
inline Files buildLog(const std::string& dir) {
  auto shop = openShop(dir, fast(8 * 1024));
  fill(*shop, 0);
  while (named(dirBytes(dir), "seg-").size() < 2) call(*shop, "POST", "/orders", seedOrderRequest());
  EXPECT_EQ(call(*shop, "PATCH", "/orders/ORD-000001/status", {{"status", "confirmed"}}).status, 200);
  for (int i = 0; i < 4; ++i) call(*shop, "PATCH", "/inventory/PRD-001", {{"quantityDelta", 1}});
  return dirBytes(dir);
}

// Opening must fail with a 500 naming `file`, leave the directory exactly as it was, and say
// the same through verifyStore.
// verify reports fatal damage in `file`.
inline void expectVerifyFinds(const std::string& dir, const std::string& file) {
  const json report = verifyStore(dir);
  EXPECT_FALSE(report["ok"].get<bool>()) << report.dump(2);
  bool found = false;
  for (const json& d : report["damage"]) found = found || (d["file"] == file && d["fatal"] == true);
  EXPECT_TRUE(found) << "no fatal damage entry for " << file << ": " << report.dump(2);
}

inline void expectRefused(const std::string& dir, const std::string& file, FileStoreOptions options = fast()) {
  const Files before = dirBytes(dir);
  expectVerifyFinds(dir, file);
  try {
    FileStore::open(dir, options);
    ADD_FAILURE() << "FileStore::open accepted a damaged " << file;
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
  EXPECT_THROW(openShop(dir, options), ApiError);
  EXPECT_TRUE(dirBytes(dir) == before) << "a failed open changed the directory";
}

// A store damaged inside a chunk of its snapshot (its size whole): verify reports the chunk; an
// open succeeds (it reads no chunk, not even of the ranges its log writes to); the first read that
// needs the chunk, and a read of `key` (a row of its range) after it, throw 500 naming the file and
// `detail`; nothing in the directory changes. (A commit reads no chunk: one of a row the call did
// not read first lands, and the reads of the range go on failing.)
inline void expectRefusedWhenRead(const std::string& dir, const std::string& file, const std::string& detail,
                                  const std::string& key, FileStoreOptions options = fast()) {
  const Files before = dirBytes(dir);
  expectVerifyFinds(dir, file);
  {
    auto store = FileStore::open(dir, options);
    auto expectNamed = [&](const char* what, const std::function<void()>& fn) {
      try {
        fn();
        ADD_FAILURE() << what << " took rows of a damaged " << file;
      } catch (const ApiError& e) {
        EXPECT_EQ(e.status(), 500) << what;
        EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << what << ": " << e.what();
        EXPECT_NE(std::string(e.what()).find(detail), std::string::npos) << what << ": " << e.what();
      }
    };
    expectNamed("a read", [&] { (void)rowsOf(*store); });
    expectNamed("a second read", [&] { (void)store->get(Table::Data, kPk, key); });
  }
  EXPECT_TRUE(dirBytes(dir) == before) << "reading a damaged chunk changed the directory";
}

// 40 rows of 40 bytes (K#00 to K#39), compacted into chunks of `o.chunkBytes` (200: about four
// rows each); the directory's files.
inline Files smallChunks(const std::string& dir, FileStoreOptions o) {
  auto store = FileStore::open(dir, o);
  char sk[8];
  for (int i = 0; i < 40; ++i) {
    std::snprintf(sk, sizeof sk, "K#%02d", i);
    store->commit({{Table::Data, kPk, sk, val(std::string(40, 'x'))}});
  }
  store->compact();
  return dirBytes(dir);
}

}  // namespace edgecart::testing
