// The rules the JavaScript package shares with the core are generated from the core's tables
// (api/rules.h): the checked-in web/src/rules.ts must be what the core generates now.

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "edgecart/api/rules.h"
#include "edgecart/engine/error.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

TEST(Rules, TheCheckedInTypeScriptIsWhatTheCoreGenerates) {
  std::ifstream in(EDGECART_FIXTURES "/../../web/src/rules.ts");
  ASSERT_TRUE(in) << "web/src/rules.ts is missing";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), typeScriptRules())
      << "web/src/rules.ts is not the core's rules: run ./build/release/cli/edgecart rules > web/src/rules.ts";
}

TEST(Rules, EveryErrorCodeAndStatusIsListedOnce) {
  std::set<std::string> codes;
  for (const ErrorCodeRule& r : errorCodeRules()) EXPECT_TRUE(codes.insert(r.code).second) << r.code;
  for (const StatusRule& r : statusRules()) {
    if (r.defaultCode) {
      EXPECT_TRUE(codes.count(r.defaultCode)) << r.status << " defaults to an unlisted code";
    }
  }
  EXPECT_STREQ(statusText(409), "Conflict");
  EXPECT_STREQ(statusText(502), "Bad Gateway");
  EXPECT_STREQ(defaultErrorCode(418), "VALIDATION_FAILED");
  EXPECT_STREQ(defaultErrorCode(504), "INTERNAL_ERROR");
}


// The domain takes typed inputs and never includes the API (docs/design.md, "Layers"): no file
// under core/src/domain or core/include/edgecart/domain names an api/ header.
TEST(Layering, TheDomainNeverIncludesTheApi) {
  namespace fs = std::filesystem;
  const fs::path core = fs::path(EDGECART_FIXTURES) / ".." / ".." / "core";
  int files = 0;
  for (const fs::path& dir : {core / "src" / "domain", core / "include" / "edgecart" / "domain"}) {
    for (const auto& e : fs::directory_iterator(dir)) {
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      EXPECT_EQ(text.str().find("edgecart/api/"), std::string::npos) << e.path() << " includes the API";
      ++files;
    }
  }
  EXPECT_GT(files, 10);
}
}  // namespace
}  // namespace edgecart::testing
