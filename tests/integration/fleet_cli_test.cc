// `certpilot fleet keygen` and `fleet status` as a person runs them: exit
// codes, the key file's mode, cli.ini, the --fleet-* options checked, the
// registry read from a real etcd cluster.
#include <gtest/gtest.h>

#include "etcd/client.h"
#include "http/curl_http_client.h"
#include "support/etcd_cluster.h"
#include "support/free_port.h"
#include "support/run_binary.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

TEST(FleetCliTest, KeygenWritesOnceAndRefusesBadPaths) {
  TempDir dir;
  const std::string key = dir / "fleet.key";
  RunResult made =
      RunCertpilot({"fleet", "keygen", "--fleet-secret-file", key});
  ASSERT_EQ(made.exit_code, 0) << made.Describe();
  EXPECT_NE(made.out.find("key id "), std::string::npos) << made.out;
  EXPECT_EQ(ModeOf(key) & 07777, 0600);
  const std::string bytes = ReadFileOrEmpty(key);
  EXPECT_EQ(bytes.size(), 32u);

  RunResult again =
      RunCertpilot({"fleet", "keygen", "--fleet-secret-file", key});
  EXPECT_EQ(again.exit_code, 2) << again.Describe();
  EXPECT_NE(again.err.find("refusing to overwrite"), std::string::npos)
      << again.err;
  EXPECT_EQ(ReadFileOrEmpty(key), bytes);

  RunResult no_dir = RunCertpilot(
      {"fleet", "keygen", "--fleet-secret-file", dir / "missing/fleet.key"});
  EXPECT_EQ(no_dir.exit_code, 2) << no_dir.Describe();
  RunResult no_path = RunCertpilot({"fleet", "keygen"});
  EXPECT_EQ(no_path.exit_code, 2) << no_path.Describe();
}

TEST(FleetCliTest, KeygenTakesTheSecretFileFromCliIni) {
  TempDir dir;
  const std::string ini =
      dir.Write("cli.ini", "fleet-secret-file = " + (dir / "k") + "\n");
  RunResult made = RunCertpilot({"fleet", "keygen", "--config", ini});
  ASSERT_EQ(made.exit_code, 0) << made.Describe();
  EXPECT_EQ(ReadFileOrEmpty(dir / "k").size(), 32u);
}

std::vector<std::string> FleetArgs(const EtcdCluster& cluster) {
  std::string endpoints;
  for (const auto& e : cluster.endpoints())
    endpoints += (endpoints.empty() ? "" : ",") + e;
  return {"--fleet-endpoints", endpoints,        "--fleet-cacert",
          cluster.ca_file(),   "--fleet-prefix", "/fleet-test"};
}

TEST(FleetCliTest, StatusListsTheRegisteredNodes) {
  EtcdCluster cluster;
  std::vector<std::string> args = {"fleet", "status"};
  for (const auto& a : FleetArgs(cluster)) args.push_back(a);

  RunResult empty = RunCertpilot(args);
  ASSERT_EQ(empty.exit_code, 0) << empty.Describe();
  EXPECT_NE(empty.out.find("No node is registered under /fleet-test/nodes/"),
            std::string::npos)
      << empty.out;

  // Two nodes register as agents do: under a lease.
  http::CurlOptions tls;
  tls.ca_bundle = cluster.ca_file();
  http::CurlHttpClient http(tls);
  etcd::ClientOptions options;
  options.endpoints = cluster.endpoints();
  etcd::Client client(http, options);
  etcd::Lease lease = client.LeaseGrant(60);
  client.Put({"/fleet-test/nodes/web1",
              R"({"address":"127.0.0.2:80","heartbeat":1767225600})",
              lease.id});
  client.Put(
      {"/fleet-test/nodes/web2", R"({"address":"127.0.0.3:80"})", lease.id});
  client.Put({"/other/nodes/web9", "{}", 0});

  RunResult listed = RunCertpilot(args);
  ASSERT_EQ(listed.exit_code, 0) << listed.Describe();
  EXPECT_NE(listed.out.find("2 nodes registered"), std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("web1  address 127.0.0.2:80  heartbeat "
                            "2026-01-01T00:00:00Z"),
            std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("web2  address 127.0.0.3:80"), std::string::npos);
  EXPECT_EQ(listed.out.find("web9"), std::string::npos);

  args.push_back("--json");
  RunResult json = RunCertpilot(args);
  ASSERT_EQ(json.exit_code, 0) << json.Describe();
  EXPECT_NE(json.out.find("\"name\": \"web2\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"lease\": " + std::to_string(lease.id)),
            std::string::npos)
      << json.out;

  // Revoked lease: the nodes are gone.
  client.LeaseRevoke(lease.id);
  args.pop_back();
  EXPECT_NE(RunCertpilot(args).out.find("No node is registered"),
            std::string::npos);
}

TEST(FleetCliTest, BadFleetOptionsAreUsageErrorsAndADeadEtcdAFailure) {
  TempDir dir;
  const std::string ca = dir.Write("ca.pem", "x");
  auto status = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"fleet", "status"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCertpilot(args);
  };
  EXPECT_EQ(status({}).exit_code, 2);  // no endpoint
  EXPECT_EQ(status({"--fleet-endpoints", "127.0.0.1:2379"}).exit_code, 2);
  EXPECT_EQ(status({"--fleet-endpoints", "https://127.0.0.1:99999"}).exit_code,
            2);
  EXPECT_EQ(status({"--fleet-endpoints", "https://127.0.0.1:2379",
                    "--fleet-prefix", "certpilot"})
                .exit_code,
            2);
  EXPECT_EQ(status({"--fleet-endpoints", "https://127.0.0.1:2379",
                    "--fleet-cacert", dir / "missing.pem"})
                .exit_code,
            2);
  EXPECT_EQ(status({"--fleet-endpoints", "https://127.0.0.1:2379",
                    "--fleet-client-cert", ca})
                .exit_code,
            2);  // no key
  EXPECT_EQ(status({"--fleet-endpoints", "https://127.0.0.1:2379",
                    "--fleet-user", "node"})
                .exit_code,
            2);  // no password file
  EXPECT_EQ(status({"--fleet-endpoints", "https://127.0.0.1:2379",
                    "--fleet-secret-file", ca})
                .exit_code,
            2);  // not 32 bytes
  EXPECT_EQ(status({"--fleet-endpoints", "https://127.0.0.1:2379",
                    "--fleet-node", "bad name"})
                .exit_code,
            2);

  // Well-formed, but nothing listens there: a failure, saying so.
  PortReservation closed;
  const int port = closed.Reserve();
  RunResult dead = status(
      {"--fleet-endpoints", "https://127.0.0.1:" + std::to_string(port)});
  EXPECT_EQ(dead.exit_code, 1) << dead.Describe();
  EXPECT_NE(dead.err.find("no endpoint answered"), std::string::npos)
      << dead.err;
}

TEST(FleetCliTest, FleetOptionsComeFromCliIni) {
  EtcdCluster cluster;
  TempDir dir;
  std::string endpoints;
  for (const auto& e : cluster.endpoints())
    endpoints += (endpoints.empty() ? "" : ",") + e;
  const std::string ini =
      dir.Write("cli.ini", "fleet-endpoints = " + endpoints +
                               "\nfleet-cacert = " + cluster.ca_file() +
                               "\nfleet-node = web1\n");
  RunResult r = RunCertpilot({"fleet", "status", "--config", ini});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("No node is registered under /certpilot/nodes/"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace certpilot::testing
