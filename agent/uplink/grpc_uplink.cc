// gRPC client for ramette.v1.Ingest; statuses mapped to Unavailable (retry) or InvalidArgument.
#include "agent/uplink/grpc_uplink.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "proto/convert/record_convert.h"
#include "ramette/v1/ingest.grpc.pb.h"

namespace ramette::agent {
namespace {

Status FromGrpc(const grpc::Status& s, const std::string& server_id) {
  std::string what = "aggregator: " + s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
      return Status::Unauthenticated(
          "the aggregator refused this agent's token (missing, revoked or unknown): create a new "
          "one with `ramette token create --server-id " +
          server_id + "` and put it in the agent's token_file (" + what + ")");
    case grpc::StatusCode::PERMISSION_DENIED:
      return Status::PermissionDenied(
          "the aggregator refused records for server id '" + server_id +
          "': this agent's token or certificate is for another server id (" + what + ")");
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::UNIMPLEMENTED:
      return Status::InvalidArgument(what);
    default:
      return Status::Unavailable(what);
  }
}

SubmitResult FromProto(const v1::RecordResult& r) {
  SubmitResult out;
  switch (r.status()) {
    case v1::RECORD_STATUS_ACCEPTED:
      out.kind = SubmitResult::Kind::kAccepted;
      break;
    case v1::RECORD_STATUS_DUPLICATE:
      out.kind = SubmitResult::Kind::kDuplicate;
      break;
    default:
      out.kind = SubmitResult::Kind::kRejected;
      break;
  }
  out.reason = r.reason();
  return out;
}

template <typename Response>
Result<std::vector<SubmitResult>> Results(const Response& resp, size_t expected) {
  if (static_cast<size_t>(resp.results_size()) != expected) {
    return Status::Unavailable("aggregator answered " + std::to_string(resp.results_size()) +
                               " results for " + std::to_string(expected) + " records");
  }
  std::vector<SubmitResult> out;
  out.reserve(expected);
  for (const auto& r : resp.results()) out.push_back(FromProto(r));
  return out;
}

Result<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read the " + std::string(what) + " " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<UplinkCredentials> LoadUplinkCredentials(const std::string& ca_file,
                                                const std::string& token_file,
                                                const std::string& cert_file,
                                                const std::string& key_file) {
  UplinkCredentials c;
  if (cert_file.empty() != key_file.empty()) {
    return Status::InvalidArgument(
        "[aggregator] cert_file and key_file go together: set both or neither");
  }
  if (!cert_file.empty() && ca_file.empty()) {
    return Status::InvalidArgument(
        "[aggregator] cert_file (mutual TLS) needs ca_file, the aggregator's CA");
  }
  if (!ca_file.empty()) {
    auto ca = ReadFile(ca_file, "aggregator CA file");
    if (!ca.ok()) return ca.status();
    c.root_certs_pem = std::move(*ca);
  }
  if (!cert_file.empty()) {
    auto cert = ReadFile(cert_file, "client certificate");
    if (!cert.ok()) return cert.status();
    auto key = ReadFile(key_file, "client key");
    if (!key.ok()) return key.status();
    c.client_cert_pem = std::move(*cert);
    c.client_key_pem = std::move(*key);
  }
  if (!token_file.empty()) {
    auto token = ReadFile(token_file, "token file");
    if (!token.ok()) return token.status();
    std::string t = std::move(*token);
    const size_t end = t.find_last_not_of(" \t\r\n");
    t.erase(end == std::string::npos ? 0 : end + 1);
    const size_t begin = t.find_first_not_of(" \t\r\n");
    t.erase(0, begin == std::string::npos ? t.size() : begin);
    if (t.empty() || t.find_first_of(" \t\r\n") != std::string::npos) {
      return Status::InvalidArgument("the token file " + token_file +
                                     " must hold one token (from `ramette token create`)");
    }
    struct stat st {};
    if (stat(token_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      spdlog::warn("the token file {} can be read by other users (chmod 0600 it)", token_file);
    }
    c.token = std::move(t);
  }
  return c;
}

struct GrpcUplink::Impl {
  GrpcUplinkOptions options;
  std::unique_ptr<v1::Ingest::Stub> stub;

  std::string authorization;  // "Bearer TOKEN", or empty

  void Prepare(grpc::ClientContext* ctx) const {
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(options.deadline_ms));
    if (!authorization.empty()) ctx->AddMetadata("authorization", authorization);
  }
};

GrpcUplink::GrpcUplink(GrpcUplinkOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  grpc::ChannelArguments args;
  // Matched with the aggregator: it accepts pings every 30 s without calls in flight.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Reconnect attempts follow the forwarder's own backoff; keep gRPC's short.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  const UplinkCredentials& c = impl_->options.credentials;
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!c.root_certs_pem.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = c.root_certs_pem;
    ssl.pem_cert_chain = c.client_cert_pem;
    ssl.pem_private_key = c.client_key_pem;
    credentials = grpc::SslCredentials(ssl);
    if (!c.server_name.empty()) args.SetSslTargetNameOverride(c.server_name);
  }
  if (!c.token.empty()) impl_->authorization = "Bearer " + c.token;
  auto channel = grpc::CreateCustomChannel(impl_->options.target, credentials, args);
  impl_->stub = v1::Ingest::NewStub(channel);
}

GrpcUplink::~GrpcUplink() = default;

Result<std::vector<SubmitResult>> GrpcUplink::SubmitJobs(const std::string& server_id,
                                                         const std::vector<JobRecord>& jobs) {
  v1::SubmitJobsRequest req;
  req.set_server_id(server_id);
  req.set_agent_version(impl_->options.agent_version);
  req.mutable_jobs()->Reserve(static_cast<int>(jobs.size()));
  for (const JobRecord& j : jobs) ToProto(j, req.add_jobs());
  v1::SubmitJobsResponse resp;
  grpc::ClientContext ctx;
  impl_->Prepare(&ctx);
  grpc::Status st = impl_->stub->SubmitJobs(&ctx, req, &resp);
  if (!st.ok()) return FromGrpc(st, server_id);
  return Results(resp, jobs.size());
}

Result<std::vector<SubmitResult>> GrpcUplink::SubmitQueues(const std::string& server_id,
                                                           const std::vector<QueueRecord>& queues) {
  v1::SubmitQueuesRequest req;
  req.set_server_id(server_id);
  req.set_agent_version(impl_->options.agent_version);
  for (const QueueRecord& q : queues) ToProto(q, req.add_queues());
  v1::SubmitQueuesResponse resp;
  grpc::ClientContext ctx;
  impl_->Prepare(&ctx);
  grpc::Status st = impl_->stub->SubmitQueues(&ctx, req, &resp);
  if (!st.ok()) return FromGrpc(st, server_id);
  return Results(resp, queues.size());
}

Status GrpcUplink::ReportStatus(const std::string& server_id, const AgentStatus& status) {
  v1::ReportStatusRequest req;
  req.set_server_id(server_id);
  req.set_agent_version(impl_->options.agent_version);
  req.set_outbox_records(status.outbox_records);
  req.set_oldest_record_unix(status.oldest_record_unix);
  v1::ReportStatusResponse resp;
  grpc::ClientContext ctx;
  impl_->Prepare(&ctx);
  grpc::Status st = impl_->stub->ReportStatus(&ctx, req, &resp);
  if (!st.ok()) return FromGrpc(st, server_id);
  return Status::Ok();
}

}  // namespace ramette::agent
