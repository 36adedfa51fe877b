// The access log and the Prometheus metrics of HttpServer (docs/operations.md).

#include <chrono>
#include <cstdio>
#include <string>

#include "edgecart/engine/clock.h"
#include "edgecart_server/webhooks.h"
#include "http_server_internal.h"

namespace edgecart {

void HttpServer::logLine(const HttpRequest& req, const HttpReply& res, double ms) {
  json line = {{"time", formatIsoTime(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count())},
               {"method", req.method}, {"path", req.path().substr(0, 400)}, {"status", res.status},
               {"ms", static_cast<double>(static_cast<int64_t>(ms * 100)) / 100},
               {"bytes", res.headOnly ? 0 : res.body.size()}, {"remote", req.remote}};
  if (!res.tenant.empty()) line["tenant"] = res.tenant;
  {
    std::lock_guard<std::mutex> lock(logMu_);
    log_ << line.dump(-1, ' ', false, json::error_handler_t::replace) << "\n" << std::flush;
  }
  countRequest(req, res, ms);
}

namespace {

// A request's route for the metrics: a few fixed names, never the path itself (unbounded labels).
const char* routeLabel(const std::string& method, const std::string& path) {
  if (startsWith(path, "/products")) return "products";
  if (startsWith(path, "/inventory")) return "inventory";
  if (startsWith(path, "/orders")) return "orders";
  if (startsWith(path, "/settings")) return "settings";
  if (path == "/sync/push") return "sync_push";
  if (path == "/sync/pull") return "sync_pull";
  if (path == "/sync/lease") return "sync_lease";
  if (path == "/sync/events") return "sync_events";
  if (startsWith(path, "/webhooks")) return "webhooks";
  if (path == "/healthz") return "healthz";
  if (method.empty()) return "refused";  // the transport answered: a request it could not read
  return "other";
}

}  // namespace

void HttpServer::countRequest(const HttpRequest& req, const HttpReply& res, double ms) {
  const double seconds = ms / 1000;
  std::lock_guard<std::mutex> lock(metrics_->mu);
  Metrics::Route& r = metrics_->routes[routeLabel(req.method, req.path())];
  ++r.byStatus[res.status];
  for (size_t i = 0; i < kBucketCount; ++i) r.buckets[i] += seconds <= kBuckets[i];
  ++r.count;
  r.sum += seconds;
}

// The Prometheus text format (version 0.0.4).
std::string HttpServer::metricsText() const {
  std::string out;
  char num[64];
  auto line = [&](const std::string& name, const std::string& labels, double v) {
    std::snprintf(num, sizeof num, "%.17g", v);
    out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + num + "\n";
  };
  auto help = [&](const char* name, const char* type, const char* text) {
    out += std::string("# HELP ") + name + " " + text + "\n# TYPE " + name + " " + type + "\n";
  };
  {
    std::lock_guard<std::mutex> lock(metrics_->mu);
    help("edgecart_http_requests_total", "counter", "Requests answered, by route and status.");
    for (const auto& [route, r] : metrics_->routes) {
      for (const auto& [status, n] : r.byStatus) {
        line("edgecart_http_requests_total", "route=\"" + route + "\",status=\"" + std::to_string(status) + "\"",
             static_cast<double>(n));
      }
    }
    help("edgecart_http_request_duration_seconds", "histogram", "Time from a request's first byte to its answer.");
    for (const auto& [route, r] : metrics_->routes) {
      for (size_t i = 0; i < kBucketCount; ++i) {
        std::snprintf(num, sizeof num, "%g", kBuckets[i]);
        line("edgecart_http_request_duration_seconds_bucket", "route=\"" + route + "\",le=\"" + num + "\"",
             static_cast<double>(r.buckets[i]));
      }
      line("edgecart_http_request_duration_seconds_bucket", "route=\"" + route + "\",le=\"+Inf\"", static_cast<double>(r.count));
      line("edgecart_http_request_duration_seconds_sum", "route=\"" + route + "\"", r.sum);
      line("edgecart_http_request_duration_seconds_count", "route=\"" + route + "\"", static_cast<double>(r.count));
    }
  }
  help("edgecart_open_connections", "gauge", "HTTP connections open now.");
  line("edgecart_open_connections", "", static_cast<double>(connections()));
  help("edgecart_commit_groups_total", "counter", "Group commits made (SQLite): one transaction for several requests.");
  line("edgecart_commit_groups_total", "", static_cast<double>(groups_.load()));
  help("edgecart_commit_grouped_requests_total", "counter", "Requests that shared a group commit.");
  line("edgecart_commit_grouped_requests_total", "", static_cast<double>(grouped_.load()));
  help("edgecart_conflict_retries_total", "counter", "Requests run again because their commit met another writer's.");
  line("edgecart_conflict_retries_total", "", static_cast<double>(conflictRetries_.load()));
  help("edgecart_event_subscribers", "gauge", "Devices listening for live updates (GET /sync/events).");
  line("edgecart_event_subscribers", "", static_cast<double>(subscribers()));
  help("edgecart_core_queue_depth", "gauge", "Requests waiting for the core.");
  size_t depth;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    depth = core_->jobs.size();
  }
  line("edgecart_core_queue_depth", "", static_cast<double>(depth));
  const Webhooks::Stats w = webhooks_->stats();
  help("edgecart_orders_expired_total", "counter", "Pending orders this process cancelled as expired (docs/money.md).");
  line("edgecart_orders_expired_total", "", static_cast<double>(expired_.load()));
  help("edgecart_webhook_queue_depth", "gauge", "Webhook deliveries waiting to be sent (at the worker's last look).");
  line("edgecart_webhook_queue_depth", "", static_cast<double>(std::max<int64_t>(0, w.queued)));
  help("edgecart_webhook_in_flight", "gauge", "Webhook attempts under way.");
  line("edgecart_webhook_in_flight", "", static_cast<double>(w.inFlight));
  help("edgecart_webhook_attempts_total", "counter", "Webhook attempts by outcome.");
  line("edgecart_webhook_attempts_total", "outcome=\"delivered\"", static_cast<double>(w.delivered));
  line("edgecart_webhook_attempts_total", "outcome=\"failed\"", static_cast<double>(w.failedAttempts));
  help("edgecart_webhook_deliveries_failed_total", "counter", "Webhook deliveries given up after retrying.");
  line("edgecart_webhook_deliveries_failed_total", "", static_cast<double>(w.failed));
  help("edgecart_webhook_subscriptions_disabled_total", "counter", "Webhook subscriptions disabled for failing.");
  line("edgecart_webhook_subscriptions_disabled_total", "", static_cast<double>(w.disabled));
  return out;
}

}  // namespace edgecart
