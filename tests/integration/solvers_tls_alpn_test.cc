// TLS-ALPN-01 (RFC 8737) against the real Pebble CA: certpilot's responder
// on Pebble's tlsPort answers the validation handshakes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/solvers_test_util.h"
#include "solvers/tls_alpn_solver.h"

namespace certpilot::testing {
namespace {

using ::testing::ElementsAre;

TEST(SolversTlsAlpnTest, IssuesThroughTheResponderOnPebblesTlsPort) {
  PebbleFixture pebble;
  solvers::TlsAlpnResponderOptions options;
  options.address = "127.0.0.1";
  options.port = pebble.tls_port();
  solvers::TlsAlpnResponder responder(options);
  responder.Start();
  solvers::TlsAlpnSolver solver(responder);
  AcmeSession session(pebble);
  issuance::ObtainResult result =
      session.Obtain({"alpn.example.com", "www.alpn.example.com"}, {&solver});
  EXPECT_THAT(CertNames(result.cert_pem),
              ElementsAre("alpn.example.com", "www.alpn.example.com"));
  EXPECT_GE(responder.handshakes_completed(), 2u);
}

TEST(SolversTlsAlpnTest, ValidationFailsWhenNothingAnswers) {
  PebbleFixture pebble;
  solvers::TlsAlpnResponderOptions options;
  options.address = "127.0.0.1";
  options.port = 0;  // not Pebble's tlsPort: the CA finds nobody there
  solvers::TlsAlpnResponder responder(options);
  responder.Start();
  solvers::TlsAlpnSolver solver(responder);
  AcmeSession session(pebble);
  EXPECT_THROW(session.Obtain({"nobody.example.com"}, {&solver}),
               issuance::ValidationError);
  EXPECT_EQ(responder.handshakes_completed(), 0u);
}

}  // namespace
}  // namespace certpilot::testing
