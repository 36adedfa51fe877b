// edgecart: the core router over a data directory, for scripting and inspection.
//
//   edgecart --data DIR [--tenant T] [--user U] request METHOD PATH [JSON]
//   edgecart --data DIR [--tenant T] [--user U]          (JSON lines on stdin)
//   edgecart --data DIR verify
//   edgecart --data DIR compact
//   edgecart --data DIR [--tenant T] import FILE [csv|jsonl]
//   edgecart rules                       (the TypeScript rules module, web/src/rules.ts)

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <iostream>
#include <string>
#include <vector>

#include "edgecart/engine/error.h"
#include "edgecart/storage/file_store.h"
#include "edgecart/api/rules.h"
#include "edgecart/api/shop.h"

namespace {

using edgecart::json;

constexpr char kUsage[] =
    "usage: edgecart --data DIR [--tenant T] [--user U] [--no-fsync] [COMMAND]\n"
    "  request METHOD PATH [JSON]  answer one request: {\"status\": N, \"body\": ...}\n"
    "  (no command)                read {\"tenant\",\"method\",\"path\",\"body\"} lines from stdin,\n"
    "                              write one {\"status\",\"body\"} line per request (a line may\n"
    "                              set \"user\" and \"roles\"; the CLI calls as admin by default)\n"
    "  verify                      check every log file; exit 1 if damage would stop an open\n"
    "  compact                     write a snapshot and drop the log segments it covers\n"
    "  import FILE [csv|jsonl]     upsert products and stock from a CSV or JSON-lines file (the\n"
    "                              format from the name's .csv / .jsonl / .ndjson if not given);\n"
    "                              prints the report; exit 1 if a row was refused\n"
    "usage: edgecart rules           print the rules the JS package shares with the core, as the\n"
    "                              TypeScript module web/src/rules.ts\n";

struct Options {
  std::string data, tenant = "default", user = "cli";
  bool fsync = true;
  std::vector<std::string> command;
};

int usage(const std::string& problem) {
  std::cerr << "edgecart: " << problem << "\n" << kUsage;
  return 2;
}

// One answer line. Invalid UTF-8 in a body (which the core never produces) is replaced rather
// than allowed to end the process: a stdin session must outlive any one request.
std::string line(const edgecart::Response& r) {
  return json{{"status", r.status}, {"body", r.body}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

int serveStdin(edgecart::Shop& shop, const Options& o) {
  std::string text;
  while (std::getline(std::cin, text)) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    json req = text.find('\0') == std::string::npos ? json::parse(text, nullptr, false)
                                                     : json(json::value_t::discarded);
    edgecart::Response r;
    if (req.is_discarded() || !req.is_object() || !req.value("method", json()).is_string() ||
        !req.value("path", json()).is_string()) {
      r.status = 400;
      r.body = edgecart::errorBody(400, "each line must be a JSON object with string method and path");
    } else {
      // The CLI is the operator's tool on its own data directory: every right, unless a line says.
      edgecart::Context ctx{o.tenant, o.user, {"admin"}};
      if (req.contains("tenant")) ctx.tenantCode = req["tenant"].is_string() ? req["tenant"].get<std::string>() : "";
      if (req.contains("user") && req["user"].is_string()) ctx.userId = req["user"];
      if (req.contains("roles") && req["roles"].is_array()) {
        ctx.roles.clear();
        for (const json& role : req["roles"]) {
          if (role.is_string()) ctx.roles.push_back(role.get<std::string>());
        }
      }
      const json& b = req.value("body", json());
      const std::string body = b.is_null() ? "" : b.is_string() ? b.get<std::string>() : b.dump();
      r = shop.handle(ctx, req["method"], req["path"], body);
    }
    std::cout << line(r) << "\n" << std::flush;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--data") o.data = value();
    else if (a == "--tenant") o.tenant = value();
    else if (a == "--user") o.user = value();
    else if (a == "--no-fsync") o.fsync = false;
    else if (a == "--help" || a == "-h") { std::cout << kUsage; return 0; }
    else if (!a.empty() && a[0] == '-' && o.command.empty()) return usage("unknown option " + a);
    else o.command.push_back(a);
  }
  if (o.command.size() == 1 && o.command[0] == "rules" && o.data.empty()) {
    std::cout << edgecart::typeScriptRules();
    return 0;
  }
  if (o.data.empty()) return usage("--data DIR is required");

  if (!o.command.empty() && o.command[0] == "verify") {
    const json report = edgecart::verifyStore(o.data);
    std::cout << report.dump(2) << "\n";
    return report["ok"].get<bool>() ? 0 : 1;
  }
  std::string importBody;
  if (!o.command.empty() && o.command[0] == "import") {
    if (o.command.size() < 2 || o.command.size() > 3) return usage("import FILE [csv|jsonl]");
    const std::string& file = o.command[1];
    auto endsWith = [&](const char* s) { return file.size() >= std::strlen(s) && file.compare(file.size() - std::strlen(s), std::string::npos, s) == 0; };
    const std::string format = o.command.size() == 3 ? o.command[2] : endsWith(".csv") ? "csv"
                               : endsWith(".jsonl") || endsWith(".ndjson") ? "jsonl" : "";
    if (format != "csv" && format != "jsonl") return usage("import: say csv or jsonl after the file");
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "edgecart: cannot read " << file << "\n";
      return 1;
    }
    std::ostringstream text;
    text << in.rdbuf();
    try {
      importBody = json{{format, text.str()}}.dump();
    } catch (const json::exception&) {
      std::cerr << "edgecart: " << file << " is not valid UTF-8: nothing was imported\n";
      return 1;
    }
  }
  std::unique_ptr<edgecart::Shop> shop;
  try {
    edgecart::FileStoreOptions so;
    so.fsync = o.fsync;
    edgecart::RouterOptions ro;
    // The operator's own file: one request, one commit, however large (the API takes 1 MiB).
    ro.maxBodyBytes = std::max(ro.maxBodyBytes, importBody.size());
    shop = edgecart::Shop::openDirectory(o.data, so, ro);
  } catch (const std::exception& e) {
    std::cerr << "edgecart: cannot open " << o.data << ": " << e.what() << "\n";
    return 1;
  }
  if (o.command.empty()) return serveStdin(*shop, o);
  if (o.command[0] == "compact") {
    shop->fileStore()->compact();
    std::cout << "compacted: snapshot at record " << shop->fileStore()->stats().lastLsn << "\n";
    return 0;
  }
  if (o.command[0] == "import") {
    const edgecart::Response r = shop->handle({o.tenant, o.user, {"admin"}}, "POST", "/products/import", importBody);
    std::cout << r.body.dump(2) << "\n";
    return r.status == 200 && r.body.value("rejectedCount", 1) == 0 ? 0 : 1;
  }
  if (o.command[0] == "request") {
    if (o.command.size() < 3 || o.command.size() > 4) return usage("request METHOD PATH [JSON]");
    const edgecart::Response r = shop->handle({o.tenant, o.user, {"admin"}}, o.command[1], o.command[2],
                                              o.command.size() == 4 ? o.command[3] : "");
    std::cout << line(r) << "\n";
    return r.status < 400 ? 0 : 1;
  }
  return usage("unknown command " + o.command[0]);
}
