// A diagnostic TLS handshake with OpenSSL (adapter): connect, verify as gRPC would, and word
// OpenSSL's verification result and alerts for an operator.
#include "agent/uplink/tls_diagnosis.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace ramette::agent {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL, SSL_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// HOST and PORT of "HOST:PORT", "[V6]:PORT", with gRPC's "dns:///" or "ipv4:" prefix dropped.
bool SplitTarget(std::string target, std::string* host, std::string* port) {
  for (const char* prefix : {"dns:///", "dns:", "ipv4:", "ipv6:"}) {
    if (target.rfind(prefix, 0) == 0) {
      target.erase(0, std::strlen(prefix));
      break;
    }
  }
  if (!target.empty() && target[0] == '[') {
    const size_t close = target.find(']');
    if (close == std::string::npos || close + 1 >= target.size() || target[close + 1] != ':') {
      return false;
    }
    *host = target.substr(1, close - 1);
    *port = target.substr(close + 2);
  } else {
    const size_t colon = target.rfind(':');
    if (colon == std::string::npos) return false;
    *host = target.substr(0, colon);
    *port = target.substr(colon + 1);
  }
  return !host->empty() && !port->empty();
}

bool IsIpAddress(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// A TCP connection within `timeout_ms`, reads and writes then bounded by it too; -1 and *error.
int Connect(const std::string& host, const std::string& port, int timeout_ms, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    *error = "cannot resolve '" + host + "': " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    int err = rc == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, timeout_ms) == 1) {
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      } else {
        err = ETIMEDOUT;
      }
    }
    if (err == 0) break;
    *error = std::strerror(err);
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) return -1;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

std::string NameOf(X509_NAME* name) {
  if (name == nullptr) return "";
  char buf[256];
  if (X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof buf) > 0) return buf;
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string TimeOf(const ASN1_TIME* t) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  ASN1_TIME_print(bio.get(), t);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// The DNS names and IP addresses a certificate is for ("a, b"), else its common name.
std::string NamesOf(X509* cert) {
  std::string out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
      std::string one;
      if (g->type == GEN_DNS) {
        const ASN1_STRING* s = g->d.dNSName;
        one.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                   static_cast<size_t>(ASN1_STRING_length(s)));
      } else if (g->type == GEN_IPADD) {
        const ASN1_OCTET_STRING* s = g->d.iPAddress;
        char text[INET6_ADDRSTRLEN] = "";
        const int len = ASN1_STRING_length(s);
        if (len == 4 || len == 16) {
          inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), text, sizeof text);
        }
        one = text;
      }
      if (one.empty()) continue;
      if (!out.empty()) out += ", ";
      out += "'" + one + "'";
    }
    GENERAL_NAMES_free(names);
  }
  if (out.empty()) out = "'" + NameOf(X509_get_subject_name(cert)) + "'";
  return out;
}

// The subjects of the CA certificates in `pem` ("a, b"); *count of them.
std::string LoadCas(SSL_CTX* ctx, const std::string& pem, int* count) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::string subjects;
  *count = 0;
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (;;) {
    X509Ptr ca(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!ca) break;
    X509_STORE_add_cert(store, ca.get());
    if (!subjects.empty()) subjects += ", ";
    subjects += "'" + NameOf(X509_get_subject_name(ca.get())) + "'";
    ++*count;
  }
  ERR_clear_error();
  return subjects;
}

// OpenSSL's queued errors as one text ("wrong version number; ...").
std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += reason != nullptr ? reason : "error " + std::to_string(e);
  }
  return out;
}

bool Has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

// What an alert or a handshake failure says about the aggregator's side.
std::string ExplainHandshakeFailure(const std::string& target, const std::string& errors,
                                    bool client_cert) {
  if (Has(errors, "certificate required")) {
    return "the aggregator at " + target +
           " requires a client certificate: set [aggregator] cert_file and key_file (mutual "
           "TLS) (OpenSSL: " +
           errors + ")";
  }
  if (client_cert &&
      (Has(errors, "alert unknown ca") || Has(errors, "alert bad certificate") ||
       Has(errors, "alert certificate unknown") || Has(errors, "alert certificate expired") ||
       Has(errors, "alert certificate revoked") || Has(errors, "alert decrypt error"))) {
    return "the aggregator at " + target +
           " refused this agent's client certificate ([aggregator] cert_file): it is not signed "
           "by the CA the aggregator trusts ([tls] client_ca_file), or expired (OpenSSL: " +
           errors + ")";
  }
  if (Has(errors, "wrong version number") || Has(errors, "packet length too long") ||
      Has(errors, "record layer failure") || errors.empty()) {
    return "the aggregator at " + target +
           " does not answer in TLS (is it serving plaintext? give it [tls] cert_file and "
           "key_file, or remove [aggregator] ca_file for an aggregator on this machine)" +
           (errors.empty() ? std::string() : " (OpenSSL: " + errors + ")");
  }
  return "the TLS handshake with the aggregator at " + target + " failed: " + errors;
}

}  // namespace

