#include "webhook_client.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "edgecart_server/webhooks.h"

namespace edgecart {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

bool inV4(uint32_t a, uint32_t net, int bits) {
  const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (a & mask) == (net & mask);
}

bool publicV4(const net::ip::address_v4& v4) {
  const uint32_t a = v4.to_uint();
  struct Range { uint32_t net; int bits; };
  static constexpr Range kNotPublic[] = {
      {0x00000000, 8},   // 0.0.0.0/8 "this network"
      {0x0A000000, 8},   // 10/8 private
      {0x64400000, 10},  // 100.64/10 shared (carrier-grade NAT)
      {0x7F000000, 8},   // 127/8 loopback
      {0xA9FE0000, 16},  // 169.254/16 link-local (cloud metadata)
      {0xAC100000, 12},  // 172.16/12 private
      {0xC0000000, 24},  // 192.0.0/24 protocol assignments
      {0xC0000200, 24},  // 192.0.2/24 documentation
      {0xC0586300, 24},  // 192.88.99/24 6to4 relay (deprecated)
      {0xC0A80000, 16},  // 192.168/16 private
      {0xC6120000, 15},  // 198.18/15 benchmarking
      {0xC6336400, 24},  // 198.51.100/24 documentation
      {0xCB007100, 24},  // 203.0.113/24 documentation
      {0xE0000000, 4},   // 224/4 multicast
      {0xF0000000, 4},   // 240/4 reserved, broadcast
  };
  return std::none_of(std::begin(kNotPublic), std::end(kNotPublic), [&](const Range& r) { return inV4(a, r.net, r.bits); });
}

bool publicAddress(const net::ip::address& ip) {
  if (ip.is_v4()) return publicV4(ip.to_v4());
  const net::ip::address_v6 v6 = ip.to_v6();
  if (v6.is_v4_mapped()) return publicV4(net::ip::make_address_v4(net::ip::v4_mapped, v6));
  const std::array<unsigned char, 16> b = v6.to_bytes();
  if (v6.is_unspecified() || v6.is_loopback() || v6.is_multicast()) return false;
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;  // fec0::/10 site-local (deprecated)
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // 2001:db8::/32 documentation
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) return false;        // 2001::/32 Teredo (a tunnel)
  if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0) return false;            // 3fff::/20 documentation
  if (b[0] == 0x01 && b[1] == 0 && std::all_of(b.begin() + 2, b.begin() + 8, [](unsigned char c) { return c == 0; })) {
    return false;  // 100::/64 discard
  }
  if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1) return false;  // 64:ff9b:1::/48 local NAT64
  if (b[0] == 0x20 && b[1] == 0x02) {  // 2002::/16 6to4: the IPv4 address in bits 16-47 decides
    return publicV4(net::ip::address_v4(net::ip::address_v4::bytes_type{b[2], b[3], b[4], b[5]}));
  }
  // 64:ff9b::/96 (NAT64) and ::/96 (IPv4-compatible): the IPv4 address inside decides.
  const bool nat64 = b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                     std::all_of(b.begin() + 4, b.begin() + 12, [](unsigned char c) { return c == 0; });
  const bool compat = std::all_of(b.begin(), b.begin() + 12, [](unsigned char c) { return c == 0; }) ||
                      // ::ffff:0:a.b.c.d (IPv4-translated)
                      (std::all_of(b.begin(), b.begin() + 8, [](unsigned char c) { return c == 0; }) && b[8] == 0xff && b[9] == 0xff &&
                       b[10] == 0 && b[11] == 0);
  if (nat64 || compat) {
    return publicV4(net::ip::address_v4(net::ip::address_v4::bytes_type{b[12], b[13], b[14], b[15]}));
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

bool isPublicAddress(const std::string& ip) {
  boost::system::error_code ec;
  const net::ip::address a = net::ip::make_address(ip, ec);
  return !ec && publicAddress(a);
}

std::optional<WebhookUrl> parseWebhookUrl(const std::string& url, bool allowPrivate, std::string* why) {
  auto refuse = [&](std::string text) {
    *why = std::move(text);
    return std::nullopt;
  };
  if (url.size() > 2048) return refuse("url is longer than 2,048 bytes");
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c >= 0x7f; })) {
    return refuse("url must be printable ASCII without spaces (percent-encode the rest)");
  }
  WebhookUrl u;
  std::string rest;
  if (lower(url.substr(0, 8)) == "https://") {
    u.tls = true;
    rest = url.substr(8);
  } else if (lower(url.substr(0, 7)) == "http://") {
    rest = url.substr(7);
  } else {
    return refuse("url must start with https:// or http://");
  }
  if (url.find('#') != std::string::npos) return refuse("url must have no fragment (#...)");
  const size_t end = rest.find_first_of("/?");
  const std::string authority = rest.substr(0, end);
  u.target = end == std::string::npos ? "/" : rest.substr(end);
  if (u.target[0] == '?') u.target = "/" + u.target;
  if (authority.find('@') != std::string::npos) return refuse("url must not carry a user or password");
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return refuse("url has an unclosed [ in its host");
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return refuse("url has something after its IPv6 host");
      port = authority.substr(close + 2);
    }
    boost::system::error_code ec;
    const net::ip::address a = net::ip::make_address(u.host, ec);
    if (ec || !a.is_v6()) return refuse("url has an invalid IPv6 host");
  } else {
    const size_t colon = authority.find(':');
    u.host = lower(authority.substr(0, colon));
    if (!u.host.empty() && u.host.back() == '.') u.host.pop_back();  // "localhost." is localhost
    if (colon != std::string::npos) port = authority.substr(colon + 1);
    if (u.host.empty() || u.host.size() > 253 || u.host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos ||
        u.host.front() == '.' || u.host.front() == '-') {
      return refuse("url has an invalid host");
    }
  }
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::atoi(port.c_str()) < 1 ||
        std::atoi(port.c_str()) > 65535) {
      return refuse("url has an invalid port");
    }
    u.port = std::to_string(std::atoi(port.c_str()));
  } else {
    u.port = u.tls ? "443" : "80";
  }
  if (!allowPrivate) {
    boost::system::error_code ec;
    net::ip::address a = net::ip::make_address(u.host, ec);
    in_addr legacy{};
    if (ec && ::inet_aton(u.host.c_str(), &legacy)) {  // 127.1, 2130706433, 0x7f.1: an address to the resolver
      a = net::ip::address_v4(ntohl(legacy.s_addr));
      ec = {};
    }
    const bool local = u.host == "localhost" || (u.host.size() > 10 && u.host.compare(u.host.size() - 10, 10, ".localhost") == 0);
    if (local || (!ec && !publicAddress(a))) {
      return refuse("url " + u.host + " is a loopback or private address: webhooks go to public addresses only");
    }
  }
  return u;
}

