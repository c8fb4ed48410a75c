// What the unit tests of the DNS providers that have a contract fake share
// (tests/unit/dns_providers/*_test.cc): the fake serving example.com and
// sub.example.com over TLS on loopback, the production libcurl client
// trusting only the fake's CA, and, when the test ends, the check that the
// fake saw no request that breaks the API's documented contract. And
// CatchProviderError, for the refusals each provider must pass on.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "http/curl_http_client.h"
#include "solvers/dns_provider.h"

namespace certpilot::testing {

// libcurl options that trust `ca_bundle` (a fake's CA) and nothing else.
inline http::CurlOptions TrustingOnly(const std::string& ca_bundle) {
  http::CurlOptions o;
  o.ca_bundle = ca_bundle;
  return o;
}

// Fake: a contract fake with ca_bundle() and zones().violations();
// FakeOptions: its options, the zones it hosts first.
template <typename Fake, typename FakeOptions>
class DnsProviderFakeTest : public ::testing::Test {
 protected:
  DnsProviderFakeTest()
      : fake_(FakeOptions{{"example.com", "sub.example.com"}}),
        http_(TrustingOnly(fake_.ca_bundle())) {}
  ~DnsProviderFakeTest() override {
    EXPECT_THAT(fake_.zones().violations(), ::testing::IsEmpty());
  }

  Fake fake_;
  http::CurlHttpClient http_;
};

// The DnsProviderError that `call` throws. When it throws nothing, the
// test fails and the error returned has status 0 and says "accepted".
inline solvers::DnsProviderError CatchProviderError(
    const std::function<void()>& call) {
  try {
    call();
  } catch (const solvers::DnsProviderError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: no DnsProviderError";
  return solvers::DnsProviderError("accepted", 0);
}

}  // namespace certpilot::testing
