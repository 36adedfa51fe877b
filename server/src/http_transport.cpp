#include "edgecart_server/http_transport.h"

#include <sys/resource.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <deque>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace edgecart {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Steady = std::chrono::steady_clock;

namespace {

bool sameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

const char* reason(int status) {
  const auto r = http::obsolete_reason(static_cast<http::status>(status));
  return r.empty() ? "Unknown" : r.data();
}

// A refusal written by the transport itself (the handler never saw the request).
HttpReply plainError(int status, const std::string& message) {
  HttpReply r;
  r.status = status;
  r.close = true;
  r.set("Content-Type", "application/json");
  std::string code = status == 413 ? "PAYLOAD_TOO_LARGE" : status == 503 ? "UNAVAILABLE" : "VALIDATION_FAILED";
  r.body = "{\"statusCode\":" + std::to_string(status) + ",\"error\":\"" + reason(status) + "\",\"message\":\"" +
           message + "\",\"code\":\"" + code + "\"}";
  return r;
}

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (sameName(k, name)) return &v;
  }
  return nullptr;
}

size_t HttpRequest::headerCount(std::string_view name) const {
  size_t n = 0;
  for (const auto& h : headers) n += sameName(h.first, name);
  return n;
}

class Session;

struct HttpTransport::Impl : std::enable_shared_from_this<HttpTransport::Impl> {
  Impl(TransportOptions o, HeadCheck c, Handler h, Logger l)
      : options(std::move(o)), check(std::move(c)), handler(std::move(h)), logger(std::move(l)),
        strand(net::make_strand(io)), acceptor(strand), signals(strand), retry(strand) {}

  void accept();
  void add(const std::shared_ptr<Session>& s);
  void remove(Session* s);
  void stopNow();

