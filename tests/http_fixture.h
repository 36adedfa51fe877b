#pragma once
// The HTTP suites' fixture: a real edgecart-server process on 127.0.0.1 with its own database,
// tokens signed for it, and a call() that answers {status, body}.

#include <httplib.h>

#include "edgecart/sync/sync.h"
#include "edgecart_server/jwt.h"
#include "server_process.h"
#include "test_util.h"

namespace edgecart::testing {

inline const std::string kSecret = "http-test-secret";

// A token of `tenant` (none if empty) for `user` with `roles` (a till run by an admin unless said).
inline std::string token(const std::string& tenant, const std::string& user = "u1", const std::string& secret = kSecret,
                  const json& roles = json::array({"admin"})) {
  json claims = {{"sub", user}, {"exp", 4102444800}};
  if (!tenant.empty()) claims["custom:tenant"] = tenant;
  if (!roles.empty()) claims["custom:roles"] = roles;
  return signJwt(claims, secret);
}

struct Answer {
  int status = 0;
  json body;
  httplib::Headers headers = {};
};

class Http : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void start() {
    server_ = std::make_unique<ServerProcess>(dir_.path() + "/edgecart.db", kSecret, dir_.path() + "/access.log");
  }
  Answer call(const std::string& method, const std::string& path, const std::string& body = "",
              const std::string& bearer = token("shop-a"), httplib::Headers headers = {}) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(20, 0);
    if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
    httplib::Result r = method == "GET"     ? c.Get(path.c_str(), headers)
                        : method == "POST"  ? c.Post(path.c_str(), headers, body, "application/json")
                        : method == "PATCH" ? c.Patch(path.c_str(), headers, body, "application/json")
                        : method == "PUT"   ? c.Put(path.c_str(), headers, body, "application/json")
                        : method == "OPTIONS" ? c.Options(path.c_str(), headers)
                                            : c.Delete(path.c_str(), headers);
    if (!r) return {-1, nullptr};
    return {r->status, r->body.empty() ? json() : json::parse(r->body, nullptr, false), r->headers};
  }
  void stock(const std::string& bearer = token("shop-a"), int quantity = 10) {
    ASSERT_EQ(call("POST", "/products", productRequest("PRD-001").dump(), bearer).status, 201);
    ASSERT_EQ(call("PATCH", "/inventory/PRD-001", json{{"quantity", quantity}}.dump(), bearer).status, 200);
  }
  std::vector<std::string> accessLog() {
    std::ifstream in(dir_.path() + "/access.log");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace edgecart::testing
