// The tables of error.h: error codes and statuses, in one place.

#include "edgecart/engine/error.h"

namespace edgecart {

const std::vector<ErrorCodeRule>& errorCodeRules() {
  static const std::vector<ErrorCodeRule> rules = {
      {errc::kValidation, 400}, {errc::kInvalidTransition, 400}, {errc::kUnauthorized, 401},
      {errc::kForbidden, 403}, {errc::kNotFound, 404}, {errc::kConflict, 409},
      {errc::kVersionConflict, 409}, {errc::kAlreadyExists, 409}, {errc::kInsufficientInventory, 409},
      {errc::kUnknownProduct, 409}, {errc::kBelowReserved, 409}, {errc::kPriceChanged, 409},
      {errc::kSessionOpen, 409}, {errc::kSessionClosed, 409}, {errc::kReturnExceedsSale, 409},
      {errc::kPayloadTooLarge, 413}, {errc::kIdempotencyKeyReused, 422}, {errc::kTooManyRequests, 429},
      {errc::kInternal, 500}, {errc::kUnavailable, 503}, {errc::kStorageFailed, 507},
  };
  return rules;
}

const std::vector<StatusRule>& statusRules() {
  static const std::vector<StatusRule> rules = {
      {200, "OK", nullptr},
      {201, "Created", nullptr},
      {400, "Bad Request", errc::kValidation},
      {401, "Unauthorized", errc::kUnauthorized},
      {403, "Forbidden", errc::kForbidden},
      {404, "Not Found", errc::kNotFound},
      {405, "Method Not Allowed", errc::kValidation},
      {409, "Conflict", errc::kConflict},
      {413, "Payload Too Large", errc::kPayloadTooLarge},
      {422, "Unprocessable Entity", errc::kIdempotencyKeyReused},
      {429, "Too Many Requests", errc::kTooManyRequests},
      {500, "Internal Server Error", errc::kInternal},
      {502, "Bad Gateway", errc::kUnavailable},
      {503, "Service Unavailable", errc::kUnavailable},
      {507, "Insufficient Storage", errc::kStorageFailed},
  };
  return rules;
}

const char* statusText(int status) {
  for (const StatusRule& r : statusRules()) {
    if (r.status == status) return r.phrase;
  }
  return "Error";
}

const char* defaultErrorCode(int status) {
  for (const StatusRule& r : statusRules()) {
    if (r.status == status && r.defaultCode) return r.defaultCode;
  }
  return status >= 500 ? errc::kInternal : errc::kValidation;
}

}  // namespace edgecart
