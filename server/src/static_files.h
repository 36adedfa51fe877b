#pragma once
// The static files edgecart-server serves (the pages, the web package, the API reference).

#include <sys/stat.h>

#include <string>

#include "edgecart_server/http_transport.h"

namespace edgecart {

// The file that `sub` (a decoded request path below a mount: "", "/" or "/till/app.js") names in
// the folder `root`, opened, or -1 if it is not one to serve: a segment starting with '.' (a
// dotfile, "..") is refused, symlinks are followed only while they stay inside the folder (one to
// /etc does not publish /etc/shadow), and only a regular file is served.
int openStatic(const std::string& root, std::string sub, struct stat* st);

// The answer for the open file `fd` (its stat `st`, its `path` for the type): ETag, Last-Modified,
// Cache-Control: no-cache, a 304 when the browser's copy is current, 206 for one byte range.
HttpReply serveStatic(int fd, const struct stat& st, const std::string& path, const HttpRequest& req);

}  // namespace edgecart
