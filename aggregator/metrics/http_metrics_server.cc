// The metrics endpoint on cpp-httplib: address check, bind without port sharing, the routes, and
// a thread that runs the library's accept loop (its workers with SIGPIPE blocked).
#include "aggregator/metrics/http_metrics_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>

namespace ramette::aggregator::metrics {
namespace {

constexpr size_t kMaxRequestBody = 8192;
constexpr const char* kPrometheusText = "text/plain; version=0.0.4; charset=utf-8";

// Only SO_REUSEADDR (restart while old connections linger in TIME_WAIT); the library's default
// adds SO_REUSEPORT, which would let a second server share the port and steal scrapes.
void ListenSocketOptions(int fd) {
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

}  // namespace

Result<std::unique_ptr<HttpMetricsServer>> HttpMetricsServer::Start(
    const std::string& listen, std::function<std::string()> render) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("metrics listen address '" + listen + "' is not HOST:PORT");
  }
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (host == "localhost") host = "127.0.0.1";
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  in_addr ipv4{};
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535 ||
      inet_pton(AF_INET, host.c_str(), &ipv4) != 1) {
    return Status::InvalidArgument("metrics listen address '" + listen +
                                   "' is not IPV4:PORT (e.g. 127.0.0.1:9464)");
  }

  auto http = std::make_unique<httplib::Server>();
  http->set_address_family(AF_INET);
  http->set_socket_options(ListenSocketOptions);
  errno = 0;
  const int flags = AI_NUMERICHOST | AI_PASSIVE;
  const int bound =
      port == 0
          ? http->bind_to_any_port(host, flags)
          : (http->bind_to_port(host, static_cast<int>(port), flags) ? static_cast<int>(port) : -1);
  if (bound <= 0) {
    const int why = errno;
    return Status::Unavailable("cannot listen for metrics on " + listen + ": " +
                               (why != 0 ? std::strerror(why) : "bind failed"));
  }

  std::unique_ptr<HttpMetricsServer> server(
      new HttpMetricsServer(std::move(http), bound, std::move(render)));
  httplib::Server& s = *server->server_;
  s.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  // One request per connection, so a worker is never held between a client's requests; the
  // keep-alive timeout is then the wait for the request's first byte.
  s.set_keep_alive_max_count(1);
  s.set_keep_alive_timeout(kIdleTimeoutSeconds);
  s.set_read_timeout(kIoTimeoutSeconds, 0);
  s.set_write_timeout(kIoTimeoutSeconds, 0);
  s.set_payload_max_length(kMaxRequestBody);
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET") {
      res.status = 405;
      res.set_header("Allow", "GET");
      res.set_content("GET /metrics only\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.path != "/metrics") {
      res.status = 404;
      res.set_content("see /metrics\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  HttpMetricsServer* self = server.get();
  s.Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    res.set_content(self->Render(), kPrometheusText);
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content("metrics unavailable\n", "text/plain");
  });

  server->thread_ = std::thread([self] {
    // Debian's library sends without MSG_NOSIGNAL and the aggregator does not ignore SIGPIPE:
    // block it in this thread and the workers (they inherit the mask), so that a send() to a
    // client gone away can only fail with EPIPE, never end the process.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    self->server_->listen_after_bind();
    self->finished_ = true;
  });
  // stop() is a no-op until the loop runs: wait for it, so that the destructor always stops it.
  while (!server->server_->is_running() && !server->finished_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (server->finished_) {
    return Status::Unavailable("metrics on " + listen + ": the accept loop ended at once");
  }
  return server;
}

HttpMetricsServer::HttpMetricsServer(std::unique_ptr<httplib::Server> server, int port,
                                     std::function<std::string()> render)
    : server_(std::move(server)), port_(port), render_(std::move(render)) {}

HttpMetricsServer::~HttpMetricsServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string HttpMetricsServer::Render() {
  std::lock_guard<std::mutex> lock(render_mutex_);
  return render_();
}

}  // namespace ramette::aggregator::metrics
