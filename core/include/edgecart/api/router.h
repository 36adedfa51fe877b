#pragma once
// The API of docs/design.md §5: (context, method, path, JSON body) -> (status, JSON body), identical in
// every host. Every failure becomes a NestJS-shaped error body; nothing escapes as an exception.

#include <functional>
#include <string>
#include <vector>

#include "edgecart/domain/domain.h"
#include "edgecart/engine/engine.h"

namespace edgecart {

struct RouterOptions : DomainOptions {
  size_t maxBodyBytes = 1 << 20;  // larger bodies get 413
};

struct Response {
  int status = 500;
  json body;
  std::vector<json> notifications;  // from the handlers of a committed write
  std::vector<json> changes;        // {sk, version} of each item a committed write changed
  std::string code = {};            // of a refusal: ApiError::code() (e.g. VERSION_CONFLICT)
  bool replayed = false;            // answered from an Idempotency-Key record: nothing ran
};

// How long an Idempotency-Key is remembered: a retry within 24 hours gets the first answer.
inline constexpr int64_t kIdempotencyWindowMs = 24 * 3600 * 1000;

// Called inside a write's transaction once its answer is known, before the commit: a host adds
// rows that must commit with the write (a sync record, an outbox entry).
using WriteHook = std::function<void(Transaction&, const Response&)>;

// {"statusCode": 404, "error": "Not Found", "message": "...", "code": "NOT_FOUND"}
json errorBody(int status, const std::string& message, const char* errorCode = nullptr);

class Router {
 public:
  explicit Router(Engine& engine, RouterOptions options = {})
      : engine_(engine), options_(std::move(options)) {}

  // `target` is the path with an optional query string: "/orders?limit=5&status=pending".
  Response handle(const Context& context, const std::string& method, const std::string& target,
                  const std::string& body, const WriteHook& hook = nullptr);

  const RouterOptions& options() const { return options_; }

 private:
  Response route(const Context& context, const std::string& method, const std::string& target,
                 const std::string& body, const WriteHook& hook);

  Engine& engine_;
  RouterOptions options_;
};

}  // namespace edgecart
