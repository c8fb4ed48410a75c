// certonly's CSR, chain, key and staple options against the real Pebble: --csr,
// --preferred-chain with Pebble's alternate roots, --new-key, --must-staple,
// and reconfigure.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/private_key.h"
#include "support/cli_harness.h"
#include "support/free_port.h"
#include "support/pebble_fixture.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string TopIssuer(const std::string& chain_pem) {
  std::vector<std::string> blocks = crypto::SplitPemChain(chain_pem);
  return crypto::Certificate::FromPem(blocks.back()).IssuerCommonName();
}

TEST(CertonlyCsrTest, IssuesForTheCsrIntoTheGivenFiles) {
  PebbleFixture pebble;
  CliHarness cli(pebble);
  TempDir dir;
  const crypto::PrivateKey key =
      crypto::PrivateKey::Generate({crypto::KeyType::kRsa, 2048});
  std::ofstream(dir / "req.der", std::ios::binary)
      << crypto::MakeCsrDer(key, {"csr.example.com", "www.csr.example.com"});
  const std::string cert = dir / "cert.pem", chain = dir / "chain.pem",
                    fullchain = dir / "fullchain.pem";
  RunResult r =
      cli.Certonly({"--csr", dir / "req.der", "--cert-path", cert,
                    "--chain-path", chain, "--fullchain-path", fullchain});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("Certificate is saved at: " + cert));
  crypto::Certificate issued =
      crypto::Certificate::FromPem(ReadFileOrEmpty(cert));
  EXPECT_TRUE(issued.MatchesKey(key));
  EXPECT_TRUE(ChainVerifies(ReadFileOrEmpty(cert), ReadFileOrEmpty(chain),
                            pebble.RootsPem()));
  EXPECT_EQ(ReadFileOrEmpty(fullchain),
            ReadFileOrEmpty(cert) + ReadFileOrEmpty(chain));
  EXPECT_FALSE(fs::exists(cli.config() + "/live/csr.example.com"));
  // Again: the files exist, nothing is overwritten.
  const std::string before = ReadFileOrEmpty(cert);
  r = cli.Certonly({"--csr", dir / "req.der", "--cert-path", cert,
                    "--chain-path", chain, "--fullchain-path", fullchain});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("never overwrites"));
  EXPECT_EQ(ReadFileOrEmpty(cert), before);
}

TEST(PreferredChainTest, PicksTheAlternateChainPebbleOffers) {
  PebbleOptions o;
  o.extra_env = {{"PEBBLE_ALTERNATE_ROOTS", "1"}};
  PebbleFixture pebble(o);
  CliHarness cli(pebble);
  const std::string alternate_root = pebble.RootsPem(1);
  const std::string alternate_cn =
      crypto::Certificate::FromPem(alternate_root).IssuerCommonName();
  const std::string default_cn =
      crypto::Certificate::FromPem(pebble.RootsPem()).IssuerCommonName();
  ASSERT_NE(alternate_cn, default_cn);

  RunResult r = cli.Certonly(
      {"-d", "chain.example.com", "--preferred-chain", alternate_cn});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string live = cli.config() + "/live/chain.example.com/";
  EXPECT_EQ(TopIssuer(ReadFileOrEmpty(live + "chain.pem")), alternate_cn);
  EXPECT_TRUE(ChainVerifies(ReadFileOrEmpty(live + "cert.pem"),
                            ReadFileOrEmpty(live + "chain.pem"),
                            alternate_root));
  EXPECT_EQ(cli.CheckLineage("chain.example.com"), "");
  EXPECT_THAT(ReadFileOrEmpty(cli.config() + "/renewal/chain.example.com.conf"),
              HasSubstr("preferred_chain = " + alternate_cn));

  // Renewal keeps choosing it; an unknown name falls back with a warning.
  r = cli.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(TopIssuer(ReadFileOrEmpty(live + "chain.pem")), alternate_cn);
  r = cli.Certonly(
      {"-d", "other.example.com", "--preferred-chain", "No Such Root"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("No chain issued by \"No Such Root\""));
  EXPECT_EQ(TopIssuer(ReadFileOrEmpty(cli.config() +
                                      "/live/other.example.com/chain.pem")),
            default_cn);
}

TEST(ReconfigureTest, ChangesTheStoredSettingsAfterADryRun) {
  PebbleFixture pebble;
  CliHarness cli(pebble);
  TempDir dir;
  ASSERT_EQ(cli.Certonly({"-d", "re.example.com"}).exit_code, 0);
  const std::string conf_path = cli.config() + "/renewal/re.example.com.conf";
  const std::string marker = dir / "deployed";
  RunResult r = cli.Run(
      "reconfigure",
      {"--cert-name", "re.example.com", "--deploy-hook",
       "touch '" + marker + "'", "--must-staple", "--http-01-address",
       "127.0.0.1", "--http-01-port", std::to_string(pebble.http_port())});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("saved the new settings of re.example.com"));
  EXPECT_FALSE(fs::exists(marker)) << "a dry run runs no deploy hook";
  EXPECT_EQ(cli.Version("re.example.com"), 1);
  const std::string conf = ReadFileOrEmpty(conf_path);
  EXPECT_THAT(conf, HasSubstr("renew_hook = \"touch '" + marker +
                              "'\""));  // ConfigObj quoting
  EXPECT_THAT(conf, HasSubstr("must_staple = True"));

  // A setting that cannot work is not saved: the dry run fails first. The
  // port is taken by a listener of the test's own, so the responder cannot
  // bind it whether or not the CA asks for a challenge (Pebble reuses a
  // valid authorization 1% of the time even with PEBBLE_AUTHZREUSE=0, and
  // then a port that merely nobody serves would go unnoticed).
  const int busy_port = FreeLoopbackPort();
  const int busy = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(busy, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(busy_port));
  ASSERT_EQ(::bind(busy, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(busy, 1), 0);
  r = cli.Run("reconfigure",
              {"--cert-name", "re.example.com", "--http-01-address",
               "127.0.0.1", "--http-01-port", std::to_string(busy_port)});
  ::close(busy);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("were not changed"));
  EXPECT_EQ(ReadFileOrEmpty(conf_path), conf);

  // The next real renewal uses what was saved.
  r = cli.Run("renew",
              {"--force-renewal", "--no-random-sleep-on-renew", "--new-key"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(fs::exists(marker));
}

}  // namespace
}  // namespace certpilot::testing
