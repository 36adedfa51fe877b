// `edgecart verify`: reads every file of a store directory and reports, changing nothing.

#include <filesystem>
#include <fstream>
#include <sstream>

#include "edgecart/file_store.h"
#include "edgecart/log_format.h"

namespace edgecart {
namespace fs = std::filesystem;

namespace {

const char* damageName(logfmt::Damage d) {
  switch (d) {
    case logfmt::Damage::None: return "none";
    case logfmt::Damage::TornTail: return "torn-tail";
    case logfmt::Damage::Corrupt: return "corrupt";
  }
  return "?";
}

}  // namespace

json verifyStore(const std::string& dir) {
  json report{{"dir", dir}, {"ok", true}, {"segments", 0}, {"snapshots", 0}, {"records", 0},
              {"lastLsn", 0}, {"files", json::array()}, {"damage", json::array()}};
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    report["ok"] = false;
    report["damage"].push_back({{"file", dir}, {"problem", "not a directory"}});
    return report;
  }
  std::vector<std::pair<uint64_t, std::string>> snaps, segs;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    uint64_t lsn = 0;
    if (logfmt::parseName(name, "snap-", ".ecs", &lsn)) snaps.emplace_back(lsn, name);
    if (logfmt::parseName(name, "seg-", ".ecl", &lsn)) segs.emplace_back(lsn, name);
  }
  std::sort(snaps.begin(), snaps.end());
  std::sort(segs.begin(), segs.end());
  auto damage = [&](const std::string& file, const std::string& problem, bool fatal) {
    report["damage"].push_back({{"file", file}, {"problem", problem}, {"fatal", fatal}});
    if (fatal) report["ok"] = false;
  };
  auto readAll = [&](const std::string& name) {
    std::ifstream in(fs::path(dir) / name, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };

  uint64_t expectNext = 1;
  if (!snaps.empty()) {
    for (const auto& [lsn, name] : snaps) {
      const std::string bytes = readAll(name);
      auto sf = logfmt::scanFile(bytes, logfmt::kSnapshotMagic);
      const bool bad = sf.damage != logfmt::Damage::None || sf.payloads.size() != 1;
      report["files"].push_back({{"file", name}, {"kind", "snapshot"}, {"lsn", lsn},
                                 {"bytes", bytes.size()}, {"damage", damageName(sf.damage)}});
      // Only the newest snapshot is read on open; an older one is a leftover.
      if (bad) damage(name, sf.detail.empty() ? "bad snapshot" : sf.detail, lsn == snaps.back().first);
    }
    report["snapshots"] = snaps.size();
    expectNext = snaps.back().first + 1;
  }
  uint64_t records = 0, last = expectNext - 1;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& name = segs[i].second;
    const std::string bytes = readAll(name);
    auto sf = logfmt::scanFile(bytes, logfmt::kSegmentMagic);
    uint64_t first = 0, lastInFile = 0;
    for (const std::string& p : sf.payloads) {
      uint64_t lsn = 0;
      try {
        logfmt::decodeBatch(p, &lsn);
      } catch (const std::exception& e) {
        damage(name, std::string("undecodable record: ") + e.what(), true);
        break;
      }
      if (first == 0) first = lsn;
      lastInFile = lsn;
      if (lsn < expectNext) continue;  // covered by the snapshot
      if (lsn != expectNext) {
        damage(name, "gap: expected record " + std::to_string(expectNext) + ", found " +
                         std::to_string(lsn), true);
      }
      expectNext = lsn + 1;
      last = lsn;
      ++records;
    }
    report["files"].push_back({{"file", name}, {"kind", "segment"}, {"records", sf.payloads.size()},
                               {"firstLsn", first}, {"lastLsn", lastInFile},
                               {"bytes", bytes.size()}, {"goodBytes", sf.goodBytes},
                               {"damage", damageName(sf.damage)}});
    if (sf.damage == logfmt::Damage::TornTail && i + 1 == segs.size()) {
      damage(name, "torn tail (" + sf.detail + "): " + std::to_string(bytes.size() - sf.goodBytes) +
                       " bytes of an unfinished write, dropped on next open", false);
    } else if (sf.damage != logfmt::Damage::None) {
      damage(name, sf.detail, true);
    }
  }
  report["segments"] = segs.size();
  report["records"] = records;
  report["lastLsn"] = last;
  return report;
}

}  // namespace edgecart
