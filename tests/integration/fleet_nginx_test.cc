// Fleet mode behind nginx (issue #17): `install --nginx` with the --fleet-*
// options points the lineage's server blocks at this node's agent
// (--fleet-responder), so a challenge any node published is answered
// through this node's nginx. Real nginx, real 3-member etcd, Pebble:
//  - node 1 (no agent, no nginx) issues the name in fleet mode;
//  - node 2's agent (responder on 127.0.0.2:R, advertised through its
//    nginx on 127.0.0.2, the port Pebble validates) materializes it; node 2
//    installs it into its nginx: the blocks now proxy the challenge path,
//    a second install changes nothing;
//  - a token published to etcd is served through nginx, an unknown one is
//    the agent's 404 (not the app's page), the app still answers at /;
//  - with Pebble's DNS pointing the name at node 2, node 1 renews: the
//    renewer's self-check and the CA both come in through node 2's nginx,
//    and node 2's agent deploys the new certificate into its nginx (its
//    renewal conf keeps its own installer);
//  - node 1's nginx authenticator publishes through etcd as well: it never
//    runs its nginx (an nginx-ctl that fails), node 2 answers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fleet/challenge_record.h"
#include "support/cli_harness.h"
#include "support/daemon.h"
#include "support/fleet_bed.h"
#include "support/free_port.h"
#include "support/nginx_fixture.h"
#include "support/shared_pebble.h"
#include "support/wait_for.h"

namespace certpilot::testing {
namespace {

constexpr char kPrefix[] = "/fleet-nginx";
constexpr char kNode2[] = "127.0.0.2";
// Another name of the app's block: installing the first name's lineage
// points the whole block at the agent.
constexpr char kAlias[] = "alias.fleet-nginx.example";

class FleetNginxTest : public SharedPebbleTest<3600>, protected FleetBed {
 protected:
  FleetNginxTest() : FleetBed('n', kPrefix) {}

  // The app's block on node 2's nginx, on the port Pebble validates.
  void WriteSite(const std::string& name) {
    nginx_.WriteFile("sites-enabled/app.conf",
                     "server {\n"
                     "    listen " +
                         std::string(kNode2) + ":" +
                         std::to_string(nginx_.http_port()) +
                         ";\n"
                         "    server_name " +
                         name + " " + kAlias +
                         ";\n"
                         "    location / { return 200 \"the app\\n\"; }\n"
                         "}\n");
  }

  void StartNode2Agent() {
    DaemonSpec spec;
    spec.name = "agent node-2";
    spec.argv =
        With({CERTPILOT_BINARY, "agent", "--config-dir", node2_.config(),
              "--work-dir", node2_.dir() / "agent-work", "--logs-dir",
              node2_.dir() / "agent-logs", "--fleet-address",
              std::string(kNode2) + ":" + std::to_string(nginx_.http_port()),
              "--no-renew"},
             FleetArgs("node-2", {"--fleet-responder", responder_}));
    spec.log_path = node2_.dir() / "agent.log";
    agent_.Start(spec);
  }

  std::string AgentLog() const {
    return ReadFileOrEmpty(node2_.dir() / "agent.log");
  }

  RunResult Install(const std::string& name) {
    return node2_.Run(
        "install",
        With({"--nginx", "--cert-name", name, "--nginx-server-root",
              nginx_.server_root(), "--nginx-ctl", nginx_.binary(),
              "--http-01-port", std::to_string(nginx_.http_port()),
              "--https-port", std::to_string(nginx_.https_port())},
             FleetArgs("node-2", {"--fleet-responder", responder_})));
  }

