// Values of log format 004 (core/src/storage/values.cpp, docs/storage-format.md "Values"): every
// item reads back as itself, values of any shape too, the bytes of one value are pinned, and an
// encoding this version does not know is refused as damage.

#include <cstdio>

#include "store_files.h"

namespace edgecart::testing {
namespace {

// Format 004 values: every item the API writes decodes to itself, and is much smaller than its
// plain MessagePack (field names one byte, the fields its other fields give left out).
TEST(ValueEncoding, EveryItemOfAShopDecodesToItselfAndIsSmallerThanPlainMessagePack) {
  TempDir dir;
  auto shop = openShop(dir.path(), fast());
  ASSERT_EQ(call(*shop, "POST", "/products", productRequest("PRD-001")).status, 201);
  ASSERT_EQ(call(*shop, "PATCH", "/inventory/PRD-001", {{"quantity", 10}}).status, 200);
  ASSERT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).status, 201);
  ASSERT_EQ(call(*shop, "PATCH", "/orders/ORD-000001/status", {{"status", "cancelled"}}).status, 200);
  size_t keyed = 0, plain = 0, items = 0;
  for (const auto& [key, value] : rowsOf(shop->store())) {
    const json item = json::parse(value);
    const std::string bytes = logfmt::encodeValue(item);
    EXPECT_EQ(logfmt::decodeValue(bytes), item) << key;
    keyed += bytes.size();
    plain += json::to_msgpack(item).size();
    if (item.contains("attributes")) ++items;
  }
  EXPECT_GT(items, 8u);
  EXPECT_LT(keyed * 10, plain * 7) << "keyed " << keyed << " bytes, plain " << plain;
}

// What the encoding cannot hold, it writes as plain MessagePack; what it leaves out, it leaves out
// only when the item gives it back exactly.
TEST(ValueEncoding, ValuesOfAnyShapeDecodeToThemselves) {
  const json item = {{"pk", "TENANT#shop-a"}, {"sk", "ORDER#ORD-000001"}, {"id", "TENANT#shop-a#ORDER#ORD-000001"},
                     {"code", "ORD-000001"}, {"type", "ORDER"}, {"tenantCode", "shop-a"}, {"version", 3}};
  std::vector<json> values = {
      item, json(nullptr), json(true), json(-1), json(-40), json(-200), json(-40000), json(-3000000000LL),
      json(127), json(200), json(70000), json(5000000000ULL), json(29.99), json(0.5), json(1e300), json("text"),
      json(std::string(40, 'x')), json(std::string(300, 'y')), json(std::string(70000, 'z')), json::array(),
      json(std::vector<int>(20, 7)), json(std::vector<int>(70000, 1)), json::object(),
      json{{"notAKnownKey", 1}, {"quantity", {1, 2}}, {"x", {{"status", nullptr}}}},
      json{{std::string(1, '\x80'), 1}},  // a key a keyed value could not tell from key 0
      json{{"\xc3\xa9", "accented"}}};
  for (const char* field : {"id", "sk", "tenantCode"}) {
    json other = item;
    other[field] = "not-what-the-others-give";
    values.push_back(other);
    other.erase(field);
    values.push_back(other);
  }
  for (const auto& [field, text] : {std::pair<const char*, const char*>{"sk", "ORDER_ORD-000001"},
                                    {"id", "TENANT#shop-a_ORDER#ORD-000001"}}) {
    json other = item;  // what the others give but for the "#" between them: not left out
    other[field] = text;
    values.push_back(other);
  }
  json big;
  for (int i = 0; i < 20; ++i) big["k" + std::to_string(i)] = i;
  values.push_back(big);
  for (const json& v : values) {
    const std::string bytes = logfmt::encodeValue(v);
    EXPECT_EQ(logfmt::decodeValue(bytes), v) << v.dump().substr(0, 200);
    const std::vector<uint8_t> plain = json::to_msgpack(v);  // as 001-003 wrote it
    EXPECT_EQ(logfmt::decodeValue(std::string(plain.begin(), plain.end())), v);
  }
}

