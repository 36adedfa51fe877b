#pragma once
// The one exception type of the core: an HTTP status, a message and a machine-readable code. The
// router turns it into the NestJS-shaped JSON error body (docs/design.md §5) plus `code`; nothing
// else escapes the router.

#include <stdexcept>
#include <string>
#include <vector>

namespace edgecart {

// Machine-readable error codes (the `code` of every error body; EdgeCartError.code in JS). A
// refusal without a specific code gets the one of its status (see defaultErrorCode).
namespace errc {
inline constexpr char kValidation[] = "VALIDATION_FAILED";            // 400
inline constexpr char kInvalidTransition[] = "INVALID_TRANSITION";    // 400
inline constexpr char kUnauthorized[] = "UNAUTHORIZED";               // 401
inline constexpr char kForbidden[] = "FORBIDDEN";                     // 403
inline constexpr char kNotFound[] = "NOT_FOUND";                      // 404
inline constexpr char kConflict[] = "CONFLICT";                       // 409
inline constexpr char kVersionConflict[] = "VERSION_CONFLICT";        // 409: the version given is not the latest
inline constexpr char kAlreadyExists[] = "ALREADY_EXISTS";            // 409: a create of an existing item
inline constexpr char kInsufficientInventory[] = "INSUFFICIENT_INVENTORY";  // 409
inline constexpr char kUnknownProduct[] = "UNKNOWN_PRODUCT";          // 409: an order line names no product
inline constexpr char kBelowReserved[] = "BELOW_RESERVED";            // 409: a restock under what is reserved
inline constexpr char kPriceChanged[] = "PRICE_CHANGED";              // 409: a customer's line price is not the catalogue's
inline constexpr char kSessionOpen[] = "SESSION_OPEN";                // 409: a till that has a session open already
inline constexpr char kSessionClosed[] = "SESSION_CLOSED";            // 409: a sale, return or movement on a session not open
inline constexpr char kReturnExceedsSale[] = "RETURN_EXCEEDS_SALE";  // 409: more units returned than sold less returned
inline constexpr char kPayloadTooLarge[] = "PAYLOAD_TOO_LARGE";       // 413
inline constexpr char kIdempotencyKeyReused[] = "IDEMPOTENCY_KEY_REUSED";  // 422
inline constexpr char kTooManyRequests[] = "TOO_MANY_REQUESTS";       // 429
inline constexpr char kInternal[] = "INTERNAL_ERROR";                 // 500
inline constexpr char kUnavailable[] = "UNAVAILABLE";                 // 502, 503
inline constexpr char kStorageFailed[] = "STORAGE_FAILED";            // 507
}  // namespace errc

// Every error code with the status it comes with: the list the TypeScript `ErrorCode` is
// generated from (web/src/rules.ts, see api/rules.h) and the OpenAPI `Error.code` enum.
struct ErrorCodeRule {
  const char* code;
  int status;
};
const std::vector<ErrorCodeRule>& errorCodeRules();

// Every status the API answers with: its reason phrase and, for an error, the code of a refusal
// without a more specific one.
struct StatusRule {
  int status;
  const char* phrase;
  const char* defaultCode;  // null for a success
};
const std::vector<StatusRule>& statusRules();

// The code of a status when nothing more specific is known (statusRules; another 5xx is
// INTERNAL_ERROR, another 4xx VALIDATION_FAILED).
const char* defaultErrorCode(int status);

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, const std::string& message, const char* errorCode = nullptr)
      : std::runtime_error(message), status_(status), code_(errorCode ? errorCode : defaultErrorCode(status)) {}
  int status() const { return status_; }
  const char* code() const { return code_; }

 private:
  int status_;
  const char* code_;
};

// An optimistic lock that failed: the refusals a sync client may resolve with a retry.
inline bool isVersionConflict(const std::string& errorCode) {
  return errorCode == errc::kVersionConflict || errorCode == errc::kAlreadyExists;
}

[[noreturn]] inline void badRequest(const std::string& m) { throw ApiError(400, m); }
[[noreturn]] inline void notFound(const std::string& m) { throw ApiError(404, m); }
[[noreturn]] inline void conflict(const std::string& m, const char* errorCode = nullptr) {
  throw ApiError(409, m, errorCode);
}
[[noreturn]] inline void forbidden(const std::string& m) { throw ApiError(403, m); }

// Reason phrase for a status code ("Bad Request", ...).
const char* statusText(int status);

}  // namespace edgecart
