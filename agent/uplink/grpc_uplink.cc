// gRPC client for ramette.v1.Ingest; statuses mapped to Unavailable (retry) or InvalidArgument.
#include "agent/uplink/grpc_uplink.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "proto/convert/record_convert.h"
#include "ramette/v1/ingest.grpc.pb.h"

namespace ramette::agent {
namespace {

Status FromGrpc(const grpc::Status& s) {
  std::string what = "aggregator: " + s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
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

}  // namespace

struct GrpcUplink::Impl {
  GrpcUplinkOptions options;
  std::unique_ptr<v1::Ingest::Stub> stub;

  void Prepare(grpc::ClientContext* ctx) const {
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(options.deadline_ms));
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
  auto channel =
      grpc::CreateCustomChannel(impl_->options.target, grpc::InsecureChannelCredentials(), args);
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
  if (!st.ok()) return FromGrpc(st);
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
  if (!st.ok()) return FromGrpc(st);
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
  if (!st.ok()) return FromGrpc(st);
  return Status::Ok();
}

}  // namespace ramette::agent
