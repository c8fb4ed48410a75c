// --fleet-responder's parsing and the upstream nginx gets from it
// (app/rules/fleet_responder.h).
#include "app/rules/fleet_responder.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace certpilot::app {
namespace {

TEST(FleetResponderTest, ParsesIpv4Ipv6AndEveryAddress) {
  ResponderAddress r = ParseFleetResponder("127.0.0.1:8402");
  EXPECT_EQ(r.address, "127.0.0.1");
  EXPECT_EQ(r.port, 8402);
  r = ParseFleetResponder("[::1]:9000");
  EXPECT_EQ(r.address, "::1");
  EXPECT_EQ(r.port, 9000);
  r = ParseFleetResponder("0.0.0.0:8402");
  EXPECT_EQ(r.address, "0.0.0.0");
  r = ParseFleetResponder("[::]:8402");
  EXPECT_EQ(r.address, "::");
  r = ParseFleetResponder(":80");
  EXPECT_EQ(r.address, "");
  EXPECT_EQ(r.port, 80);
}

TEST(FleetResponderTest, UpstreamIsLoopbackForEveryAddress) {
  EXPECT_EQ(ResponderUpstream({"", 8402}), "127.0.0.1:8402");
  EXPECT_EQ(ResponderUpstream({"0.0.0.0", 8402}), "127.0.0.1:8402");
  EXPECT_EQ(ResponderUpstream({"::", 8402}), "[::1]:8402");
  EXPECT_EQ(ResponderUpstream({"10.1.2.3", 8402}), "10.1.2.3:8402");
  EXPECT_EQ(ResponderUpstream({"fd00::7", 8402}), "[fd00::7]:8402");
}

TEST(FleetResponderTest, RefusesWhatIsNotAnAddressAndAPort) {
  for (const char* bad :
       {"", "8402", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
        "127.0.0.1:84x2", "localhost:8402", "256.0.0.1:8402", "1.2.3:8402",
        "::1:8402", "[::1:8402", "[web]:8402", "127.0.0.1;return 200:8402"}) {
    try {
      ParseFleetResponder(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--fleet-responder"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace certpilot::app
