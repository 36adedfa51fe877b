// HS256 tokens: what the server accepts as a caller and everything it refuses with 401.

#include <gtest/gtest.h>

#include "edgecart/engine/error.h"
#include "edgecart_server/jwt.h"

namespace edgecart {
namespace {

using nlohmann::json;
const std::string kSecret = "test-secret";
constexpr int64_t kNow = 1800000000;

int refusal(const std::string& token, const std::string& secret = kSecret) {
  try {
    verifyJwt(token, secret, kNow);
  } catch (const ApiError& e) {
    return e.status();
  }
  return 0;
}

TEST(Jwt, AValidTokenYieldsUserTenantAndRoles) {
  const Claims c = verifyJwt(signJwt({{"sub", "u1"}, {"custom:tenant", "shop-a"}, {"custom:roles", {"admin", "till"}},
                                      {"exp", kNow + 60}, {"nbf", kNow - 60}}, kSecret),
                             kSecret, kNow);
  EXPECT_EQ(c.sub, "u1");
  EXPECT_EQ(c.tenant, "shop-a");
  EXPECT_EQ(c.roles, (std::vector<std::string>{"admin", "till"}));
  EXPECT_EQ(verifyJwt(signJwt({{"sub", "u"}, {"custom:roles", "a,b"}}, kSecret), kSecret, kNow).roles,
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(verifyJwt(signJwt({{"sub", "u"}}, kSecret), kSecret, kNow).tenant, "") << "no tenant: the server answers 403";
}

TEST(Jwt, ACommaListOfRolesMayHaveSpacesAroundEachRole) {
  auto roles = [](const json& list) {
    return verifyJwt(signJwt({{"sub", "u"}, {"custom:roles", list}}, kSecret), kSecret, kNow).roles;
  };
  EXPECT_EQ(roles("cashier, manager"), (std::vector<std::string>{"cashier", "manager"}));
  EXPECT_EQ(roles(" admin ,\ttill\t,, ,"), (std::vector<std::string>{"admin", "till"}));
  EXPECT_EQ(roles("  "), std::vector<std::string>{});
}

TEST(Jwt, EveryBadTokenIsRefusedWith401) {
  const std::string good = signJwt({{"sub", "u1"}, {"custom:tenant", "shop-a"}}, kSecret);
  EXPECT_EQ(refusal(good), 0);
  EXPECT_EQ(refusal(good, "another-secret"), 401);
  std::string flipped = good;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(refusal(flipped), 401);
  // alg "none" with no signature, and a token re-signed claiming another tenant without the key.
  const std::string none = base64url(R"({"alg":"none"})") + "." + base64url(R"({"sub":"u","custom:tenant":"x"})") + ".";
  EXPECT_EQ(refusal(none), 401);
  const size_t dot = good.find('.');
  const std::string swapped = good.substr(0, dot) + "." + base64url(R"({"sub":"u1","custom:tenant":"shop-b"})") +
                              good.substr(good.rfind('.'));
  EXPECT_EQ(refusal(swapped), 401);
  EXPECT_EQ(refusal(signJwt({{"sub", "u"}, {"exp", kNow - 1}}, kSecret)), 401);
  EXPECT_EQ(refusal(signJwt({{"sub", "u"}, {"nbf", kNow + 60}}, kSecret)), 401);
  EXPECT_EQ(refusal(signJwt({{"custom:tenant", "shop-a"}}, kSecret)), 401) << "no sub";
  EXPECT_EQ(refusal(signJwt({{"sub", "u"}, {"exp", "tomorrow"}}, kSecret)), 401);
  // A header whose alg is not a string (a number, null, an array, an object) or is missing is
  // refused like any other algorithm: 401, never a 500.
  for (const char* header : {R"({"alg":5})", R"({"alg":null})", R"({"alg":["HS256"]})", R"({"alg":{"x":1}})",
                             R"({"typ":"JWT"})"}) {
    EXPECT_EQ(refusal(base64url(header) + good.substr(dot)), 401) << header;
  }
  for (const char* junk : {"", "abc", "a.b", "a.b.c.d", "....", "%%%.%%%.%%%"}) EXPECT_EQ(refusal(junk), 401) << junk;
}

TEST(Jwt, Base64urlRoundTripsAndRejectsJunk) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00", 3)}) {
    std::string back;
    ASSERT_TRUE(fromBase64url(base64url(s), &back)) << s;
    EXPECT_EQ(back, s);
    EXPECT_EQ(base64url(s).find_first_of("+/="), std::string::npos);
  }
  std::string out;
  EXPECT_FALSE(fromBase64url("a", &out));
  EXPECT_FALSE(fromBase64url("ab+c", &out));
  EXPECT_FALSE(fromBase64url("ab!c", &out));
}

}  // namespace
}  // namespace edgecart
