// The gRPC ingest service: a thin translation layer over IngestProcessor, and a helper that
// starts a server for it (used by ramette-aggregator, the tests and the benchmarks).
#ifndef RAMETTE_AGGREGATOR_INGEST_GRPC_INGEST_SERVICE_H_
#define RAMETTE_AGGREGATOR_INGEST_GRPC_INGEST_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "aggregator/auth/authenticator.h"
#include "aggregator/ingest/ingest_processor.h"
#include "common/status.h"
#include "ramette/v1/ingest.grpc.pb.h"

namespace ramette::aggregator::ingest {

// Who may call. Every call is checked before any work, in one place (Authorize):
// - an `authorization: Bearer TOKEN` metadata entry is always checked when `tokens` is set:
//   unknown or revoked -> UNAUTHENTICATED; bound to another server id than the request's ->
//   PERMISSION_DENIED naming both;
// - a verified client certificate (mutual TLS) authorises the server ids named by its subject CN
//   and its DNS subject alternative names; naming another id -> PERMISSION_DENIED;
// - every credential presented must allow the request's server id, and with
//   `require_credentials` a call presenting none is UNAUTHENTICATED.
// Tokens and metadata are never logged.
struct IngestAuth {
  auth::Authenticator* tokens = nullptr;  // must outlive the service; null: tokens are not checked
  bool require_credentials = false;
};

class GrpcIngestService final : public v1::Ingest::Service {
 public:
  // `processor` must outlive the service.
  explicit GrpcIngestService(IngestProcessor* processor, IngestAuth auth = {})
      : processor_(processor), auth_(auth) {}

  grpc::Status SubmitJobs(grpc::ServerContext* ctx, const v1::SubmitJobsRequest* req,
                          v1::SubmitJobsResponse* resp) override;
  grpc::Status SubmitQueues(grpc::ServerContext* ctx, const v1::SubmitQueuesRequest* req,
                            v1::SubmitQueuesResponse* resp) override;
  grpc::Status ReportStatus(grpc::ServerContext* ctx, const v1::ReportStatusRequest* req,
                            v1::ReportStatusResponse* resp) override;

 private:
  // OK when the call's credentials allow submitting for `server_id` (see IngestAuth).
  grpc::Status Authorize(const grpc::ServerContext* ctx, const std::string& server_id) const;

  IngestProcessor* processor_;
  IngestAuth auth_;
};

// TLS for the ingest server: PEM file paths. No cert_file: plaintext. With client_ca_file,
// client certificates are verified against it: required when `require_client_cert` (the only
// credential), else requested (agents may send a token instead).
struct IngestTls {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  bool require_client_cert = false;
};

// A started server and the port it really listens on (useful with port 0).
struct RunningIngestServer {
  std::unique_ptr<GrpcIngestService> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

// Starts serving `processor` on `listen` ("HOST:PORT", port 0 = any free port), with TLS when
// tls.cert_file is set, checking calls as `auth` says. IoError naming the file when a PEM file
// cannot be read; Unavailable when the address cannot be bound (or the key does not match the
// certificate). The caller checks that the combination is allowed (CheckListenAllowed).
Result<RunningIngestServer> StartIngestServer(const std::string& listen, IngestProcessor* processor,
                                              const IngestTls& tls = {}, IngestAuth auth = {});

}  // namespace ramette::aggregator::ingest

#endif  // RAMETTE_AGGREGATOR_INGEST_GRPC_INGEST_SERVICE_H_
