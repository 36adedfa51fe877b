#pragma once
// The one exception type of the core: an HTTP status and a message. The router turns it into
// the NestJS-shaped JSON error body of SPEC §5; nothing else escapes the router.

#include <stdexcept>
#include <string>

namespace edgecart {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

[[noreturn]] inline void badRequest(const std::string& m) { throw ApiError(400, m); }
[[noreturn]] inline void notFound(const std::string& m) { throw ApiError(404, m); }
[[noreturn]] inline void conflict(const std::string& m) { throw ApiError(409, m); }

// Reason phrase for a status code ("Bad Request", ...).
const char* statusText(int status);

}  // namespace edgecart
