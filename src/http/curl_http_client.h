// HttpClient over libcurl — with curl_api.{h,cc}, the only code that
// includes curl.
//
// libcurl is not linked: the first Do() of any CurlHttpClient in the process
// loads it (curl_api.h), so commands that never talk to a CA never pay for
// mapping it and its ~27 dependencies. That Do() throws LibraryError (not a
// TransportError) when libcurl.so.4 cannot be loaded.
//
// TLS peer and host verification are always on. Redirects are never
// followed (a 3xx is returned as a Response). One CurlHttpClient owns one curl
// multi handle and so one connection cache: consecutive requests to the same
// origin reuse the connection (keep-alive), and the requests of one DoAll()
// run concurrently — as streams of one HTTP/2 connection where the server
// speaks HTTP/2 (ALPN), else on parallel HTTP/1.1 connections. It is NOT
// thread-safe: give each thread its own instance. Construction does no I/O
// and loads nothing.
//
// Do() (and DoAll(), for the first failing request) throws TransportError, with
// a message of the form "GET https://host/path: <cause>" (control characters
// replaced), when:
//   - the URL is not https:// and https_only is set (nothing is connected);
//   - the method is not GET, HEAD, POST, PATCH, PUT or DELETE (the last
//     three send their body as POST does), or a request header contains
//     CR, LF or NUL;
//   - DNS, connect, TLS (including an untrusted or mismatched certificate)
//     or a timeout fails;
//   - the response body would exceed Request::max_body_bytes: refused from
//     Content-Length before the body is read, else counted as it streams, so
//     memory stays bounded by the cap.
// An empty user_agent sends "certpilot/<version>" (RFC 8555 §6.1). No
// Content-Type or Expect header is added to a POST unless the caller sets it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/http_client.h"

namespace certpilot::http {

struct CurlOptions {
  // PEM bundle of trust anchors; empty = the system store.
  std::string ca_bundle;
  // PEM client certificate and its private key for TLS client
  // authentication (etcd's --client-cert-auth); both empty = none.
  std::string client_cert;
  std::string client_key;
  std::chrono::milliseconds connect_timeout{10'000};
  // The whole request: connect, send, receive.
  std::chrono::milliseconds total_timeout{60'000};
  std::string user_agent;  // e.g. "certpilot/0.1.0"
  // When true (the default) any URL that is not https:// is refused with
  // TransportError before a connection is made, and libcurl is restricted to
  // the https protocol. When false, http:// is allowed too (tests, and
  // fetching over plain HTTP where the caller has decided that is fine).
  bool https_only = true;
};

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(CurlOptions options);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Response Do(const Request& request) override;
  std::vector<Response> DoAll(const std::vector<Request>& requests) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Loads libcurl (curl_api.h: it is dlopen()ed on first use) on a thread of
// its own, started at construction and joined at destruction, so that a run
// that will talk to a CA loads it and its 27 libraries (about 25 ms) while
// it reads its tree, not before its first request. A failure is left for
// that request to report (loading is tried again then). Only a speed-up:
// nothing waits for it but the first request.
class CurlPreload {
 public:
  CurlPreload();
  ~CurlPreload();
  CurlPreload(const CurlPreload&) = delete;
  CurlPreload& operator=(const CurlPreload&) = delete;

 private:
  std::thread thread_;
};

}  // namespace certpilot::http
