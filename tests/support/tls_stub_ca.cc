#include "support/tls_stub_ca.h"

namespace certpilot::testing {

TlsStubCa::TlsStubCa(int advertised_port) {
  server_ = std::make_unique<HttpsFakeServer>(
      [this](const HttpsRequest& request) { return ca_->Do(ToHttp(request)); },
      [this](const HttpsRequest& request) -> std::optional<WireReply> {
        if (!wire) return std::nullopt;
        return wire(ToHttp(request));
      });
  advertised_port_ = advertised_port != 0 ? advertised_port : server_->port();
  ca_ = std::make_unique<FakeAcmeServer>(base());
}

// server_ goes first: it joins the threads that use ca_ and wire.
TlsStubCa::~TlsStubCa() { server_.reset(); }

int TlsStubCa::listen_port() const { return server_->port(); }

std::string TlsStubCa::base() const {
  return "https://127.0.0.1:" + std::to_string(advertised_port_);
}

http::Request TlsStubCa::ToHttp(const HttpsRequest& request) const {
  http::Request out;
  out.method = request.method;
  out.url = base() + request.target;
  out.headers = request.headers;
  out.body = request.body;
  return out;
}

}  // namespace certpilot::testing
