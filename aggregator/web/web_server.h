// WebServer: ramette-web's HTTP(S) front on Debian's cpp-httplib, a bounded pool of workers with
// read, write and idle timeouts, every request handed to WebApp (adapter; no decision here).
#ifndef RAMETTE_AGGREGATOR_WEB_WEB_SERVER_H_
#define RAMETTE_AGGREGATOR_WEB_WEB_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "aggregator/web/web_app.h"
#include "common/status.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace ramette::aggregator::web {

struct WebServerOptions {
  std::string listen;               // HOST:PORT, an IPv4 or bracketed IPv6 literal or localhost
  std::string cert_file, key_file;  // both set: HTTPS; both empty: HTTP
  std::string trusted_user_header;  // copied into WebRequest::trusted_user when present
};

class WebServer {
 public:
  // cpp-httplib gives each connection a worker until it closes (20 requests, or 5 s without
  // one), and a browser keeps up to six connections open: 64 workers let about ten browsers in
  // at once before a new connection waits. An idle worker costs a few kilobytes.
  static constexpr int kWorkerThreads = 64;
  static constexpr int kIdleTimeoutSeconds = 5;
  static constexpr int kIoTimeoutSeconds = 10;
  static constexpr size_t kMaxRequestBody = 16 * 1024;

  // Binds (no SO_REUSEPORT: a second server on a port in use fails) and serves `app` (which
  // outlives the server) from a thread of its own. InvalidArgument for a malformed address or
  // unreadable TLS files, Unavailable when the address cannot be bound.
  static Result<std::unique_ptr<WebServer>> Start(const WebServerOptions& options, WebApp* app);
  // Stops accepting and joins the threads.
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  int port() const { return port_; }

 private:
  WebServer(std::unique_ptr<httplib::Server> server, int port);

  const std::unique_ptr<httplib::Server> server_;
  const int port_;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace ramette::aggregator::web

#endif  // RAMETTE_AGGREGATOR_WEB_WEB_SERVER_H_
