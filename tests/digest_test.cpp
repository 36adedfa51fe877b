// SHA-256 (digest.h) and what it guards: a request under an Idempotency-Key is known by its
// SHA-256, so a body crafted to share the CRC-32 of an earlier one is not answered as it.

#include <random>

#include "edgecart/engine/digest.h"
#include "edgecart/storage/log_format.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

TEST(Digest, Sha256MatchesTheFips180Vectors) {
  for (auto* f : {&sha256Hex, &sha256HexPortable}) {
    EXPECT_EQ(f(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(f("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(f("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(f(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
}

// The log's CRC-32 takes eight bytes a step: it must equal the definition (one bit a step, the
// reflected polynomial) at every length, alignment and tail, and give the standard check value.
TEST(Digest, Crc32EqualsItsBitwiseDefinitionAtEveryLengthAndOffset) {
  auto bitwise = [](const unsigned char* p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
      c ^= p[i];
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return c ^ 0xFFFFFFFFu;
  };
  EXPECT_EQ(logfmt::crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(logfmt::crc32("", 0), 0u);
  std::mt19937 rng(11);
  std::string bytes(300, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  for (size_t offset = 0; offset < 8; ++offset) {
    std::vector<size_t> lengths(73);
    for (size_t n = 0; n < lengths.size(); ++n) lengths[n] = n;  // every tail, up to nine 8-byte steps
    lengths.push_back(bytes.size() - offset);
    for (size_t n : lengths) {
      ASSERT_EQ(logfmt::crc32(data + offset, n), bitwise(data + offset, n)) << "offset " << offset << ", length " << n;
    }
  }
}

TEST(Digest, ThePortableSha256AgreesWithOpenSslAtEveryLengthAroundABlock) {
  std::mt19937 rng(7);
  for (size_t n = 0; n <= 300; ++n) {
    std::string text(n, '\0');
    for (char& c : text) c = static_cast<char>(rng());
    ASSERT_EQ(sha256HexPortable(text), sha256Hex(text)) << "length " << n;
  }
}

// Two order bodies of one length whose request texts share a CRC-32: the paymentMethod of the
// second differs in the low bits of ten characters, chosen so the CRC's difference cancels (CRC
// is affine over GF(2): crc(m ^ d) ^ crc(m) depends on d alone).
std::pair<json, json> crcTwins() {
  json one = seedOrderRequest();
  one["paymentMethod"] = std::string(10, '`');  // 0x60: any low 4 bits keep it a letter or '`'
  const std::string text = "POST /orders " + one.dump();
  const size_t at = text.find(std::string(10, '`'));
  auto crc = [](const std::string& t) { return logfmt::crc32(t.data(), t.size()); };
  const uint32_t base = crc(text);
  // 40 unknowns (10 characters × 4 bits), 32 equations: a non-zero combination summing to 0.
  std::vector<std::pair<uint32_t, uint64_t>> basis;  // reduced column, which bits make it
  for (int k = 0; k < 40; ++k) {
    std::string flipped = text;
    flipped[at + k / 4] = static_cast<char>(flipped[at + k / 4] ^ (1 << (k % 4)));
    uint32_t v = crc(flipped) ^ base;
    uint64_t mask = uint64_t{1} << k;
    for (const auto& [bv, bm] : basis) {
      if ((v ^ bv) < v) v ^= bv, mask ^= bm;  // reduce by the basis vector's top bit
    }
    if (v == 0) {
      json two = one;
      std::string method = two["paymentMethod"];
      for (int j = 0; j < 40; ++j) {
        if (mask >> j & 1) method[j / 4] = static_cast<char>(method[j / 4] ^ (1 << (j % 4)));
      }
      two["paymentMethod"] = method;
      return {one, two};
    }
    basis.emplace_back(v, mask);
    std::sort(basis.begin(), basis.end(), std::greater<>());
  }
  ADD_FAILURE() << "no combination found";
  return {one, one};
}

class Idempotency : public ShopTest {};

TEST_F(Idempotency, ABodyCraftedToShareTheCrcOfAnEarlierOneIsNotAnsweredAsIt) {
  stock("PRD-001", 10);
  const auto [one, two] = crcTwins();
  const std::string a = "POST /orders " + one.dump(), b = "POST /orders " + two.dump();
  ASSERT_NE(a, b);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(logfmt::crc32(a.data(), a.size()), logfmt::crc32(b.data(), b.size()));
  Context ctx{"shop-a", "till-1", {"cashier"}};
  ctx.idempotencyKey = "sale-42";
  const Response first = shop_->handle(ctx, "POST", "/orders", one.dump());
  ASSERT_EQ(first.status, 201) << first.body.dump();
  const Response crafted = shop_->handle(ctx, "POST", "/orders", two.dump());
  EXPECT_FALSE(crafted.replayed);
  EXPECT_EQ(crafted.status, 422) << crafted.body.dump();
  EXPECT_EQ(crafted.body["code"], "IDEMPOTENCY_KEY_REUSED");
  EXPECT_TRUE(shop_->handle(ctx, "POST", "/orders", one.dump()).replayed);
}

}  // namespace
}  // namespace edgecart::testing
