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

json verifyStore(const std::string& dir, const std::string& archiveDirOption) {
  const std::string archiveDir =
      archiveDirOption.empty() ? (fs::path(dir) / "archive").string() : archiveDirOption;
  json report{{"dir", dir}, {"ok", true}, {"segments", 0}, {"snapshots", 0}, {"records", 0},
              {"archives", 0}, {"archivedRecords", 0}, {"lastLsn", 0}, {"formatVersion", 2},
              {"files", json::array()}, {"damage", json::array()}};
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
  auto readAll = [&](const fs::path& name) {
    std::ifstream in(name.is_absolute() ? name : fs::path(dir) / name, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };

  uint64_t expectNext = 1;
  if (!snaps.empty()) {
    for (const auto& [lsn, name] : snaps) {
      const std::string bytes = readAll(name);
      auto sf = logfmt::scanFile(bytes, logfmt::kSnapshotMagic, logfmt::kSnapshotMagicV1);
      std::string problem = sf.damage != logfmt::Damage::None ? sf.detail : "";
      size_t rows = 0;
      if (problem.empty()) {
        try {
          uint64_t headerLsn = 0;
          if (sf.version == 1) {
            rows = logfmt::decodeSnapshotV1(sf.payloads.at(0), &headerLsn).size();
            if (sf.payloads.size() != 1) problem = "a format-001 snapshot has one record";
          } else {
            size_t chunks = 0;
            logfmt::decodeSnapshotHeader(sf.payloads.at(0), &headerLsn, &chunks);
            if (sf.payloads.size() != chunks + 1) problem = "chunks missing";
            for (size_t i = 1; i < sf.payloads.size(); ++i) rows += logfmt::decodeRows(sf.payloads[i]).size();
          }
          if (problem.empty() && headerLsn != lsn) problem = "lsn differs from the file name";
        } catch (const std::exception& e) {
          problem = std::string("undecodable: ") + e.what();
        }
      }
      if (sf.version == 1) report["formatVersion"] = 1;
      report["files"].push_back({{"file", name}, {"kind", "snapshot"}, {"lsn", lsn}, {"rows", rows},
                                 {"version", sf.version}, {"bytes", bytes.size()},
                                 {"damage", problem.empty() ? "none" : damageName(sf.damage == logfmt::Damage::None ? logfmt::Damage::Corrupt : sf.damage)}});
      // Only the newest snapshot is read on open; an older one is a leftover.
      if (!problem.empty()) damage(name, problem, lsn == snaps.back().first);
    }
    report["snapshots"] = snaps.size();
    expectNext = snaps.back().first + 1;
  }
  uint64_t records = 0, last = expectNext - 1;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& name = segs[i].second;
    const std::string bytes = readAll(name);
    auto sf = logfmt::scanFile(bytes, logfmt::kSegmentMagic, logfmt::kSegmentMagicV1);
    if (sf.version == 1) report["formatVersion"] = 1;
    uint64_t first = 0, lastInFile = 0;
    for (const std::string& p : sf.payloads) {
      uint64_t lsn = 0;
      try {
        logfmt::decodeRecord(p, &lsn, sf.version);
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

  // Archives: sealed files written whole (temp + rename), so any damage there is real damage.
  // An open never reads them; they hold the command/history rows of compacted segments.
  std::error_code aec;
  if (fs::is_directory(archiveDir, aec)) {
    std::vector<std::pair<uint64_t, fs::path>> arcs;
    for (const auto& e : fs::directory_iterator(archiveDir)) {
      uint64_t lsn = 0;
      if (logfmt::parseName(e.path().filename().string(), "arc-", ".eca", &lsn)) arcs.emplace_back(lsn, e.path());
    }
    std::sort(arcs.begin(), arcs.end());
    uint64_t archived = 0;
    for (const auto& [lsn, path] : arcs) {
      const std::string name = "archive/" + path.filename().string();
      const std::string bytes = readAll(path);
      auto sf = logfmt::scanFile(bytes, logfmt::kArchiveMagic);
      for (const std::string& p : sf.payloads) {
        uint64_t recordLsn = 0;
        try {
          logfmt::decodeRecord(p, &recordLsn);
        } catch (const std::exception& e) {
          damage(name, std::string("undecodable record: ") + e.what(), true);
          break;
        }
      }
      archived += sf.payloads.size();
      report["files"].push_back({{"file", name}, {"kind", "archive"}, {"lastLsn", lsn},
                                 {"records", sf.payloads.size()}, {"bytes", bytes.size()},
                                 {"damage", damageName(sf.damage)}});
      if (sf.damage != logfmt::Damage::None) damage(name, sf.detail, true);
    }
    report["archives"] = arcs.size();
    report["archivedRecords"] = archived;
  }
  report["lastLsn"] = last;
  return report;
}

}  // namespace edgecart
