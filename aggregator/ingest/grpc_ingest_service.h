// The gRPC ingest service: a thin translation layer over IngestProcessor, and a helper that
// starts a server for it (used by ramette-aggregator, the tests and the benchmarks).
#ifndef RAMETTE_AGGREGATOR_INGEST_GRPC_INGEST_SERVICE_H_
#define RAMETTE_AGGREGATOR_INGEST_GRPC_INGEST_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "aggregator/ingest/ingest_processor.h"
#include "common/status.h"
#include "ramette/v1/ingest.grpc.pb.h"

namespace ramette::aggregator {

class GrpcIngestService final : public v1::Ingest::Service {
 public:
  // `processor` must outlive the service.
  explicit GrpcIngestService(IngestProcessor* processor) : processor_(processor) {}

  grpc::Status SubmitJobs(grpc::ServerContext* ctx, const v1::SubmitJobsRequest* req,
                          v1::SubmitJobsResponse* resp) override;
  grpc::Status SubmitQueues(grpc::ServerContext* ctx, const v1::SubmitQueuesRequest* req,
                            v1::SubmitQueuesResponse* resp) override;
  grpc::Status ReportStatus(grpc::ServerContext* ctx, const v1::ReportStatusRequest* req,
                            v1::ReportStatusResponse* resp) override;

 private:
  IngestProcessor* processor_;
};

// A started server and the port it really listens on (useful with port 0).
struct RunningIngestServer {
  std::unique_ptr<GrpcIngestService> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

// Starts serving `processor` on `listen` ("HOST:PORT", port 0 = any free port) without TLS.
// Unavailable when the address cannot be bound. The caller checks that plaintext is allowed.
Result<RunningIngestServer> StartIngestServer(const std::string& listen,
                                              IngestProcessor* processor);

}  // namespace ramette::aggregator

#endif  // RAMETTE_AGGREGATOR_INGEST_GRPC_INGEST_SERVICE_H_