namespace {

using SteadyClock = std::chrono::steady_clock;

double msSince(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}

// One attempt: the stream is a tcp_stream or an ssl_stream over one; each step is bounded by the
// attempt's deadline.
template <class Stream>
class Attempt : public std::enable_shared_from_this<Attempt<Stream>> {
 public:
  Attempt(Stream stream, AttemptRequest request, std::function<void(AttemptOutcome)> done)
      : stream_(std::move(stream)), request_(std::move(request)), done_(std::move(done)) {}

  void start(tcp::resolver::results_type endpoints, SteadyClock::time_point started, SteadyClock::time_point deadline) {
    started_ = started;
    deadline_ = deadline;
    lowest().expires_at(deadline_);
    lowest().async_connect(endpoints, [self = this->shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return self->finish(0, "connect: " + self->why(ec));
      self->handshake();
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  std::string why(const beast::error_code& ec) const {
    return ec == beast::error::timeout ? "timed out after " + std::to_string(request_.timeoutSeconds) + " s" : ec.message();
  }

  void handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      send();
    } else {
      lowest().expires_at(deadline_);
      stream_.async_handshake(net::ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->finish(0, "TLS: " + self->why(ec));
        self->send();
      });
    }
  }

  void send() {
    req_.method(http::verb::post);
    req_.target(request_.url.target);
    req_.version(11);
    const bool defaultPort = request_.url.port == (request_.url.tls ? "443" : "80");
    const bool v6 = request_.url.host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + request_.url.host + "]" : request_.url.host;
    req_.set(http::field::host, defaultPort ? host : host + ":" + request_.url.port);
    req_.set(http::field::connection, "close");
    for (const auto& [name, value] : request_.headers) req_.set(name, value);
    req_.body() = std::move(request_.body);
    req_.prepare_payload();
    lowest().expires_at(deadline_);
    http::async_write(stream_, req_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->finish(0, "send: " + self->why(ec));
      self->read();
    });
  }