  NginxFixture nginx_{pebble_->http_port()};
  std::string responder_ =
      std::string(kNode2) + ":" + std::to_string(FreeLoopbackPort());
  CliHarness node1_{*pebble_};
  CliHarness node2_{*pebble_};
  Daemon agent_;
};

TEST_F(FleetNginxTest, InstallPointsNginxAtTheAgentAndTheCaComesThroughIt) {
  const std::string name = "www.fleet-nginx.example";
  WriteSite(name);
  nginx_.Start();

  // Node 1 issues; no agent is registered yet, so its own responder (on
  // 127.0.0.1, where Pebble's DNS points by default) answers.
  RunResult r = node1_.Certonly(With(
      {"-d", name, "--http-01-address", "127.0.0.1"}, FleetArgs("node-1")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();

  StartNode2Agent();
  ASSERT_TRUE(WaitFor([&] { return node2_.Version(name) == 1; })) << AgentLog();

  r = Install(name);
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  EXPECT_NE(r.out.find("sends /.well-known/acme-challenge/ to http://" +
                       responder_ + " (the fleet's agent)"),
            std::string::npos)
      << r.out;
  const auto installed = nginx_.Snapshot();
  EXPECT_NE(installed.at("sites-enabled/app.conf")
                .find("proxy_pass http://" + responder_ + ";"),
            std::string::npos)
      << installed.at("sites-enabled/app.conf");

  // Again: nothing to do, no file touched.
  r = Install(name);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("nothing changed"), std::string::npos) << r.out;
  EXPECT_EQ(nginx_.Snapshot(), installed);

  // A published token is served through nginx; an unknown one is the
  // agent's 404; the app keeps its path.
  const int64_t lease = etcd_->LeaseGrant(60).id;
  fleet::PublishChallenge(*etcd_, kPrefix, "tok_Fleet-nginx1",
                          "tok_Fleet-nginx1.thumb", lease);
  HttpReply got;
  EXPECT_TRUE(WaitFor([&] {
    got = PlainGet(nginx_.http_port(), name,
                   "/.well-known/acme-challenge/tok_Fleet-nginx1", kNode2);
    return got.status == 200;
  })) << got.status
      << " " << got.error << AgentLog();
  EXPECT_EQ(got.body, "tok_Fleet-nginx1.thumb");
  got = PlainGet(nginx_.http_port(), name,
                 "/.well-known/acme-challenge/tok_unknown", kNode2);
  EXPECT_EQ(got.status, 404) << got.body;
  EXPECT_NE(got.body, "the app\n");
  EXPECT_EQ(PlainGet(nginx_.http_port(), name, "/", kNode2).body, "the app\n");
  etcd_->LeaseRevoke(lease);

  // The CA and node 1's self-check reach node 2's nginx: the renewal goes
  // through, and node 2 serves the new certificate over TLS. (In 1% of
  // runs Pebble hands node 1's earlier authorization out again and asks
  // nothing; the alias below is a new name and always asks.)
  pebble_->AddA(name, kNode2);
  r = node1_.Run("renew", With({"--no-random-sleep-on-renew", "--force-renewal",
                                "--cert-name", name},
                               FleetArgs("node-1")));
  pebble_->ClearA(name);
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << AgentLog();
  EXPECT_EQ(node1_.Version(name), 2);
  ASSERT_TRUE(WaitFor([&] { return node2_.Version(name) == 2; })) << AgentLog();
  // Node 1's renewal conf came with the version; node 2 kept its installer.
  EXPECT_NE(ReadFileOrEmpty(node2_.config() + "/renewal/" + name + ".conf")
                .find("installer = nginx"),
            std::string::npos);
  const std::string serial = CertSerialHex(
      ReadFileOrEmpty(node2_.config() + "/live/" + name + "/cert.pem"));
  std::string seen;
  EXPECT_TRUE(WaitFor([&] {
    seen = TlsGet(nginx_.https_port(), name, "", kNode2).serial_hex;
    return seen == serial;
  })) << seen
      << " != " << serial << AgentLog();

  // The nginx authenticator in fleet mode publishes through etcd too: node
  // 1 names an nginx it must never run (its ctl fails), and the alias is
  // issued through node 2's nginx and agent.
  pebble_->AddA(kAlias, kNode2);
  r = node1_.Run("certonly",
                 With(With({"--nginx", "-d", kAlias, "--nginx-server-root",
                            nginx_.server_root(), "--nginx-ctl", "/bin/false"},
                           kRegister),
                      FleetArgs("node-1")));
  pebble_->ClearA(kAlias);
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << AgentLog();
  EXPECT_EQ(node1_.Version(kAlias), 1);
  EXPECT_NE(ReadFileOrEmpty(node1_.config() + "/renewal/" + kAlias + ".conf")
                .find("authenticator = nginx"),
            std::string::npos);
}

// A bad --fleet-responder is refused; without one the installer says nginx
// was not pointed at the agent, and installs as outside fleet mode.
TEST_F(FleetNginxTest, WithoutAResponderInstallWarnsAndAddsNoProxy) {
  const std::string name = "plain.fleet-nginx.example";
  WriteSite(name);
  RunResult r = node2_.Certonly({"-d", name, "--http-01-address", "127.0.0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nginx_.Start();
  // A responder that is not an address: exit 2, nothing touched.
  const auto before = nginx_.Snapshot();
  r = node2_.Run("install",
                 With({"--nginx", "--cert-name", name, "--nginx-server-root",
                       nginx_.server_root()},
                      FleetArgs("node-2", {"--fleet-responder", "web2:8402"})));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("--fleet-responder \"web2:8402\""), std::string::npos)
      << r.err;
  EXPECT_EQ(nginx_.Snapshot(), before);

  r = node2_.Run("install",
                 With({"--nginx", "--cert-name", name, "--nginx-server-root",
                       nginx_.server_root(), "--nginx-ctl", nginx_.binary(),
                       "--http-01-port", std::to_string(nginx_.http_port()),
                       "--https-port", std::to_string(nginx_.https_port())},
                      FleetArgs("node-2")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  EXPECT_NE(r.err.find("no --fleet-responder"), std::string::npos) << r.err;
  EXPECT_EQ(nginx_.Snapshot().at("sites-enabled/app.conf").find("proxy_pass"),
            std::string::npos);
}

}  // namespace
}  // namespace certpilot::testing
