#pragma once
// Shared helpers for the core suites: a shop with a frozen clock, request shorthands, and the
// seed's example request.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "edgecart/api/shop.h"

namespace edgecart::testing {

// 2024-01-15T10:30:00.000Z, the seed's placedAt.
constexpr int64_t kSeedTime = 1705314600000;

inline const json& seedOrderRequest() {
  static const json j = json::parse(R"({
    "customerId": "CUST-001",
    "items": [{"productCode": "PRD-001", "name": "Wireless Mouse", "quantity": 2, "price": 29.99}],
    "shippingAddress": {"street": "123 Main St", "city": "Tokyo", "postalCode": "100-0001",
                        "country": "JP"},
    "paymentMethod": "credit_card"})");
  return j;
}

inline json productRequest(const std::string& code, double price = 29.99) {
  return {{"code", code}, {"name", "Product " + code}, {"categoryCode", "ACC"},
          {"sku", "SKU-" + code}, {"price", price}, {"currency", "USD"}};
}

inline json orderRequest(const std::vector<std::pair<std::string, int>>& lines) {
  json j = seedOrderRequest();
  j["items"] = json::array();
  for (const auto& [code, n] : lines) {
    j["items"].push_back({{"productCode", code}, {"name", code}, {"quantity", n}, {"price", 10}});
  }
  return j;
}

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::mt19937_64 rng(std::random_device{}());
    path_ = (std::filesystem::temp_directory_path() /
             ("edgecart-test-" + std::to_string(rng()))).string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Every file of a directory, name -> bytes: "byte-for-byte unchanged" comparisons. The store's
// empty LOCK file (what a writer flock()s) is not content and is left out.
inline std::map<std::string, std::string> dirBytes(const std::string& dir,
                                                   const std::string& prefix = "") {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = prefix + e.path().filename().string();
    if (name == "LOCK") continue;
    if (e.is_directory()) {  // e.g. archive/: its files as "archive/<name>"
      for (auto& [sub, bytes] : dirBytes(e.path().string(), name + "/")) out[sub] = std::move(bytes);
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    out[name] = ss.str();
  }
  return out;
}

// A shop on a frozen clock, plus request shorthands that default to tenant shop-a.
class ShopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    shop_ = Shop::inMemory({}, std::make_unique<ManualClock>(kSeedTime));
  }

  Response req(const std::string& method, const std::string& path, const json& body = nullptr,
               const std::string& tenant = "shop-a") {
    return shop_->handle({tenant, "user-1", {"admin"}}, method, path, body.is_null() ? "" : body.dump());
  }
  Response raw(const std::string& method, const std::string& path, const std::string& body,
               const std::string& tenant = "shop-a") {
    return shop_->handle({tenant, "user-1", {"admin"}}, method, path, body);
  }

  // The stored data item `sk` of shop-a (null if absent), and the same replaced by `changed`, as
  // another version of the code might have written it.
  Value storedItem(const std::string& sk) { return shop_->store().get(Table::Data, tenantPk("shop-a"), sk); }
  void storeAs(const std::string& sk, const json& changed) {
    shop_->store().commit(Batch{Put{Table::Data, tenantPk("shop-a"), sk, std::make_shared<const json>(changed)}});
  }

  // Creates a product with `quantity` units in stock.
  void stock(const std::string& code, int quantity, const std::string& tenant = "shop-a") {
    ASSERT_EQ(req("POST", "/products", productRequest(code), tenant).status, 201);
    ASSERT_EQ(req("PATCH", "/inventory/" + code, {{"quantity", quantity}}, tenant).status, 200);
  }
  json inventory(const std::string& code, const std::string& tenant = "shop-a") {
    Response r = req("GET", "/inventory/" + code, nullptr, tenant);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body["attributes"];
  }
  std::string setStatus(const std::string& code, const std::string& status) {
    Response r = req("PATCH", "/orders/" + code + "/status", {{"status", status}});
    return std::to_string(r.status) + " " + r.body.value("message", "");
  }

  std::unique_ptr<Shop> shop_;
};

}  // namespace edgecart::testing