std::string DiagnoseTlsConnection(const std::string& target, const UplinkCredentials& credentials,
                                  int timeout_ms) {
  std::string host, port;
  if (!SplitTarget(target, &host, &port)) return "'" + target + "' is not HOST:PORT";
  std::string error;
  Fd fd;
  fd.fd = Connect(host, port, timeout_ms, &error);
  if (fd.fd < 0) return "cannot connect to " + target + ": " + error;

  CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return "";
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  int ca_count = 0;
  const std::string ca_subjects = LoadCas(ctx.get(), credentials.root_certs_pem, &ca_count);
  if (ca_count == 0) {
    return "[aggregator] ca_file holds no PEM certificate: put the CA that signed the "
           "aggregator's certificate in it";
  }
  const bool client_cert = !credentials.client_cert_pem.empty();
  if (client_cert) {
    BioPtr cert_bio(BIO_new_mem_buf(credentials.client_cert_pem.data(),
                                    static_cast<int>(credentials.client_cert_pem.size())));
    BioPtr key_bio(BIO_new_mem_buf(credentials.client_key_pem.data(),
                                   static_cast<int>(credentials.client_key_pem.size())));
    X509Ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    KeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    if (!cert || !key || SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1) {
      const std::string errors = OpenSslErrors();
      return "[aggregator] cert_file and key_file are not a PEM certificate and its key (" +
             errors + ")";
    }
  }
  // Verification is done, and read, here; the handshake goes on so that the certificate is seen.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  static const unsigned char kAlpn[] = {2, 'h', '2'};  // as gRPC offers it
  SSL_CTX_set_alpn_protos(ctx.get(), kAlpn, sizeof kAlpn);

  SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl) return "";
  SSL_set_fd(ssl.get(), fd.fd);
  const std::string name = credentials.server_name.empty() ? host : credentials.server_name;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  if (IsIpAddress(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl.get(), name.c_str());
    X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  }
  ERR_clear_error();
  if (SSL_connect(ssl.get()) != 1) {
    return ExplainHandshakeFailure(target, OpenSslErrors(), client_cert);
  }

  X509Ptr peer(SSL_get1_peer_certificate(ssl.get()));
  if (!peer) return "the aggregator at " + target + " presented no certificate";
  const long verify = SSL_get_verify_result(ssl.get());
  const std::string names = NamesOf(peer.get());
  const std::string setting = credentials.server_name.empty() ? "the host of [aggregator] address"
                                                              : "[aggregator] tls_server_name";
  switch (verify) {
    case X509_V_OK:
      break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "the aggregator's certificate (for " + names + ") expired on " +
             TimeOf(X509_get0_notAfter(peer.get())) +
             ": renew it ([tls] cert_file on the aggregator) and restart the aggregator";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "the aggregator's certificate (for " + names + ") is not valid before " +
             TimeOf(X509_get0_notBefore(peer.get())) +
             ": check the clocks of this machine and of the aggregator";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "the aggregator's certificate is for " + names + ", not for '" + name + "' (" +
             setting +
             "): set [aggregator] address to one of its names, or tls_server_name to "
             "the name it carries (for an aggregator reached by IP or through a load balancer)";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return "the aggregator's certificate was issued by '" +
             NameOf(X509_get_issuer_name(peer.get())) +
             "', a CA that [aggregator] ca_file does not hold (it holds " + ca_subjects +
             "): set ca_file to the CA that signed the aggregator's certificate (unknown "
             "issuer)";
    default:
      return "the aggregator's certificate (for " + names +
             ") does not verify: " + X509_verify_cert_error_string(verify);
  }
  // TLS 1.3 gives the server's verdict on a client certificate after the handshake: an alert,
  // or (gRPC) the connection closed. A server that is fine sends its HTTP/2 settings at once.
  timeval wait{1, 0};
  setsockopt(fd.fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  char byte;
  ERR_clear_error();
  errno = 0;
  const int got = SSL_peek(ssl.get(), &byte, 1);
  if (got > 0) return "";
  const int why = SSL_get_error(ssl.get(), got);
  const int err = errno;
  const std::string errors = OpenSslErrors();
  if (Has(errors, "alert")) return ExplainHandshakeFailure(target, errors, client_cert);
  const bool closed = why == SSL_ERROR_ZERO_RETURN ||
                      (why == SSL_ERROR_SYSCALL && err != EAGAIN && err != EWOULDBLOCK) ||
                      (why == SSL_ERROR_SSL && Has(errors, "unexpected eof"));
  if (!closed) return "";  // no word within a second: the cause is elsewhere
  if (client_cert) {
    return "the aggregator at " + target +
           " closed the connection right after the TLS handshake: it refused this agent's "
           "client certificate ([aggregator] cert_file), which is not signed by the CA it "
           "trusts ([tls] client_ca_file) or expired";
  }
  return "the aggregator at " + target +
         " closed the connection right after the TLS handshake: it requires a client "
         "certificate ([aggregator] cert_file and key_file, mutual TLS)";
}

}  // namespace ramette::agent
