// HttpMetricsServer: a minimal HTTP/1.0 server on its own thread that answers GET /metrics with
// the Prometheus text a callback renders (adapter: plain POSIX sockets).
#ifndef RAMETTE_AGGREGATOR_METRICS_HTTP_METRICS_SERVER_H_
#define RAMETTE_AGGREGATOR_METRICS_HTTP_METRICS_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/status.h"

namespace ramette::aggregator::metrics {

// Serves one connection at a time: reads the request head (at most 8 KiB, 5 s), answers
// GET /metrics with 200 and render()'s text, any other GET with 404, other methods with 405,
// then closes. render() runs on the server's thread.
class HttpMetricsServer {
 public:
  // Listens on `listen` ("HOST:PORT", an IPv4 address or "localhost"; port 0 = any free port).
  // InvalidArgument for a malformed address, Unavailable when it cannot be bound.
  static Result<std::unique_ptr<HttpMetricsServer>> Start(const std::string& listen,
                                                          std::function<std::string()> render);
  // Stops the thread and closes the socket.
  ~HttpMetricsServer();
  HttpMetricsServer(const HttpMetricsServer&) = delete;
  HttpMetricsServer& operator=(const HttpMetricsServer&) = delete;

  // The port it listens on (the real one when asked for port 0).
  int port() const { return port_; }

 private:
  HttpMetricsServer(int listen_fd, int wake_read, int wake_write, int port,
                    std::function<std::string()> render);
  void Serve();
  void Answer(int fd);

  const int listen_fd_;
  const int wake_read_;  // a pipe: writing to wake_write_ stops Serve()
  const int wake_write_;
  const int port_;
  const std::function<std::string()> render_;
  std::thread thread_;
};

}  // namespace ramette::aggregator::metrics

#endif  // RAMETTE_AGGREGATOR_METRICS_HTTP_METRICS_SERVER_H_
