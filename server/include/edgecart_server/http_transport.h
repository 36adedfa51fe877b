#pragma once
// HTTP/1.1 on an event loop (Boost.Beast on Asio): a few threads serve every connection, so slow,
// idle or hostile clients hold memory and a socket each, never a thread. Bounded everywhere: the
// head's size, the body's (chunked too, refused as soon as it passes), the time a request may take
// to arrive from its first byte, the time an idle keep-alive connection is kept, and the number of
// connections (one more is answered 503 and closed). Requests on a connection are answered in
// order (keep-alive and pipelining); stop() takes nothing new, lets what is in flight finish, and
// closes idle connections. What a request means is the handler's business (http_server.cpp).

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgecart {

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: path and query, never decoded here
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;
  std::string remote;  // the peer's address
  bool keepAlive = true;

  std::string path() const { return target.substr(0, target.find('?')); }
  std::string query() const {
    const size_t q = target.find('?');
    return q == std::string::npos ? "" : target.substr(q + 1);
  }
  // The first header of that name (case-insensitive), or null.
  const std::string* header(std::string_view name) const;
  size_t headerCount(std::string_view name) const;
};

// An answer that stays open (Server-Sent Events): its head is sent, then each write() goes out as
// it comes, until close(), the client leaving, or stop(). Thread-safe.
class HttpStream {
 public:
  virtual ~HttpStream() = default;
  // Queues bytes to send; false if the stream is closed (they are dropped).
  virtual bool write(std::string bytes) = 0;
  virtual void close() = 0;
  virtual bool isOpen() const = 0;
};

struct HttpReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;   // close the connection after this answer
  bool headOnly = false;  // a HEAD: the headers of the answer, its Content-Length, no body
  std::string tenant;   // for the access log
  // Set: the answer is a stream. Its head (status, headers) is sent with no body of its own, then
  // this is called with the stream to write to.
  std::function<void(std::shared_ptr<HttpStream>)> onStream;
  void set(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

struct TransportOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = any free port
  size_t threads = 2;                      // event-loop threads
  size_t maxHeaderBytes = 16 * 1024;       // request line and headers, in all: 431 past it
  size_t maxBodyBytes = 2 * 1024 * 1024;   // 413 as soon as a body passes it
  int requestSeconds = 10;                 // from a request's first byte to its last: then closed
  int idleSeconds = 5;                     // a keep-alive connection without a request: closed
  size_t maxConnections = 20000;           // one more is answered 503 and closed
  int backlog = 1024;                      // the listen queue
  bool handleSignals = false;              // SIGINT and SIGTERM call stop()
};

class HttpTransport {
 public:
  // Called with a request's head, before its body is read: a reply refuses the request without
  // reading the body (an unauthenticated upload is not read at all). nullopt: read on.
  using HeadCheck = std::function<std::optional<HttpReply>(const HttpRequest&)>;
  // Called with the whole request on an event-loop thread; answers through `done`, from any
  // thread, exactly once. Long work belongs on another thread (the loop serves every connection).
  using Handler = std::function<void(HttpRequest, std::function<void(HttpReply)> done)>;
  // Called once per answer: the request, the reply, milliseconds since its first byte.
  using Logger = std::function<void(const HttpRequest&, const HttpReply&, double ms)>;

  HttpTransport(TransportOptions options, HeadCheck check, Handler handler, Logger logger);
  ~HttpTransport();

  // Binds and listens; returns the port. Throws std::runtime_error if it cannot. Raises the
  // process's open-file limit to its hard limit (each connection is a descriptor).
  int bind();
  // Serves until stop() and until every connection has closed; then returns.
  void run();
  // Thread-safe; also before run() (run then returns at once).
  void stop();
  // Connections open now.
  size_t connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace edgecart