  TransportOptions options;
  HeadCheck check;
  Handler handler;
  Logger logger;
  net::io_context io;
  // The acceptor, the signals and the retry timer are used only on this strand (the accept loop
  // and stopNow may otherwise run on two event-loop threads at once).
  net::strand<net::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  net::signal_set signals;
  net::steady_timer retry;  // after accept() fails for want of descriptors
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::atomic<size_t> open{0};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpTransport::Impl& t) : stream_(std::move(socket)), t_(t) {
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = peer.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);  // an answer goes out at once
  }
  ~Session() { t_.remove(this); }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->next(); });
  }
  // stop(): an idle connection closes now, a stream ends now; a busy one closes after its answer.
  void onStop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->streaming_) return self->endStream();
      if (self->idle_) self->close();
    });
  }

  // The stream's side (SessionStream forwards here, on the session's executor).
  bool streamWrite(std::string bytes) {
    if (closed_ || streamEnding_) return false;
    if (bytes.empty()) return true;  // an empty chunk would end the stream
    net::post(stream_.get_executor(), [self = shared_from_this(), b = std::move(bytes)]() mutable {
      if (self->closed_ || self->streamEnding_) return;
      // A client that does not read: its queue is bounded, then it is dropped.
      if (self->outQueued_ > kMaxStreamQueue) return self->close();
      self->outQueued_ += b.size();
      self->out_.push_back(std::move(b));
      self->pump();
    });
    return true;
  }
  void endStream() {
    if (closed_ || streamEnding_) return;
    streamEnding_ = true;
    pump();
  }
  bool streamOpen() const { return !closed_ && !streamEnding_; }

 private:
  // The next request: wait (idleSeconds) for its first byte unless pipelined bytes are here.
  void next() {
    if (t_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(t_.options.maxHeaderBytes));
    parser_->body_limit(t_.options.maxBodyBytes);
    req_ = HttpRequest{};
    req_.remote = remote_;
    if (buffer_.size() > 0) return begin();
    // Idle: no buffer held (10,000 idle connections cost their sockets, not 10,000 buffers).
    buffer_.shrink_to_fit();
    idle_ = true;
    stream_.expires_after(std::chrono::seconds(t_.options.idleSeconds));
    stream_.async_read_some(net::buffer(&first_, 1), [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->idle_ = false;
      if (ec || n != 1) return self->close();  // idle too long, closed by the client, or stop()
      self->buffer_.commit(net::buffer_copy(self->buffer_.prepare(1), net::buffer(&self->first_, 1)));
      self->begin();
    });
  }

  // From the first byte, the whole request must arrive within requestSeconds.
  void begin() {
    idle_ = false;
    start_ = Steady::now();
    stream_.expires_after(std::chrono::seconds(t_.options.requestSeconds));
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->fail(ec);
      self->onHead();
    });
  }

  void onHead() {
    const auto& h = parser_->get();
    req_.method = std::string(h.method_string());
    req_.target = std::string(h.target());
    for (const auto& f : h) req_.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    req_.keepAlive = h.keep_alive();
    version_ = h.version() == 10 ? 10 : 11;
    if (std::optional<HttpReply> refused = t_.check(req_)) {
      if (!parser_->is_done()) refused->close = true;  // its body is never read
      return send(std::move(*refused));
    }
    if (parser_->is_done()) return onRequest();
    const std::string* expect = req_.header("Expect");
    if (expect && sameName(*expect, "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue), [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec) return self->close();
        self->readBody();
      });
      return;
    }
    readBody();
  }

  void readBody() {
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->fail(ec);
      self->onRequest();
    });
  }

  void onRequest() {
    req_.body = std::move(parser_->get().body());
    stream_.expires_never();  // the handler's time is not the client's
    // The loop must not finish while a handler holds this request.
    auto guard = net::make_work_guard(t_.io);
    t_.handler(req_, [self = shared_from_this(), guard = std::move(guard)](HttpReply r) mutable {
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->send(std::move(r)); });
      guard.reset();
    });
  }

  void fail(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof) return close();
    if (ec == http::error::header_limit) return send(plainError(431, "Request headers exceed " + std::to_string(t_.options.maxHeaderBytes) + " bytes"));
    if (ec == http::error::body_limit) return send(plainError(413, "Request body exceeds " + std::to_string(t_.options.maxBodyBytes) + " bytes"));
    // A timeout (the request did not arrive whole in time) closed the socket already: no answer.
    if (ec.category() == beast::error_code(http::error::bad_target).category()) return send(plainError(400, "Malformed HTTP request"));
    close();
  }

  void send(HttpReply r) {
    if (r.onStream) return startStream(std::move(r));
    if (req_.method == "HEAD") r.headOnly = true;  // whichever part answered it
    const bool keep = req_.keepAlive && !r.close && !t_.stopping;
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(r.status));
    for (const auto& [k, v] : r.headers) res->insert(k, v);
    res->keep_alive(keep);
    if (r.headOnly) {
      res->content_length(r.body.size());
    } else {
      res->body() = r.body;
      res->prepare_payload();
    }
    if (t_.logger) {
      const Steady::time_point from = start_ == Steady::time_point{} ? Steady::now() : start_;
      t_.logger(req_, r, std::chrono::duration<double, std::milli>(Steady::now() - from).count());
    }
    stream_.expires_after(std::chrono::seconds(t_.options.requestSeconds));  // an answer nobody reads
    const bool unread = parser_ && !parser_->is_done();
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep, unread](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (!keep) return unread ? self->linger() : self->close();
      self->next();
    });
  }

  // An answer sent before the request's body was read (a refusal): the body still arriving is
  // read and dropped for a moment before the close. Closing with unread bytes would reset the
  // connection, and the client could lose the answer before reading it.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (lingerUntil_ == Steady::time_point{}) lingerUntil_ = Steady::now() + std::chrono::seconds(2);
    if (Steady::now() >= lingerUntil_) return close();
    stream_.expires_at(lingerUntil_);
    if (!drain_) drain_ = std::make_unique<char[]>(kDrain);
    stream_.async_read_some(net::buffer(drain_.get(), kDrain), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->linger();
    });
  }

  // A stream: the head (chunked, no length), then chunks as they come; a read stays pending to see
  // the client leave; a comment every 20 s keeps proxies from timing it out.
  void startStream(HttpReply r) {
    if (t_.logger) t_.logger(req_, r, std::chrono::duration<double, std::milli>(Steady::now() - start_).count());
    auto head = std::make_shared<http::response<http::empty_body>>();
    head->version(11);
    head->result(static_cast<unsigned>(r.status));
    for (const auto& [k, v] : r.headers) head->insert(k, v);
    head->chunked(true);
    head->keep_alive(false);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    streaming_ = true;
    if (t_.stopping) streamEnding_ = true;  // opened while stopping: its head, then its end
    writing_ = true;
    stream_.expires_after(std::chrono::seconds(t_.options.requestSeconds));
    http::async_write_header(stream_, *serializer, [self = shared_from_this(), head, serializer,
                                                    onStream = std::move(r.onStream)](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->close();
      self->watchClient();
      self->ping();
      onStream(std::make_shared<SessionStream>(self));
      self->pump();
    });
  }

  void watchClient() {
    stream_.expires_never();
    stream_.async_read_some(net::buffer(&first_, 1), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();  // gone (anything it sends is ignored)
      self->watchClient();
    });
  }

  void ping() {
    if (!pingTimer_) pingTimer_ = std::make_unique<net::steady_timer>(stream_.get_executor());
    pingTimer_->expires_after(std::chrono::seconds(20));
    pingTimer_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_ || self->streamEnding_) return;
      self->streamWrite(": ping\n\n");
      self->ping();
    });
  }

  void pump() {
    if (writing_ || closed_) return;
    if (out_.empty()) {
      if (!streamEnding_) return;
      writing_ = true;
      net::async_write(stream_, http::make_chunk_last(), [self = shared_from_this()](beast::error_code, size_t) {
        self->writing_ = false;
        self->close();
      });
      return;
    }
    writing_ = true;
    auto bytes = std::make_shared<std::string>(std::move(out_.front()));
    out_.pop_front();
    outQueued_ -= bytes->size();
    stream_.expires_after(std::chrono::seconds(t_.options.requestSeconds));  // a client that stops reading
    net::async_write(stream_, http::make_chunk(net::buffer(*bytes)), [self = shared_from_this(), bytes](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->close();
      self->pump();
    });
  }

  void close() {
    if (pingTimer_) pingTimer_->cancel();
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpTransport::Impl& t_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest req_;
  std::string remote_;
  Steady::time_point start_{};
  Steady::time_point lingerUntil_{};
  static constexpr size_t kDrain = 16384;
  std::unique_ptr<char[]> drain_;  // only while lingering
  char first_ = 0;                 // an idle connection's first byte
  bool idle_ = true;
  unsigned version_ = 11;  // of the request being answered: a 1.0 client gets 1.0 framing
  std::atomic<bool> closed_{false};  // read by a stream's writers on other threads
  // A stream's state (startStream).
  static constexpr size_t kMaxStreamQueue = 1 << 20;
  bool streaming_ = false;
  std::atomic<bool> streamEnding_{false};
  bool writing_ = false;
  std::deque<std::string> out_;
  size_t outQueued_ = 0;
  std::unique_ptr<net::steady_timer> pingTimer_;

  class SessionStream : public HttpStream {
   public:
    explicit SessionStream(std::shared_ptr<Session> s) : s_(std::move(s)) {}
    bool write(std::string bytes) override {
      auto s = s_.lock();
      return s && s->streamWrite(std::move(bytes));
    }
    void close() override {
      if (auto s = s_.lock()) net::post(s->stream_.get_executor(), [s] { s->endStream(); });
    }
    bool isOpen() const override {
      auto s = s_.lock();
      return s && s->streamOpen();
    }

   private:
    std::weak_ptr<Session> s_;
  };
};

