// Request -> domain -> IngestProcessor -> response; statuses mapped so agents know what to retry.
#include "aggregator/ingest/grpc_ingest_service.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "aggregator/ingest/proto_convert.h"

namespace ramette::aggregator {
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
    default:
      return grpc::Status(grpc::StatusCode::INTERNAL, s.message());
  }
}

}  // namespace

grpc::Status GrpcIngestService::SubmitJobs(grpc::ServerContext*, const v1::SubmitJobsRequest* req,
                                           v1::SubmitJobsResponse* resp) {
  std::vector<JobRecord> jobs;
  jobs.reserve(req->jobs_size());
  for (const auto& j : req->jobs()) jobs.push_back(FromProto(j));
  auto results = processor_->SubmitJobs(req->server_id(), req->agent_version(), std::move(jobs));
  if (!results.ok()) {
    spdlog::warn("SubmitJobs from server '{}' failed: {}", req->server_id(),
                 results.status().message());
    return ToGrpc(results.status());
  }
  resp->mutable_results()->Reserve(static_cast<int>(results->size()));
  size_t rejected = 0;
  for (const auto& r : *results) {
    ToProto(r, resp->add_results());
    if (r.kind == RecordResult::Kind::kRejected) ++rejected;
  }
  if (rejected > 0) {
    spdlog::warn("server '{}': {} of {} job records rejected and quarantined", req->server_id(),
                 rejected, results->size());
  }
  return grpc::Status::OK;
}

grpc::Status GrpcIngestService::SubmitQueues(grpc::ServerContext*,
                                             const v1::SubmitQueuesRequest* req,
                                             v1::SubmitQueuesResponse* resp) {
  std::vector<QueueRecord> queues;
  queues.reserve(req->queues_size());
  for (const auto& q : req->queues()) queues.push_back(FromProto(q));
  auto results =
      processor_->SubmitQueues(req->server_id(), req->agent_version(), std::move(queues));
  if (!results.ok()) return ToGrpc(results.status());
  for (const auto& r : *results) ToProto(r, resp->add_results());
  return grpc::Status::OK;
}

grpc::Status GrpcIngestService::ReportStatus(grpc::ServerContext*,
                                             const v1::ReportStatusRequest* req,
                                             v1::ReportStatusResponse*) {
  AgentStatusReport status;
  status.outbox_records = req->outbox_records();
  status.oldest_record_unix = req->oldest_record_unix();
  Status s = processor_->ReportStatus(req->server_id(), req->agent_version(), status);
  if (!s.ok()) {
    spdlog::warn("ReportStatus from server '{}' failed: {}", req->server_id(), s.message());
  }
  return ToGrpc(s);
}

Result<RunningIngestServer> StartIngestServer(const std::string& listen,
                                              IngestProcessor* processor) {
  RunningIngestServer running;
  running.service = std::make_unique<GrpcIngestService>(processor);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &running.port);
  builder.RegisterService(running.service.get());
  builder.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  // Agents ping every 60 s; allow it even when no call is in flight.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 30000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  running.server = builder.BuildAndStart();
  if (!running.server || running.port == 0) {
    return Status::Unavailable("cannot listen on " + listen +
                               " (address in use or not an address of this machine?)");
  }
  return running;
}

}  // namespace ramette::aggregator
