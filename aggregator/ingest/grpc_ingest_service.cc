// Request -> domain -> IngestProcessor -> response; statuses mapped so agents know what to retry.
#include "aggregator/ingest/grpc_ingest_service.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "aggregator/ingest/proto_convert.h"
#include "common/utf8.h"
namespace ramette::aggregator::ingest {
namespace {

// Agents retry UNAVAILABLE forever; INVALID_ARGUMENT means the call itself is wrong.
grpc::Status ToGrpc(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk:
      return grpc::Status::OK;
    case Status::Code::kInvalidArgument:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, s.message());
    case Status::Code::kIoError:
    case Status::Code::kUnavailable:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, s.message());
    case Status::Code::kUnauthenticated:
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, s.message());
    case Status::Code::kPermissionDenied:
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, s.message());
    default:
      return grpc::Status(grpc::StatusCode::INTERNAL, s.message());
  }
}

constexpr char kBearer[] = "Bearer ";

// The server ids a verified client certificate names (subject CN, DNS SANs); empty without one.
std::vector<std::string> CertificateServerIds(const grpc::ServerContext* ctx) {
  std::vector<std::string> ids;
  std::shared_ptr<const grpc::AuthContext> auth = ctx->auth_context();
  if (!auth || !auth->IsPeerAuthenticated()) return ids;
  for (const char* property : {GRPC_X509_CN_PROPERTY_NAME, GRPC_X509_SAN_PROPERTY_NAME}) {
    for (const grpc::string_ref& v : auth->FindPropertyValues(property)) {
      ids.emplace_back(v.data(), v.size());
    }
  }
  return ids;
}

Result<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read the " + std::string(what) + " " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

grpc::Status GrpcIngestService::Authorize(const grpc::ServerContext* ctx,
                                          const std::string& server_id) const {
  bool presented = false;
  const auto& metadata = ctx->client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end() && auth_.tokens != nullptr) {
    presented = true;
    const std::string value(it->second.data(), it->second.size());
    if (value.rfind(kBearer, 0) != 0) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "the authorization metadata is not 'Bearer TOKEN'");
    }
    Result<std::string> bound = auth_.tokens->ServerIdOfToken(value.substr(sizeof kBearer - 1));
    if (!bound.ok()) {
      if (bound.status().code() == Status::Code::kUnauthenticated) {
        spdlog::warn("refused a call for server '{}': {}", ForLog(server_id),
                     ForLog(bound.status().message()));
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                            "the agent token is unknown or revoked (" + bound.status().message() +
                                "); create one with `ramette token create --server-id " +
                                server_id + "`");
      }
      return ToGrpc(bound.status());
    }
    if (*bound != server_id) {
      spdlog::warn("refused a call for server '{}' with a token bound to '{}'", ForLog(server_id),
                   ForLog(*bound));
      return grpc::Status(
          grpc::StatusCode::PERMISSION_DENIED,
          "this agent token is bound to server id '" + *bound + "', not to '" + server_id + "'");
    }
  }
  std::vector<std::string> cert_ids = CertificateServerIds(ctx);
  if (!cert_ids.empty()) {
    presented = true;
    bool allowed = false;
    for (const std::string& id : cert_ids) allowed = allowed || id == server_id;
    if (!allowed) {
      spdlog::warn("refused a call for server '{}' with a client certificate for '{}'",
                   ForLog(server_id), ForLog(cert_ids.front()));
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "the client certificate names server id '" + cert_ids.front() +
                              "', not '" + server_id + "'");
    }
  }
  if (!presented && auth_.require_credentials) {
    spdlog::warn("refused a call for server '{}' without an agent token or client certificate",
                 ForLog(server_id));
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "this aggregator requires an agent token (authorization: Bearer TOKEN) "
                        "or a client certificate; create a token with `ramette token create "
                        "--server-id " +
                            server_id + "`");
  }
  return grpc::Status::OK;
}

