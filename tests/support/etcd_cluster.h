// EtcdCluster: a real etcd cluster (Debian's etcd-server, /usr/bin/etcd 3.4)
// of N members (3 by default) on free loopback ports, with TLS everywhere,
// for the etcd client and fleet integration tests.
//
// Start-up (the constructor): a fresh CA, one certificate for the members
// (IP 127.0.0.1, serverAuth + clientAuth: members are each other's clients,
// and etcd's JSON gateway dials its own member with it) and a client
// certificate (CN "certpilot"), all made with the openssl CLI in a temp dir;
// then every member as a child process (support/daemon.h: PR_SET_PDEATHSIG,
// a crashed test leaks no etcd) with its data dir in that temp dir, and a
// poll with a deadline (no fixed sleep) until every member's /health says
// true. A port race is retried with fresh ports.
//
// Layout (TMP = a fresh mkdtemp dir): TMP/ca.pem, TMP/member.{pem,key},
// TMP/client.{pem,key}, TMP/mN/ (data dir), TMP/mN.log.
//
// With client_cert_auth, members refuse clients without a certificate
// signed by the CA; without it they ask for none. (With client_cert_auth
// and etcd's own authentication enabled, etcd 3.4's JSON gateway refuses
// every request: it will not take a certificate's CN as the user.)
// Members keep etcd's default heartbeat and election timeouts (100 ms,
// 1 s): a new leader comes within a few seconds when one is stopped.
//
// Throws std::runtime_error, quoting the logs, when etcd or openssl is
// missing (install them: scripts/deps) or the cluster does not come up. It
// never skips. Use from one thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/daemon.h"
#include "support/temp_dir.h"

namespace certpilot::testing {

struct EtcdClusterOptions {
  int members = 3;
  bool client_cert_auth = false;
  // Another local address every member also serves clients on (same port;
  // an IP SAN of the member certificate), e.g. NetnsNetwork::host_address()
  // for clients in network namespaces: endpoints_at() lists those URLs.
  std::string extra_address;
};

class EtcdCluster {
 public:
  explicit EtcdCluster(EtcdClusterOptions options = {});
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // "https://127.0.0.1:PORT", one per member, in member order.
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  // "https://ADDRESS:PORT", one per member: options.extra_address's URLs.
  std::vector<std::string> endpoints_at(const std::string& address) const;
  // The index of the member that is the Raft leader now (etcdctl endpoint
  // status); -1 when no member says it is. Every member must be up.
  int LeaderIndex() const;
  std::string ca_file() const { return dir_ / "ca.pem"; }
  std::string client_cert() const { return dir_ / "client.pem"; }
  std::string client_key() const { return dir_ / "client.key"; }
  // How long the constructor took until every member was healthy.
  std::chrono::milliseconds start_time() const { return start_time_; }

  // SIGKILL, reaped: the member vanishes as in a crash.
  void KillMember(int index);
  // SIGTERM (SIGKILL after a deadline), reaped.
  void StopMember(int index);
  // Starts a stopped member again on its data dir; waits until healthy.
  void StartMember(int index);
  // Starts several stopped members at once (a cluster that lost its quorum
  // needs them together), then waits until each is healthy.
  void StartMembers(const std::vector<int>& indices);
  // The member's /health says true (a client certificate is sent).
  bool Healthy(int index) const;

  // Runs etcdctl against every endpoint with the TLS files (and `extra`
  // flags before `args`); returns its stdout. Throws, quoting stderr, when
  // it fails.
  std::string Etcdctl(const std::vector<std::string>& args,
                      const std::vector<std::string>& extra = {}) const;

  std::string Logs() const;

 private:
  void MakeCertificates() const;
  Startup StartAll();
  DaemonSpec MemberSpec(int index) const;

  EtcdClusterOptions options_;
  TempDir dir_{"certpilot-etcd"};
  std::vector<int> client_ports_;
  std::vector<int> peer_ports_;
  std::vector<std::string> endpoints_;
  std::vector<std::unique_ptr<Daemon>> members_;
  std::chrono::milliseconds start_time_{0};
};

}  // namespace certpilot::testing
