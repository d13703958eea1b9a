// HttpMetricsServer: the Prometheus endpoint, GET /metrics answered with the text a callback
// renders (adapter: Debian's cpp-httplib, a bounded pool of worker threads).
#ifndef RAMETTE_AGGREGATOR_METRICS_HTTP_METRICS_SERVER_H_
#define RAMETTE_AGGREGATOR_METRICS_HTTP_METRICS_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace ramette::aggregator::metrics {

// Answers GET /metrics (query string ignored) with 200 and render()'s text, any other GET with
// 404, other methods with 405; one request per connection. Connections are served by
// kWorkerThreads threads; a client that sends nothing is dropped after kIdleTimeoutSeconds and
// a stalled read or write after kIoTimeoutSeconds, so idle clients delay a scrape by seconds,
// never starve it. render() runs on a worker thread, one call at a time.
class HttpMetricsServer {
 public:
  static constexpr int kWorkerThreads = 8;
  static constexpr int kIdleTimeoutSeconds = 1;
  static constexpr int kIoTimeoutSeconds = 2;

  // Listens on `listen` ("HOST:PORT", an IPv4 address or "localhost"; port 0 = any free port).
  // InvalidArgument for a malformed address, Unavailable when it cannot be bound (a port in
  // use is refused: the socket does not share ports, no SO_REUSEPORT).
  static Result<std::unique_ptr<HttpMetricsServer>> Start(const std::string& listen,
                                                          std::function<std::string()> render);
  // Stops accepting, closes the socket and joins every thread (at most a few seconds while a
  // client is mid-request).
  ~HttpMetricsServer();
  HttpMetricsServer(const HttpMetricsServer&) = delete;
  HttpMetricsServer& operator=(const HttpMetricsServer&) = delete;

  // The port it listens on (the real one when asked for port 0).
  int port() const { return port_; }

 private:
  HttpMetricsServer(std::unique_ptr<httplib::Server> server, int port,
                    std::function<std::string()> render);
  std::string Render();

  const std::unique_ptr<httplib::Server> server_;
  const int port_;
  const std::function<std::string()> render_;
  std::mutex render_mutex_;            // serialises render_
  std::atomic<bool> finished_{false};  // set when the accept loop has returned
  std::thread thread_;                 // the accept loop; it owns the worker pool
};

}  // namespace ramette::aggregator::metrics

#endif  // RAMETTE_AGGREGATOR_METRICS_HTTP_METRICS_SERVER_H_
