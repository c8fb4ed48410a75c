// What certpilot decides from a directory URL alone: Let's Encrypt or not,
// staging or not, the dry run's server, and the --break-my-certs guard.
#include "app/rules/ca_servers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/types/options.h"
#include "support/usage_message.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

using ::testing::HasSubstr;

TEST(CaServers, LetsEncryptAndStagingAreToldByTheUrl) {
  EXPECT_TRUE(IsLetsEncrypt(kLetsEncryptProduction));
  EXPECT_TRUE(IsLetsEncrypt(kLetsEncryptStaging));
  EXPECT_TRUE(IsLetsEncrypt("https://ACME-V02.api.letsencrypt.org:443/dir"));
  EXPECT_FALSE(IsLetsEncrypt("https://127.0.0.1:14000/dir"));
  EXPECT_FALSE(IsLetsEncrypt("https://acme-v02.api.letsencrypt.org.evil/x"));
  EXPECT_TRUE(IsStagingServer(kLetsEncryptStaging));
  EXPECT_TRUE(IsStagingServer("https://acme.example/staging/directory"));
  EXPECT_FALSE(IsStagingServer(kLetsEncryptProduction));
  EXPECT_EQ(DryRunServer(kLetsEncryptProduction), kLetsEncryptStaging);
  EXPECT_EQ(DryRunServer(kLetsEncryptStaging), kLetsEncryptStaging);
  EXPECT_EQ(DryRunServer("https://ca.test/dir"), "https://ca.test/dir");
}

TEST(CaServers, BreakMyCertsGuardsBothDirections) {
  EXPECT_NO_THROW(CheckServerSwitch("a", kLetsEncryptProduction,
                                    kLetsEncryptProduction, false));
  EXPECT_NO_THROW(CheckServerSwitch("a", "https://ca.test/dir",
                                    kLetsEncryptProduction,
                                    false));  // production for production
  for (auto [from, to] :
       {std::pair{kLetsEncryptProduction, kLetsEncryptStaging},
        std::pair{kLetsEncryptStaging, kLetsEncryptProduction}}) {
    const std::string message = testing::UsageMessage(
        [&, from = from, to = to] { CheckServerSwitch("a", from, to, false); });
    EXPECT_THAT(message, HasSubstr(from));
    EXPECT_THAT(message, HasSubstr(to));
    EXPECT_THAT(message, HasSubstr("--break-my-certs"));
    EXPECT_NO_THROW(CheckServerSwitch("a", from, to, true));
  }
}

}  // namespace
}  // namespace certpilot::app