void HttpTransport::Impl::add(const std::shared_ptr<Session>& s) {
  std::lock_guard<std::mutex> lock(mu);
  sessions.emplace(s.get(), s);
  open.fetch_add(1);
}

void HttpTransport::Impl::remove(Session* s) {
  std::lock_guard<std::mutex> lock(mu);
  if (sessions.erase(s)) open.fetch_sub(1);
}

void HttpTransport::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopping) return;
    if (ec) {
      // Out of descriptors (EMFILE) or a connection reset before it was taken: try again soon.
      self->retry.expires_after(std::chrono::milliseconds(50));
      self->retry.async_wait([self](beast::error_code e) {
        if (!e && !self->stopping) self->accept();
      });
      return;
    }
    if (self->open.load() >= self->options.maxConnections) {
      // Refused cleanly: a short 503 written to the fresh socket (its buffer takes it whole), then closed.
      const HttpReply r = plainError(503, "Too many connections; try again shortly");
      std::string bytes = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                          "Connection: close\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
      beast::error_code ignored;
      socket.non_blocking(true, ignored);
      socket.send(net::buffer(bytes), 0, ignored);
      socket.shutdown(tcp::socket::shutdown_send, ignored);
      socket.close(ignored);
    } else {
      auto s = std::make_shared<Session>(std::move(socket), *self);
      self->add(s);
      s->start();
    }
    self->accept();
  });
}

void HttpTransport::Impl::stopNow() {
  stopping = true;
  beast::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  retry.cancel();
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& [p, w] : sessions) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->onStop();
}

HttpTransport::HttpTransport(TransportOptions options, HeadCheck check, Handler handler, Logger logger)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(check), std::move(handler), std::move(logger))) {}

HttpTransport::~HttpTransport() = default;

int HttpTransport::bind() {
  // Every connection is a descriptor: as many as the system lets this process have.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  Impl& t = *impl_;
  beast::error_code ec;
  const auto address = net::ip::make_address(t.options.host, ec);
  if (ec) throw std::runtime_error("cannot bind " + t.options.host + ": not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(t.options.port));
  t.acceptor.open(endpoint.protocol(), ec);
  if (!ec) t.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) t.acceptor.bind(endpoint, ec);
  if (!ec) t.acceptor.listen(t.options.backlog, ec);
  if (ec) throw std::runtime_error("cannot bind " + t.options.host + ":" + std::to_string(t.options.port) + ": " + ec.message());
  // From here on a signal stops the server (once run() serves; none is lost before).
  if (t.options.handleSignals) {
    t.signals.add(SIGINT);
    t.signals.add(SIGTERM);
    t.signals.async_wait([self = impl_](beast::error_code e, int) {
      if (!e) self->stopNow();
    });
  }
  return t.acceptor.local_endpoint().port();
}

void HttpTransport::run() {
  Impl& t = *impl_;
  // Stopped before it ran: nothing is accepted, and the posted stop still closes what bind() opened.
  if (!t.stopping) net::post(t.strand, [self = impl_] { self->accept(); });
  std::vector<std::thread> extra;
  for (size_t i = 1; i < std::max<size_t>(1, t.options.threads); ++i) extra.emplace_back([&t] { t.io.run(); });
  t.io.run();
  for (std::thread& th : extra) th.join();
}

void HttpTransport::stop() {
  impl_->stopping = true;
  net::post(impl_->strand, [self = impl_] { self->stopNow(); });
}

size_t HttpTransport::connections() const { return impl_->open.load(); }

}  // namespace edgecart
