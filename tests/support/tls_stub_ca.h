// A broken or hostile ACME CA for integration tests of the real binary:
// an HTTPS server on 127.0.0.1 (ephemeral port; a throwaway self-signed
// P-256 certificate for IP:127.0.0.1, written to ca_bundle()) that answers
// through a FakeAcmeServer whose URLs are its own. certpilot reaches it as
// any CA: --server directory_url() --ca-bundle ca_bundle().
//
// Two levels of fault:
//  - ca(): the fake's knobs (intercept, tamper, bad_nonce_next, ...) for
//    anything an ACME server can say: bad JSON, wrong certificates,
//    problem documents, Retry-After, rate limits;
//  - wire: raw bytes on the connection, for what no well-formed response
//    can express: a body of 256 MiB, a body dripped a byte at a time,
//    a redirect, a lying Content-Length.
//
// The TLS server is HttpsFakeServer (https_fake_server.h): each connection
// has its own thread; HTTP/1.1 with keep-alive and Content-Length bodies.
// The destructor stops everything, including a drip in progress, without
// waiting for it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/http_client.h"
#include "support/fake_acme_server.h"
#include "support/https_fake_server.h"

namespace certpilot::testing {

class TlsStubCa {
 public:
  // `advertised_port` (0: its own): the port its URLs name, for a CA reached
  // through a proxy (bench/delay_proxy.cc) that must see every request.
  explicit TlsStubCa(int advertised_port = 0);
  ~TlsStubCa();
  TlsStubCa(const TlsStubCa&) = delete;
  TlsStubCa& operator=(const TlsStubCa&) = delete;

  FakeAcmeServer& ca() { return *ca_; }
  std::string base() const;  // https://127.0.0.1:PORT (the advertised port)
  int listen_port() const;   // where it really listens
  std::string directory_url() const { return base() + "/directory"; }
  const std::string& ca_bundle() const { return server_->ca_bundle(); }

  // Consulted for every request before the fake sees it (url is the full
  // https URL). Set it before the client runs; it is called from the
  // connection threads.
  std::function<std::optional<WireReply>(const http::Request&)> wire;

  // Bytes of stream_bytes bodies actually written (the client hanging up
  // stops a stream early).
  uint64_t bytes_streamed() const { return server_->bytes_streamed(); }

 private:
  // The request as the fake and `wire` see it: the full URL.
  http::Request ToHttp(const HttpsRequest& request) const;

  int advertised_port_ = 0;
  std::unique_ptr<FakeAcmeServer> ca_;
  std::unique_ptr<HttpsFakeServer> server_;
};

}  // namespace certpilot::testing