std::string hexOf(const std::string& bytes) {
  std::string out;
  char buf[3];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

// The bytes of a keyed value are the format: the key table only ever grows, so a value written
// today reads the same in every later version. Worked out by hand from docs/storage-format.md:
// 0xC1, flags 7 (sk, id and tenantCode left out), a map of 5: attributes (key 11) -> {quantity
// (24): 2, status (29): "pending"}, code (3), pk (0), type (7), version (5). A value that names
// one key twice, or ends short, is damage too.
TEST(ValueEncoding, AKeyedValueIsTheBytesFormat004PromisesAndAnUnknownOneIsDamage) {
  const json item = {{"pk", "TENANT#a"}, {"sk", "ORDER#O1"}, {"id", "TENANT#a#ORDER#O1"}, {"code", "O1"},
                     {"type", "ORDER"}, {"tenantCode", "a"}, {"version", 1},
                     {"attributes", {{"status", "pending"}, {"quantity", 2}}}};
  const std::string bytes = logfmt::encodeValue(item);
  EXPECT_EQ(hexOf(bytes), "c10785a18b82a19802a19da770656e64696e67a183a24f31a180a854454e414e542361a187a54f52444552a18501");
  EXPECT_EQ(logfmt::decodeValue(bytes), item);
  std::string unknownFlag = bytes;
  unknownFlag[1] = '\x0f';
  EXPECT_THROW(logfmt::decodeValue(unknownFlag), std::exception);
  std::string unknownKey = bytes;
  unknownKey[4] = '\xff';  // key 127: not in this version's table
  EXPECT_THROW(logfmt::decodeValue(unknownKey), std::exception);
  std::string twice = bytes;
  twice.replace(twice.find("\xa1\x98"), 2, "\xa1\x9d");  // quantity's key byte made status's: status twice
  EXPECT_THROW(logfmt::decodeValue(twice), std::exception);
  for (size_t cut = 3; cut < bytes.size(); cut += 7) {
    EXPECT_THROW(logfmt::decodeValue(bytes.substr(0, cut)), std::exception) << cut;  // torn short
  }
  std::string noCode = logfmt::encodeValue(item);
  noCode.replace(noCode.find("\xa1\x83\xa2O1"), 5, "\xa1\x84\xa2O1");  // "name" where "code" was: sk cannot be derived
  EXPECT_THROW(logfmt::decodeValue(noCode), std::exception);
}

// Every key of the table is written as its one byte, found whatever keys share its length and
// first byte; a key the table does not hold (empty, of another length, up to far past the longest
// known one, or one letter off a known one) is written whole and reads back as itself.
TEST(ValueEncoding, EveryKnownKeyIsItsOneByteAndAnyOtherKeyIsWrittenWhole) {
  int known = 0;
  for (int i = 0; i < 128; ++i) {
    // {key i: 1}, keyed, nothing left out: decoded, the key is named; encoded again, the same bytes.
    const std::string bytes = std::string("\xc1\x00\x81\xa1", 4) + static_cast<char>(0x80 + i) + "\x01";
    json value;
    try {
      value = logfmt::decodeValue(bytes);
    } catch (const std::exception&) {
      break;  // past the table's end
    }
    ++known;
    const std::string key = value.begin().key();
    EXPECT_EQ(hexOf(logfmt::encodeValue(value)), hexOf(bytes)) << key;
    for (std::string other : {key + "x", key.substr(0, key.size() - 1) + "~"}) {
      const json whole = {{other, 1}};
      const std::string written = logfmt::encodeValue(whole);
      EXPECT_NE(written.find(other), std::string::npos) << other;
      EXPECT_EQ(logfmt::decodeValue(written), whole) << other;
    }
  }
  EXPECT_GE(known, 115);
  for (const std::string& key : {std::string(), std::string(31, 'k'), std::string(32, 'k'), std::string(300, 's')}) {
    const json value = {{key, 1}, {"status", "pending"}};
    const std::string written = logfmt::encodeValue(value);
    EXPECT_NE(written.find(key), std::string::npos) << key.size();
    EXPECT_EQ(logfmt::decodeValue(written), value) << key.size();
  }
}

// The memory store keeps each row as its format-004 bytes (storage/memory_store.h), and the rows
// of one write that hold one value (an item's command and data rows) share one copy of them.
TEST(MemoryStore, KeepsEachRowAsItsBytesAndTheRowsOfOneValueShareThem) {
  MemoryStore store;
  const Value item = std::make_shared<const json>(json{{"code", "A"}, {"version", 1}, {"attributes", {{"quantity", 2}}}});
  store.commit({{Table::Command, "P", "A@1", item}, {Table::Data, "P", "A", item}});
  const MemoryStore::Bytes* command = store.rows().find(Table::Command, "P", "A@1");
  const MemoryStore::Bytes* data = store.rows().find(Table::Data, "P", "A");
  ASSERT_TRUE(command && data);
  EXPECT_EQ(command->get(), data->get()) << "one copy of the bytes for both rows";
  EXPECT_EQ(**data, logfmt::encodeValue(*item));
  EXPECT_EQ(store.get(Table::Data, "P", "A")->dump(), item->dump());
  EXPECT_EQ(store.get(Table::Command, "P", "A@1")->dump(), item->dump());
}

// A batch's rows that hold one value (the same Value: an item's command and data rows, every
// look-up row its one mark) wherever they stand in it, each pointing at the first of them; a
// delete and an equal value that is another Value stand alone. The file log's records and the
// memory store keep such a value once by it.
TEST(MemoryStore, RowsThatHoldOneValueKeepItOnceWhereverTheyStand) {
  const Value mark = std::make_shared<const json>(json::object());
  const Value item = std::make_shared<const json>(json{{"code", "A"}, {"version", 1}});
  const Value equal = std::make_shared<const json>(*item);  // equal, but not the same value
  const Batch batch = {{Table::Data, "P", "A", item},           // 0
                       {Table::Sequence, "L", "w:a", mark},     // 1
                       {Table::Sequence, "L", "w:b", nullptr},  // 2: a delete
                       {Table::Command, "P", "A@1", item},      // 3
                       {Table::Sequence, "L", "w:c", mark},     // 4
                       {Table::Data, "P", "B", equal},          // 5
                       {Table::Sequence, "L", "w:d", mark}};    // 6
  EXPECT_EQ(logfmt::firstRowOfValue(batch), (std::vector<uint32_t>{0, 1, 2, 0, 1, 5, 1}));

  MemoryStore store;
  store.commit(batch);
  const auto bytesOf = [&](const Put& p) { return store.rows().find(p.table, p.pk, p.sk); };
  EXPECT_EQ(bytesOf(batch[2]), nullptr);
  EXPECT_EQ(bytesOf(batch[3])->get(), bytesOf(batch[0])->get());
  EXPECT_EQ(bytesOf(batch[4])->get(), bytesOf(batch[1])->get());
  EXPECT_EQ(bytesOf(batch[6])->get(), bytesOf(batch[1])->get());
  EXPECT_NE(bytesOf(batch[5])->get(), bytesOf(batch[0])->get()) << "an equal value of its own keeps its own bytes";
  EXPECT_EQ(**bytesOf(batch[5]), **bytesOf(batch[0]));
  for (const Put& p : batch) {
    if (p.value) {
      EXPECT_EQ(store.get(p.table, p.pk, p.sk)->dump(), p.value->dump()) << p.sk;
    }
  }

  const logfmt::RawBatch raw = logfmt::toRaw(batch);
  const std::vector<uint32_t> sameAs = {logfmt::kNoOp, logfmt::kNoOp, logfmt::kNoOp, 0, 1, logfmt::kNoOp, 1};
  for (size_t i = 0; i < raw.size(); ++i) {
    EXPECT_EQ(raw[i].sameAs, sameAs[i]) << i;
    EXPECT_EQ(raw[i].erase, i == 2) << i;
    if (i != 2) {
      EXPECT_EQ(raw[i].bytes, logfmt::encodeValue(*batch[i].value)) << i;
    }
  }
}

}  // namespace
}  // namespace edgecart::testing
