#pragma once
// One webhook attempt over HTTP or HTTPS (Boost.Beast client on an Asio event loop): resolve,
// refuse private addresses unless allowed, connect to the addresses checked (never a second
// look-up), POST, read the answer's head, close; the whole under one deadline.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

namespace edgecart {

struct WebhookUrl {
  bool tls = false;
  std::string host;    // a name, or an address ([...] removed for IPv6)
  std::string port;    // "80" / "443" unless given
  std::string target;  // path and query, "/" if none
};

// The URL a subscription names, or the reason it cannot be one: http(s) only, no user or
// password, no fragment, at most 2,048 bytes; with `allowPrivate` false, no loopback or private
// address literal and no localhost.
std::optional<WebhookUrl> parseWebhookUrl(const std::string& url, bool allowPrivate, std::string* why);

struct AttemptOutcome {
  int status = 0;      // the receiver's HTTP status; 0 if none came
  double ms = 0;       // from the start to the answer's head (or the failure)
  std::string error;   // empty if a status came
};

struct AttemptRequest {
  WebhookUrl url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int timeoutSeconds = 10;
  bool allowPrivate = false;
};

// Starts the attempt on `io` (the name looked up on a thread of `lookups`); `done` is called on
// io's thread exactly once, unless io stops first.
void attemptDelivery(boost::asio::io_context& io, boost::asio::thread_pool& lookups, boost::asio::ssl::context& tls,
                     AttemptRequest request, std::function<void(AttemptOutcome)> done);

}  // namespace edgecart