  void read() {
    parser_.header_limit(16 * 1024);
    lowest().expires_at(deadline_);
    // Only the status matters: the answer's head is read, its body never.
    http::async_read_header(stream_, buffer_, parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->finish(0, "answer: " + self->why(ec));
      self->finish(static_cast<int>(self->parser_.get().result_int()), "");
    });
  }

  void finish(int status, std::string error) {
    if (!done_) return;
    AttemptOutcome o;
    o.status = status;
    o.ms = msSince(started_);
    o.error = std::move(error);
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(o));
  }

  Stream stream_;
  AttemptRequest request_;
  std::function<void(AttemptOutcome)> done_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::empty_body> parser_;
  SteadyClock::time_point started_, deadline_;
};

}  // namespace

void attemptDelivery(net::io_context& io, net::thread_pool& lookups, net::ssl::context& tls, AttemptRequest request,
                     std::function<void(AttemptOutcome)> done) {
  const SteadyClock::time_point started = SteadyClock::now();
  const SteadyClock::time_point deadline = started + std::chrono::seconds(request.timeoutSeconds);
  // The name is looked up on a thread of `lookups` (getaddrinfo cannot be interrupted, and Asio's
  // own resolver runs every look-up of an io_context on one thread: a name server that never
  // answers would hold every other webhook's look-up). The deadline ends the attempt either way.
  struct Pending {
    bool over = false;  // io thread only
    std::function<void(AttemptOutcome)> done;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  auto timer = std::make_shared<net::steady_timer>(io, deadline);
  timer->async_wait([pending, started, host = request.url.host](beast::error_code ec) {
    if (ec || pending->over) return;
    pending->over = true;
    pending->done(AttemptOutcome{0, msSince(started), "resolve " + host + ": timed out"});
  });
  const std::string host = request.url.host, port = request.url.port;
  net::post(lookups, [&io, &tls, &lookups, pending, timer, started, deadline, host, port, request = std::move(request)]() mutable {
    beast::error_code ec;
    tcp::resolver resolver(lookups.get_executor());
    tcp::resolver::results_type found = resolver.resolve(host, port, ec);
    net::post(io, [&io, &tls, pending, timer, started, deadline, ec, found = std::move(found), request = std::move(request)]() mutable {
      if (pending->over) return;  // the deadline came first
      pending->over = true;
      timer->cancel();
      auto done = std::move(pending->done);
      auto fail = [&](std::string error) { done(AttemptOutcome{0, msSince(started), std::move(error)}); };
      if (ec) return fail("resolve " + request.url.host + ": " + ec.message());
      // Every address the name gave must be public: the connection goes only to these (no second
      // look-up a name server could answer differently).
      for (const auto& entry : found) {
        const net::ip::address a = entry.endpoint().address();
        if (!request.allowPrivate && !publicAddress(a)) {
          return fail("refused: " + request.url.host + " resolves to " + a.to_string() +
                      ", a loopback or private address (see --webhook-allow-private)");
        }
      }
      if (request.url.tls) {
        beast::ssl_stream<beast::tcp_stream> stream(io, tls);
        SSL* ssl = stream.native_handle();
        // Server name indication, and the certificate must name the host.
        if (!SSL_set_tlsext_host_name(ssl, request.url.host.c_str()) || !SSL_set1_host(ssl, request.url.host.c_str())) {
          return fail("TLS: cannot set the host name");
        }
        auto a = std::make_shared<Attempt<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream), std::move(request), std::move(done));
        a->start(found, started, deadline);
      } else {
        auto a = std::make_shared<Attempt<beast::tcp_stream>>(beast::tcp_stream(io), std::move(request), std::move(done));
        a->start(found, started, deadline);
      }
    });
  });
}

}  // namespace edgecart