grpc::Status GrpcIngestService::SubmitJobs(grpc::ServerContext* ctx,
                                           const v1::SubmitJobsRequest* req,
                                           v1::SubmitJobsResponse* resp) {
  if (grpc::Status a = Authorize(ctx, req->server_id()); !a.ok()) return a;
  std::vector<JobRecord> jobs;
  jobs.reserve(req->jobs_size());
  for (const auto& j : req->jobs()) jobs.push_back(FromProto(j));
  auto results = processor_->SubmitJobs(req->server_id(), req->agent_version(), std::move(jobs));
  if (!results.ok()) {
    spdlog::warn("SubmitJobs from server '{}' failed: {}", ForLog(req->server_id()),
                 ForLog(results.status().message()));
    return ToGrpc(results.status());
  }
  resp->mutable_results()->Reserve(static_cast<int>(results->size()));
  size_t rejected = 0;
  for (const auto& r : *results) {
    ToProto(r, resp->add_results());
    if (r.kind == RecordResult::Kind::kRejected) ++rejected;
  }
  if (rejected > 0) {
    spdlog::warn("server '{}': {} of {} job records rejected and quarantined",
                 ForLog(req->server_id()), rejected, results->size());
  }
  return grpc::Status::OK;
}

grpc::Status GrpcIngestService::SubmitQueues(grpc::ServerContext* ctx,
                                             const v1::SubmitQueuesRequest* req,
                                             v1::SubmitQueuesResponse* resp) {
  if (grpc::Status a = Authorize(ctx, req->server_id()); !a.ok()) return a;
  std::vector<QueueRecord> queues;
  queues.reserve(req->queues_size());
  for (const auto& q : req->queues()) queues.push_back(FromProto(q));
  auto results =
      processor_->SubmitQueues(req->server_id(), req->agent_version(), std::move(queues));
  if (!results.ok()) return ToGrpc(results.status());
  for (const auto& r : *results) ToProto(r, resp->add_results());
  return grpc::Status::OK;
}

grpc::Status GrpcIngestService::ReportStatus(grpc::ServerContext* ctx,
                                             const v1::ReportStatusRequest* req,
                                             v1::ReportStatusResponse*) {
  if (grpc::Status a = Authorize(ctx, req->server_id()); !a.ok()) return a;
  store::AgentStatusReport status;
  status.outbox_records = req->outbox_records();
  status.oldest_record_unix = req->oldest_record_unix();
  Status s = processor_->ReportStatus(req->server_id(), req->agent_version(), status);
  if (!s.ok()) {
    spdlog::warn("ReportStatus from server '{}' failed: {}", ForLog(req->server_id()),
                 ForLog(s.message()));
  }
  return ToGrpc(s);
}

Result<RunningIngestServer> StartIngestServer(const std::string& listen, IngestProcessor* processor,
                                              const IngestTls& tls, IngestAuth auth) {
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!tls.cert_file.empty()) {
    auto cert = ReadPem(tls.cert_file, "TLS certificate");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(tls.key_file, "TLS key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    options.pem_key_cert_pairs.push_back({*key, *cert});
    if (!tls.client_ca_file.empty()) {
      auto ca = ReadPem(tls.client_ca_file, "client CA file");
      if (!ca.ok()) return ca.status();
      options.pem_root_certs = *ca;
      options.client_certificate_request =
          tls.require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                  : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    credentials = grpc::SslServerCredentials(options);
  }
  RunningIngestServer running;
  running.service = std::make_unique<GrpcIngestService>(processor, auth);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, credentials, &running.port);
  builder.RegisterService(running.service.get());
  builder.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  // gRPC sets SO_REUSEPORT by default on Linux: a second aggregator started on the same port
  // would bind it too, and the kernel would deal the agents' connections between the two (and
  // their databases). Off: the second one fails to listen.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Agents ping every 60 s; allow it even when no call is in flight.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 30000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  running.server = builder.BuildAndStart();
  if (!running.server || running.port == 0) {
    return Status::Unavailable(
        "cannot listen on " + listen +
        (tls.cert_file.empty()
             ? " (address in use or not an address of this machine?)"
             : " (address in use, not an address of this machine, or a TLS key that does not "
               "match its certificate?)"));
  }
  return running;
}

}  // namespace ramette::aggregator::ingest
