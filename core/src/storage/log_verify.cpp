// `edgecart verify`: reads every file of a store directory and reports, changing nothing.

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "edgecart/storage/file_store.h"
#include "edgecart/storage/log_format.h"
#include "file_util.h"
#include "state_rows.h"

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

std::string readOrEmpty(const fs::path& p) {
  try {
    return fileutil::readFile(p);
  } catch (const std::exception&) {
    return "";
  }
}

class Verifier {
 public:
  Verifier(std::string dir, std::string archiveDir)
      : dir_(std::move(dir)), archiveDir_(std::move(archiveDir)) {}

  json run() {
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) {
      damage(dir_, "not a directory", true);
      return report_;
    }
    const fileutil::DirListing l = fileutil::listDir(dir_);
    uint64_t snapshotLsn = 0;
    if (!l.snapshots.empty()) snapshotLsn = snapshots(l);
    segments(l, snapshotLsn);
    archives(snapshotLsn);
    opens();
    return report_;
  }

 private:
  // formatVersion: the oldest format of the newest manifest and the segments, what the first
  // write of an open rewrites. Chunks and archives are sealed: those of format 002 stay as they
  // are (their payloads are 003's), read under their own magic.
  void sawVersion(int version) {
    if (version > 0 && version < report_["formatVersion"].get<int>()) report_["formatVersion"] = version;
  }

  void damage(const std::string& file, const std::string& problem, bool fatal) {
    report_["damage"].push_back({{"file", file}, {"problem", problem}, {"fatal", fatal}});
    if (fatal) report_["ok"] = false;
  }

  // Every manifest; the newest (the only one an open reads) with all its chunks. Returns its lsn.
  uint64_t snapshots(const fileutil::DirListing& l) {
    std::set<uint64_t> used;
    uint64_t stateRows = 0;
    for (const auto& [lsn, name] : l.snapshots) {
      const bool newest = lsn == l.snapshots.back().first;
      const std::string bytes = readOrEmpty(fs::path(dir_) / name);
      auto sf = logfmt::scanFile(bytes, logfmt::kSnapshotMagics);
      if (newest) sawVersion(sf.version);
      std::string problem = sf.damage != logfmt::Damage::None ? sf.detail : "";
      uint64_t rows = 0, headerLsn = 0, nextId = 0;
      std::vector<logfmt::ChunkRef> refs;
      if (problem.empty()) {
        try {
          if (sf.payloads.size() != 1) throw std::runtime_error("one record expected");
          if (sf.version == 1) {
            rows = logfmt::decodeSnapshotV1(sf.payloads[0], &headerLsn).size();
          } else {
            refs = logfmt::decodeManifest(sf.payloads[0], &headerLsn, &nextId);
          }
          if (headerLsn != lsn) problem = "lsn differs from the file name";
        } catch (const std::exception& e) {
          problem = std::string("undecodable: ") + e.what();
        }
      }
      report_["files"].push_back({{"file", name}, {"kind", "snapshot"}, {"lsn", lsn},
                                  {"chunks", refs.size()}, {"version", sf.version},
                                  {"bytes", bytes.size()}, {"damage", problem.empty() ? "none" : "corrupt"}});
      if (!problem.empty()) damage(name, problem, newest);
      if (!newest) continue;  // an older manifest is a leftover an open removes
      archivesExpected_ = sf.version >= 2 && problem.empty();
      stateRows = rows;
      for (size_t i = 0; i < refs.size(); ++i) {
        used.insert(refs[i].id);
        stateRows += chunk(refs[i], i + 1 < refs.size() ? refs[i + 1].firstKey : std::string());
      }
    }
    for (const auto& [id, name] : l.chunks) {
      if (!used.count(id)) {
        damage(name, "chunk not used by the newest snapshot (left by a compaction; removed on open)", false);
      }
    }
    report_["snapshots"] = l.snapshots.size();
    report_["stateRows"] = stateRows;
    return l.snapshots.back().first;
  }

  // A chunk of the newest manifest, whose range ends at `end` (the next one's first key).
  uint64_t chunk(const logfmt::ChunkRef& ref, const std::string& end) {
    const std::string name = logfmt::chunkName(ref.id);
    const auto file = std::make_shared<const std::string>(readOrEmpty(fs::path(dir_) / name));
    const std::string& bytes = *file;
    auto cf = logfmt::scanFile(bytes, logfmt::kChunkMagics, false);
    std::string problem = cf.damage != logfmt::Damage::None ? cf.detail : "";
    uint64_t rows = 0;
    if (bytes.empty()) problem = "missing";
    if (problem.empty()) {
      try {
        if (cf.spans.size() != 1) throw std::runtime_error("one record expected");
        // Read as a store reads it: in key order, state rows only, none outside its range.
        rows = ChunkRows::read(file, cf.spans[0], ref.firstKey, end)->size();
        if (rows != ref.rows || bytes.size() != ref.bytes) problem = "differs from the manifest";
      } catch (const std::exception& e) {
        problem = std::string("undecodable: ") + e.what();
      }
    }
    report_["files"].push_back({{"file", name}, {"kind", "chunk"}, {"rows", rows},
                                {"bytes", bytes.size()}, {"damage", problem.empty() ? "none" : "corrupt"}});
    if (!problem.empty()) damage(name, problem, true);
    return rows;
  }

  // What an open and reading every row would do, done: verify and the store must agree on every
  // store. Any store that does not open or read is damage here too (the checks above name the
  // file; this catches what they miss).
  void opens() {
    FileStoreOptions o;
    o.readOnly = true;
    o.archiveDir = archiveDir_;
    try {
      (void)FileStore::open(dir_, o)->readAll();
    } catch (const std::exception& e) {
      if (report_["ok"].get<bool>()) damage(dir_, std::string("the store does not open: ") + e.what(), true);
    }
  }

  void segments(const fileutil::DirListing& l, uint64_t snapshotLsn) {
    uint64_t expectNext = snapshotLsn + 1;
    uint64_t records = 0, last = snapshotLsn;
    for (size_t i = 0; i < l.segments.size(); ++i) {
      const std::string& name = l.segments[i].second;
      const std::string bytes = readOrEmpty(fs::path(dir_) / name);
      auto sf = logfmt::scanFile(bytes, logfmt::kSegmentMagics);
      sawVersion(sf.version);
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
        if (lsn <= snapshotLsn) continue;  // covered by the snapshot (as open skips it)
        if (lsn != expectNext) {
          damage(name, "gap: expected record " + std::to_string(expectNext) + ", found " +
                           std::to_string(lsn), true);
        }
        expectNext = lsn + 1;
        last = lsn;
        ++records;
      }
      report_["files"].push_back({{"file", name}, {"kind", "segment"}, {"records", sf.payloads.size()},
                                  {"firstLsn", first}, {"lastLsn", lastInFile},
                                  {"bytes", bytes.size()}, {"goodBytes", sf.goodBytes},
                                  {"damage", damageName(sf.damage)}});
      if (sf.damage == logfmt::Damage::TornTail && i + 1 == l.segments.size()) {
        damage(name, "torn tail (" + sf.detail + "): " + std::to_string(bytes.size() - sf.goodBytes) +
                         " bytes of an unfinished write, cut at the next write and kept in recovered/", false);
      } else if (sf.damage != logfmt::Damage::None) {
        damage(name, sf.detail, true);
      }
    }
    report_["segments"] = l.segments.size();
    report_["records"] = records;
    report_["lastLsn"] = last;
  }

  // Sealed files written whole (temp + rename), so any damage there is real damage. An open
  // never reads them; they hold the command/history rows of compacted segments.
  // Consecutive archives chain their ranges (from, to] from record 0 to the snapshot: a gap is a
  // missing archive file. Archives written before ranges existed are checked file by file only.
  void archives(uint64_t snapshotLsn) {
    std::error_code ec;
    if (!fs::is_directory(archiveDir_, ec)) {
      if (snapshotLsn > 0 && archivesExpected_) {
        damage("archive/", "missing: the snapshot covers records 1-" + std::to_string(snapshotLsn) +
                               " but no archive holds their command/history rows", true);
      }
      return;
    }
    std::vector<std::pair<uint64_t, fs::path>> arcs;
    for (const auto& e : fs::directory_iterator(archiveDir_)) {
      uint64_t lsn = 0;
      if (logfmt::parseName(e.path().filename().string(), "arc-", ".eca", &lsn)) arcs.emplace_back(lsn, e.path());
    }
    std::sort(arcs.begin(), arcs.end());
    uint64_t archived = 0, chainedTo = 0;
    bool chained = true;  // every archive has a range record
    for (const auto& [lsn, path] : arcs) {
      const std::string name = "archive/" + path.filename().string();
      const std::string bytes = readOrEmpty(path);
      auto sf = logfmt::scanFile(bytes, logfmt::kArchiveMagics);
      bool ranged = false;
      for (size_t i = 0; i < sf.payloads.size(); ++i) {
        uint64_t recordLsn = 0, from = 0;
        try {
          if (i == 0 && logfmt::decodeArchiveRange(sf.payloads[0], &from, &recordLsn)) {
            ranged = true;
            if (recordLsn != lsn) damage(name, "range ends at record " + std::to_string(recordLsn) + ", not as named", true);
            if (chained && from > chainedTo) {
              damage(name, "gap: no archive holds records " + std::to_string(chainedTo + 1) + "-" +
                               std::to_string(from) + " (a deleted archive file?)", true);
            }
            chainedTo = std::max(chainedTo, recordLsn);
            continue;
          }
          logfmt::decodeRecord(sf.payloads[i], &recordLsn, sf.version);
          ++archived;
        } catch (const std::exception& e) {
          damage(name, std::string("undecodable record: ") + e.what(), true);
          break;
        }
      }
      if (!ranged && sf.damage == logfmt::Damage::None) chained = false;
      report_["files"].push_back({{"file", name}, {"kind", "archive"}, {"lastLsn", lsn},
                                  {"records", sf.payloads.size()}, {"bytes", bytes.size()},
                                  {"damage", damageName(sf.damage)}});
      if (sf.damage != logfmt::Damage::None) damage(name, sf.detail, true);
    }
    if (chained && chainedTo < snapshotLsn && (!arcs.empty() || archivesExpected_)) {
      damage("archive/", "gap: the snapshot covers records up to " + std::to_string(snapshotLsn) +
                             " but the archives end at " + std::to_string(chainedTo) + " (a deleted archive file?)", true);
    }
    report_["archives"] = arcs.size();
    report_["archivedRecords"] = archived;
  }

  std::string dir_, archiveDir_;
  bool archivesExpected_ = false;  // the newest snapshot is format 002: compactions archive
  json report_{{"ok", true}, {"segments", 0}, {"snapshots", 0}, {"records", 0}, {"stateRows", 0},
               {"archives", 0}, {"archivedRecords", 0}, {"lastLsn", 0}, {"formatVersion", logfmt::kFormatVersion},
               {"files", json::array()}, {"damage", json::array()}};
};

}  // namespace

json verifyStore(const std::string& dir, const std::string& archiveDir) {
  Verifier v(dir, archiveDir.empty() ? (fs::path(dir) / "archive").string() : archiveDir);
  json report = v.run();
  report["dir"] = dir;
  return report;
}

}  // namespace edgecart
