// The static files: which may be served (only regular files inside their folder), and how
// (types, validators, 304, one byte range).

#include "static_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <regex>

namespace edgecart {
namespace {

// The static files' types: cpp-httplib's table, plus the apps' manifest (a browser installs an
// app only from application/manifest+json) and CommonJS; anything else goes out as text/plain.
const char* contentType(const std::string& path) {
  static const std::pair<const char*, const char*> types[] = {
      {"html", "text/html"}, {"htm", "text/html"}, {"css", "text/css"}, {"csv", "text/csv"},
      {"js", "text/javascript"}, {"mjs", "text/javascript"}, {"cjs", "text/javascript"},
      {"txt", "text/plain"}, {"vtt", "text/vtt"}, {"json", "application/json"},
      {"webmanifest", "application/manifest+json"}, {"wasm", "application/wasm"},
      {"xml", "application/xml"}, {"xht", "application/xhtml+xml"}, {"xhtml", "application/xhtml+xml"},
      {"xslt", "application/xslt+xml"}, {"atom", "application/atom+xml"}, {"rss", "application/rss+xml"},
      {"pdf", "application/pdf"}, {"zip", "application/zip"}, {"gz", "application/gzip"},
      {"tar", "application/x-tar"}, {"7z", "application/x-7z-compressed"},
      {"apng", "image/apng"}, {"avif", "image/avif"}, {"bmp", "image/bmp"}, {"gif", "image/gif"},
      {"png", "image/png"}, {"svg", "image/svg+xml"}, {"webp", "image/webp"}, {"ico", "image/x-icon"},
      {"tif", "image/tiff"}, {"tiff", "image/tiff"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"},
      {"mp4", "video/mp4"}, {"mpeg", "video/mpeg"}, {"webm", "video/webm"}, {"mp3", "audio/mp3"},
      {"mpga", "audio/mpeg"}, {"weba", "audio/webm"}, {"wav", "audio/wave"}, {"otf", "font/otf"},
      {"ttf", "font/ttf"}, {"woff", "font/woff"}, {"woff2", "font/woff2"}};
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return nullptr;
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [e, type] : types) {
    if (ext == e) return type;
  }
  return nullptr;
}

}  // namespace

int openStatic(const std::string& root, std::string sub, struct stat* st) {
  namespace fs = std::filesystem;
  if (sub.empty() || sub.back() == '/') sub += "index.html";
  if (sub.find('\0') != std::string::npos) return -1;
  for (size_t at = 0; at < sub.size();) {
    const size_t end = std::min(sub.find('/', at), sub.size());
    if (end > at && sub[at] == '.') return -1;
    at = end + 1;
  }
  const size_t first = sub.find_first_not_of('/');
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return -1;
  const fs::path file = fs::canonical(base / sub.substr(first), ec);
  if (ec) return -1;
  if (std::mismatch(base.begin(), base.end(), file.begin(), file.end()).first != base.end()) return -1;
  // O_NOFOLLOW: the resolved path must not have become a symlink since; O_NONBLOCK: opening a FIFO
  // would wait for a writer.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return -1;
  if (::fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

namespace {

std::string httpDate(time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

// Whether an If-None-Match list ("*", or tags, weak or strong) names `etag`: the weak
// comparison of RFC 9110 §13.1.2, as for a GET.
bool etagListMatches(const std::string& list, const std::string& etag) {
  size_t at = 0;
  while (at < list.size()) {
    at = list.find_first_not_of(" \t,", at);
    if (at == std::string::npos) break;
    if (list[at] == '*') return true;
    if (list.compare(at, 2, "W/") == 0) at += 2;
    if (at >= list.size() || list[at] != '"') return false;
    const size_t end = list.find('"', at + 1);
    if (end == std::string::npos) return false;
    if (list.compare(at, end - at + 1, etag) == 0) return true;
    at = end + 1;
  }
  return false;
}

}  // namespace

// A static file's answer, with the validators a browser (and the service worker's install, which
// fills its cache through the HTTP cache) revalidates with: a 304 when its copy is current; a
// single byte range gets 206.
HttpReply serveStatic(int fd, const struct stat& st, const std::string& path, const HttpRequest& req) {
  HttpReply res;
  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ull +
                    static_cast<unsigned long long>(st.st_mtim.tv_nsec));
  res.set("ETag", etag);
  res.set("Last-Modified", httpDate(st.st_mtim.tv_sec));
  // no-cache: stored, but always revalidated. Without it a browser may reuse a page or sw.js
  // heuristically (from Last-Modified) after an update, and a new build's cache fill with old files.
  res.set("Cache-Control", "no-cache");
  res.set("Accept-Ranges", "bytes");
  bool current = false;
  if (const std::string* tags = req.header("If-None-Match")) {
    current = etagListMatches(*tags, etag);
  } else if (const std::string* since = req.header("If-Modified-Since")) {
    std::tm tm{};
    const char* end = strptime(since->c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    current = end != nullptr && *end == '\0' && st.st_mtim.tv_sec <= timegm(&tm);
  }
  if (current) {
    res.status = 304;
    return res;
  }
  std::string body(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < body.size()) {
    const ssize_t n = ::read(fd, &body[got], body.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  body.resize(got);
  if (const char* type = contentType(path.empty() || path.back() == '/' ? path + "index.html" : path)) {
    res.set("Content-Type", type);
  }
  // One range, "bytes=a-b", "bytes=a-" or "bytes=-n"; anything else is answered whole.
  const std::string* range = req.header("Range");
  static const std::regex one("bytes=(\\d{0,18})-(\\d{0,18})");
  std::smatch m;
  if (range && std::regex_match(*range, m, one) && (m[1].length() > 0 || m[2].length() > 0)) {
    const size_t size = body.size();
    size_t from, to;
    if (m[1].length() == 0) {
      const size_t n = std::min<size_t>(std::stoull(m[2]), size);
      from = size - n, to = size == 0 ? 0 : size - 1;
    } else {
      from = std::stoull(m[1]);
      to = m[2].length() ? std::min<size_t>(std::stoull(m[2]), size - 1) : size - 1;
    }
    if (size == 0 || from >= size || from > to) {
      res.status = 416;
      res.set("Content-Range", "bytes */" + std::to_string(size));
      return res;
    }
    res.status = 206;
    res.set("Content-Range", "bytes " + std::to_string(from) + "-" + std::to_string(to) + "/" + std::to_string(size));
    res.body = body.substr(from, to - from + 1);
    return res;
  }
  res.body = std::move(body);
  return res;
}

}  // namespace edgecart
