// The edgecart command-line tool, run as a real process over a data directory.

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "test_util.h"

namespace edgecart::testing {
namespace {

struct CliRun {
  int exitCode;
  std::string out;
};

CliRun runCli(const std::string& args, const std::string& input = "") {
  TempDir scratch;
  const std::string in = scratch.path() + "/stdin";
  std::ofstream(in) << input;
  const std::string cmd = std::string(EDGECART_CLI) + " " + args + " < " + in + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

std::string quote(const json& j) { return "'" + j.dump() + "'"; }

TEST(Cli, RequestsPersistBetweenRuns) {
  TempDir dir;
  const std::string base = "--data " + dir.path() + " --tenant shop-a ";
  EXPECT_EQ(runCli(base + "request POST /products " + quote(productRequest("PRD-001"))).exitCode, 0);
  EXPECT_EQ(runCli(base + "request PATCH /inventory/PRD-001 '{\"quantity\":10}'").exitCode, 0);
  CliRun order = runCli(base + "request POST /orders " + quote(seedOrderRequest()));
  ASSERT_EQ(order.exitCode, 0) << order.out;
  json line = json::parse(order.out);
  EXPECT_EQ(line["status"], 201);
  EXPECT_EQ(line["body"]["code"], "ORD-000001");
  CliRun inv = runCli(base + "request GET /inventory/PRD-001");
  EXPECT_EQ(json::parse(inv.out)["body"]["attributes"]["reservedQuantity"], 2);
  CliRun missing = runCli(base + "request GET /orders/ORD-000404");
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_EQ(json::parse(missing.out)["status"], 404);
}

TEST(Cli, ImportTakesAFileOfAnySizeInOneCommitAndReportsItsBadRows) {
  TempDir dir;
  const std::string base = "--data " + dir.path() + " --tenant shop-a ";
  // 15,000 rows: more than the API's 1 MiB a request.
  std::string csv = "code,name,categoryCode,sku,price,currency,quantity\n";
  for (int i = 0; i < 15000; ++i) {
    const std::string n = std::to_string(i);
    csv += "P" + n + ",\"Imported product number " + n + ", large\",CAT" + std::to_string(i % 40) + ",49" + n + ",1.25,USD," + n + "\n";
  }
  csv += "BAD ROW,x,y,z,1,USD,1\n";
  const std::string file = dir.path() + "/catalogue.csv";
  std::ofstream(file) << csv;
  ASSERT_GT(csv.size(), 1u << 20);
  const CliRun r = runCli(base + "import " + file);
  EXPECT_EQ(r.exitCode, 1) << r.out;  // one row was refused
  const json report = json::parse(r.out);
  EXPECT_EQ(report["created"], 15000);
  EXPECT_EQ(report["rejected"][0]["line"], 15002);
  const json found = json::parse(runCli(base + "request GET '/products?sku=4914999&include=stock'").out);
  EXPECT_EQ(found["body"]["items"][0]["inventory"]["attributes"]["quantity"], 14999);
  std::ofstream(dir.path() + "/bad.csv") << "code,name\n\xff\n";
  EXPECT_EQ(runCli(base + "import " + dir.path() + "/bad.csv").exitCode, 1);
  EXPECT_EQ(runCli(base + "import " + dir.path() + "/bad.txt").exitCode, 2);  // no format
}

TEST(Cli, StdinModeAnswersOneLinePerRequest) {
  TempDir dir;
  std::string input;
  input += json{{"tenant", "shop-a"}, {"method", "POST"}, {"path", "/products"}, {"body", productRequest("P")}}.dump() + "\n";
  input += json{{"tenant", "shop-b"}, {"method", "GET"}, {"path", "/products"}}.dump() + "\n";
  input += "not json\n";
  input += json{{"tenant", "shop-a"}, {"method", "GET"}, {"path", "/products/P"}}.dump() + "\n";
  CliRun r = runCli("--data " + dir.path(), input);
  ASSERT_EQ(r.exitCode, 0) << r.out;
  std::istringstream lines(r.out);
  std::vector<json> out;
  for (std::string l; std::getline(lines, l);) out.push_back(json::parse(l));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]["status"], 201);
  EXPECT_EQ(out[1]["body"]["items"], json::array());
  EXPECT_EQ(out[2]["status"], 400);
  EXPECT_EQ(out[3]["body"]["code"], "P");
}

TEST(Cli, VerifyReportsAHealthyLogAndDetectsAFlippedByte) {
  TempDir dir;
  const std::string base = "--data " + dir.path() + " --tenant shop-a ";
  for (int i = 0; i < 3; ++i) runCli(base + "request POST /products " + quote(productRequest("P" + std::to_string(i))));
  CliRun ok = runCli("--data " + dir.path() + " verify");
  ASSERT_EQ(ok.exitCode, 0) << ok.out;
  json report = json::parse(ok.out);
  EXPECT_EQ(report["records"], 3);
  EXPECT_EQ(report["segments"], 1);

  const std::string seg = dir.path() + "/" + report["files"][0]["file"].get<std::string>();
  std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(40);
  f.put('\x7f');
  f.close();
  CliRun bad = runCli("--data " + dir.path() + " verify");
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_EQ(json::parse(bad.out)["ok"], false);
  EXPECT_NE(bad.out.find("checksum mismatch"), std::string::npos);
  CliRun refused = runCli(base + "request GET /products");
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_NE(refused.out.find("damaged"), std::string::npos);
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(runCli("request GET /products").exitCode, 2);
  EXPECT_EQ(runCli("--data /tmp/x --bogus").exitCode, 2);
}

// Two edgecart processes on one data directory: the second is refused with a clear error while
// the first has it open (both used to write, acknowledging the same order codes twice and leaving
// a log that no longer opens).
TEST(Cli, ASecondProcessOnTheSameDataDirectoryIsRefused) {
  TempDir dir;
  const std::string base = "--data " + dir.path() + " --tenant shop-a ";
  ASSERT_EQ(runCli(base + "request POST /products " + quote(productRequest("PRD-001"))).exitCode, 0);
  ASSERT_EQ(runCli(base + "request PATCH /inventory/PRD-001 '{\"quantity\":10}'").exitCode, 0);
  // A stdin session keeps the store open until its input ends.
  FILE* session = popen((std::string(EDGECART_CLI) + " " + base + " > /dev/null 2>&1").c_str(), "w");
  ASSERT_NE(session, nullptr);
  bool held = false;
  for (int i = 0; i < 200 && !held; ++i) {  // until the session holds the lock
    const int fd = ::open((dir.path() + "/LOCK").c_str(), O_RDONLY);
    held = fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0;
    if (fd >= 0) ::close(fd);
    if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(held) << "the stdin session never locked the store";
  const CliRun second = runCli(base + "request POST /orders " + quote(seedOrderRequest()));
  EXPECT_EQ(second.exitCode, 1) << second.out;
  EXPECT_NE(second.out.find("is open in another process"), std::string::npos) << second.out;
  fputs((json{{"method", "POST"}, {"path", "/orders"}, {"body", seedOrderRequest()}}.dump() + "\n").c_str(), session);
  EXPECT_EQ(pclose(session), 0);
  // Afterwards: one order, the log opens, the next order is the second number.
  const CliRun next = runCli(base + "request POST /orders " + quote(seedOrderRequest()));
  ASSERT_EQ(next.exitCode, 0) << next.out;
  EXPECT_EQ(json::parse(next.out)["body"]["code"], "ORD-000002");
  EXPECT_EQ(runCli("--data " + dir.path() + " verify").exitCode, 0);
}

// A query key or path that percent-decodes to invalid UTF-8 is a 400, and a stdin session
// carries on after it (it used to abort on an uncaught type_error.316).
TEST(Cli, InvalidUtf8InAUrlIs400AndTheSessionGoesOn) {
  TempDir dir;
  const CliRun one = runCli("--data " + dir.path() + " --tenant shop-a request GET '/orders?%C0%AF=1'");
  EXPECT_EQ(one.exitCode, 1) << one.out;
  EXPECT_EQ(json::parse(one.out)["status"], 400) << one.out;
  std::string input;
  for (const char* path : {"/orders?%C0%AF=1", "/products/%ED%A0%80", "/products"}) {
    input += json{{"tenant", "shop-a"}, {"method", "GET"}, {"path", path}}.dump() + "\n";
  }
  const CliRun session = runCli("--data " + dir.path(), input);
  ASSERT_EQ(session.exitCode, 0) << session.out;
  std::istringstream lines(session.out);
  std::vector<int> statuses;
  for (std::string l; std::getline(lines, l);) statuses.push_back(json::parse(l)["status"]);
  EXPECT_EQ(statuses, (std::vector<int>{400, 400, 200}));
}

}  // namespace
}  // namespace edgecart::testing
