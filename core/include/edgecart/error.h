#pragma once
// The one exception type of the core: an HTTP status and a message. The router turns it into
// the NestJS-shaped JSON error body of SPEC §5; nothing else escapes the router.

#include <stdexcept>
#include <string>

namespace edgecart {

class ApiError : public std::runtime_error {
 public:
  // `reason` tells refusals of one status apart where a caller must (e.g. kVersionConflict).
  ApiError(int status, const std::string& message, const char* reason = "")
      : std::runtime_error(message), status_(status), reason_(reason) {}
  int status() const { return status_; }
  const char* reason() const { return reason_; }

 private:
  int status_;
  const char* reason_;
};

// The reason of a 409 caused by an optimistic lock: the `version` given is not the latest.
inline constexpr char kVersionConflict[] = "version_conflict";

[[noreturn]] inline void badRequest(const std::string& m) { throw ApiError(400, m); }
[[noreturn]] inline void notFound(const std::string& m) { throw ApiError(404, m); }
[[noreturn]] inline void conflict(const std::string& m) { throw ApiError(409, m); }

// Reason phrase for a status code ("Bad Request", ...).
const char* statusText(int status);

}  // namespace edgecart
