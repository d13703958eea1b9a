// cpp-httplib <-> WebApp: address parsing, bind without port sharing, TLS, the request and
// response translation, and the accept loop's thread (SIGPIPE blocked).
#include "aggregator/web/web_server.h"

#include <httplib.h>
#include <netdb.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

namespace ramette::aggregator::web {
namespace {

void ListenSocketOptions(int fd) {
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

bool Readable(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

}  // namespace

Result<std::unique_ptr<WebServer>> WebServer::Start(const WebServerOptions& options, WebApp* app) {
  const std::string& listen = options.listen;
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return Status::InvalidArgument("[web] listen '" + listen + "' is not HOST:PORT");
  }
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port_text) > 65535) {
    return Status::InvalidArgument("[web] listen '" + listen + "': bad port");
  }
  const int port = std::stoi(port_text);

  std::unique_ptr<httplib::Server> http;
  if (!options.cert_file.empty()) {
    for (const std::string* f : {&options.cert_file, &options.key_file}) {
      if (!Readable(*f)) return Status::InvalidArgument("[web] cannot read " + *f);
    }
    auto tls =
        std::make_unique<httplib::SSLServer>(options.cert_file.c_str(), options.key_file.c_str());
    if (!tls->is_valid()) {
      return Status::InvalidArgument("[web] cert_file " + options.cert_file + " and key_file " +
                                     options.key_file + " are not a usable PEM pair");
    }
    http = std::move(tls);
  } else {
    http = std::make_unique<httplib::Server>();
  }
  http->set_address_family(host.find(':') != std::string::npos ? AF_INET6 : AF_INET);
  http->set_socket_options(ListenSocketOptions);
  errno = 0;
  const int flags = AI_NUMERICHOST | AI_PASSIVE;
  const int bound = port == 0 ? http->bind_to_any_port(host, flags)
                              : (http->bind_to_port(host, port, flags) ? port : -1);
  if (bound <= 0) {
    const int why = errno;
    return Status::Unavailable("cannot listen on " + listen + ": " +
                               (why != 0 ? std::strerror(why) : "bind failed") +
                               (why == EADDRINUSE ? " (is another ramette-web running?)" : ""));
  }

  std::unique_ptr<WebServer> server(new WebServer(std::move(http), bound));
  httplib::Server& s = *server->server_;
  s.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  s.set_keep_alive_max_count(20);
  s.set_keep_alive_timeout(kIdleTimeoutSeconds);
  s.set_read_timeout(kIoTimeoutSeconds, 0);
  s.set_write_timeout(kIoTimeoutSeconds, 0);
  s.set_payload_max_length(kMaxRequestBody);
  const std::string header = options.trusted_user_header;
  auto serve = [app, header](const httplib::Request& req, httplib::Response& res) {
    WebRequest w;
    w.method = req.method;
    w.path = req.path;
    // httplib puts the query and, for url-encoded POST bodies, the form fields in params.
    for (const auto& [k, v] : req.params) w.params.emplace(k, v);
    w.cookie_header = req.get_header_value("Cookie");
    w.remote_address = req.remote_addr;
    if (!header.empty() && req.has_header(header.c_str())) {
      w.trusted_user = req.get_header_value(header.c_str());
    }
    WebResponse r = app->Handle(w);
    res.status = r.status;
    for (const auto& [k, v] : r.headers) res.headers.emplace(k, v);
    res.set_content(std::move(r.body), r.content_type.empty() ? "text/plain" : r.content_type);
  };
  // Every path goes to the app, which answers 404 and 405 itself. GET and POST through the
  // library's routes (a POST's url-encoded form is read into params only there); other methods
  // before routing, as the app refuses them without reading a body.
  s.Get(".*", serve);
  s.Post(".*", serve);
  s.set_pre_routing_handler([serve](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || req.method == "HEAD" || req.method == "POST") {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    serve(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content("internal error\n", "text/plain");
  });

  WebServer* self = server.get();
  server->thread_ = std::thread([self] {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    self->server_->listen_after_bind();
    self->finished_ = true;
  });
  while (!server->server_->is_running() && !server->finished_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (server->finished_) return Status::Unavailable("web on " + listen + ": accept loop ended");
  return server;
}

WebServer::WebServer(std::unique_ptr<httplib::Server> server, int port)
    : server_(std::move(server)), port_(port) {}

WebServer::~WebServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ramette::aggregator::web
