#include "support/etcd_cluster.h"

#include <signal.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "http/curl_http_client.h"
#include "support/free_port.h"
#include "support/run_binary.h"

namespace certpilot::testing {
namespace {

constexpr char kOwner[] = "EtcdCluster";
constexpr char kEtcd[] = "/usr/bin/etcd";
constexpr char kEtcdctl[] = "/usr/bin/etcdctl";
constexpr char kOpenssl[] = "/usr/bin/openssl";
constexpr char kNotInstalled[] =
    "etcd is not installed: run scripts/deps (packages etcd-server "
    "etcd-client openssl)";

std::string Port(int port) { return std::to_string(port); }

void RunOrThrow(const std::vector<std::string>& argv) {
  RunResult result = RunProgram(argv);
  if (result.exit_code != 0) {
    throw std::runtime_error(std::string(kOwner) + ": " + argv[0] + " " +
                             argv[1] + " failed: " + result.Describe());
  }
}

}  // namespace

EtcdCluster::EtcdCluster(EtcdClusterOptions options)
    : options_(std::move(options)) {
  auto started = std::chrono::steady_clock::now();
  RequirePrograms(kOwner, {kEtcd, kEtcdctl, kOpenssl}, kNotInstalled);
  for (int i = 0; i < options_.members; ++i)
    members_.push_back(std::make_unique<Daemon>());
  StartOrStop(
      [this] {
        MakeCertificates();
        RetryPortRaces(
            kOwner, "etcd", [this] { return StartAll(); },
            [this] { return Logs(); });
      },
      [this] {
        for (auto& member : members_) member->Stop();
      });
  start_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
}

// SIGKILL: the data dirs go with the temp dir, and a graceful stop of all
// three at once costs seconds (the leader tries to hand over to members
// that are leaving too).
EtcdCluster::~EtcdCluster() {
  for (int i = 0; i < static_cast<int>(members_.size()); ++i) KillMember(i);
}

void EtcdCluster::MakeCertificates() const {
  const std::string d = dir_.path() + "/";
  auto key = [&](const std::string& name) {
    RunOrThrow({kOpenssl, "genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", d + name + ".key"});
  };
  key("ca");
  RunOrThrow({kOpenssl, "req", "-x509", "-new", "-key", d + "ca.key", "-subj",
              "/CN=certpilot test etcd CA", "-days", "2", "-out",
              d + "ca.pem"});
  auto issue = [&](const std::string& name, const std::string& cn,
                   const std::string& extensions) {
    key(name);
    RunOrThrow({kOpenssl, "req", "-new", "-key", d + name + ".key", "-subj",
                "/CN=" + cn, "-out", d + name + ".csr"});
    WriteFileOrThrow(d + name + ".ext", extensions);
    RunOrThrow({kOpenssl, "x509", "-req", "-in", d + name + ".csr", "-CA",
                d + "ca.pem", "-CAkey", d + "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", d + name + ".ext", "-out",
                d + name + ".pem"});
  };
  issue("member", "127.0.0.1",
        "subjectAltName=IP:127.0.0.1,DNS:localhost" +
            (options_.extra_address.empty() ? std::string()
                                            : ",IP:" + options_.extra_address) +
            "\n"
            "extendedKeyUsage=serverAuth,clientAuth\n");
  issue("client", "certpilot", "extendedKeyUsage=clientAuth\n");
}

DaemonSpec EtcdCluster::MemberSpec(int index) const {
  const std::string d = dir_.path() + "/";
  const std::string name = "m" + std::to_string(index);
  std::string cluster;
  for (int i = 0; i < options_.members; ++i) {
    cluster += (i ? "," : "") + ("m" + std::to_string(i)) +
               "=https://127.0.0.1:" + Port(peer_ports_[i]);
  }
  std::vector<std::string> argv = {
      kEtcd,
      "--name=" + name,
      "--data-dir=" + d + name,
      "--listen-client-urls=" + endpoints_[index] +
          (options_.extra_address.empty()
               ? std::string()
               : "," + endpoints_at(options_.extra_address)[index]),
      "--advertise-client-urls=" + endpoints_[index],
      "--listen-peer-urls=https://127.0.0.1:" + Port(peer_ports_[index]),
      "--initial-advertise-peer-urls=https://127.0.0.1:" +
          Port(peer_ports_[index]),
      "--initial-cluster=" + cluster,
      "--initial-cluster-token=certpilot-test",
      "--initial-cluster-state=new",
      "--cert-file=" + d + "member.pem",
      "--key-file=" + d + "member.key",
      "--peer-cert-file=" + d + "member.pem",
      "--peer-key-file=" + d + "member.key",
      "--peer-trusted-ca-file=" + d + "ca.pem",
      "--peer-client-cert-auth",
      "--logger=zap",
      "--log-outputs=stderr",
  };
  // etcd requires a client certificate whenever it has a trusted CA file,
  // --client-cert-auth or not: both, or neither.
  if (options_.client_cert_auth) {
    argv.push_back("--trusted-ca-file=" + d + "ca.pem");
    argv.push_back("--client-cert-auth");
  }
  return {.name = "etcd " + name,
          .argv = argv,
          .log_path = d + name + ".log",
          .append_log = true,
          .stop_timeout = std::chrono::milliseconds(10000)};
}

Startup EtcdCluster::StartAll() {
  std::vector<PortReservation> reservations(2 * options_.members);
  client_ports_.clear();
  peer_ports_.clear();
  endpoints_.clear();
  for (int i = 0; i < options_.members; ++i) {
    client_ports_.push_back(reservations[2 * i].Reserve());
    peer_ports_.push_back(reservations[2 * i + 1].Reserve());
    endpoints_.push_back("https://127.0.0.1:" + Port(client_ports_[i]));
    // A cluster that lost a port race is started afresh.
    std::filesystem::remove_all(dir_ / ("m" + std::to_string(i)));
  }
  for (auto& reservation : reservations) reservation.Release();
  std::vector<Daemon*> all;
  for (int i = 0; i < options_.members; ++i) {
    members_[i]->Start(MemberSpec(i));
    all.push_back(members_[i].get());
  }
  Readiness readiness;
  readiness.owner = kOwner;
  readiness.ready = [this] {
    for (int i = 0; i < options_.members; ++i)
      if (!Healthy(i)) return false;
    return true;
  };
  readiness.timeout = std::chrono::milliseconds(60000);
  readiness.interval = std::chrono::milliseconds(100);
  return AwaitReady(all, readiness);
}

bool EtcdCluster::Healthy(int index) const {
  http::CurlOptions curl;
  curl.ca_bundle = ca_file();
  curl.client_cert = client_cert();
  curl.client_key = client_key();
  curl.connect_timeout = std::chrono::milliseconds(1000);
  curl.total_timeout = std::chrono::milliseconds(3000);
  http::CurlHttpClient client(curl);
  http::Request request;
  request.url = endpoints_[index] + "/health";
  try {
    http::Response response = client.Do(request);
    return response.status == 200 &&
           response.body.find("\"true\"") != std::string::npos;
  } catch (const http::TransportError&) {
    return false;
  }
}

void EtcdCluster::KillMember(int index) {
  Daemon& member = *members_.at(index);
  if (member.started()) ::kill(member.pid(), SIGKILL);
  member.Stop();  // reaps it
}

void EtcdCluster::StopMember(int index) { members_.at(index)->Stop(); }

void EtcdCluster::StartMember(int index) { StartMembers({index}); }

void EtcdCluster::StartMembers(const std::vector<int>& indices) {
  std::vector<Daemon*> started;
  for (int index : indices) {
    members_.at(index)->Start(MemberSpec(index));
    started.push_back(members_.at(index).get());
  }
  Readiness readiness;
  readiness.owner = kOwner;
  readiness.ready = [this, indices] {
    for (int index : indices)
      if (!Healthy(index)) return false;
    return true;
  };
  readiness.timeout = std::chrono::milliseconds(60000);
  readiness.interval = std::chrono::milliseconds(100);
  if (AwaitReady(started, readiness) != Startup::kReady)
    throw std::runtime_error(std::string(kOwner) +
                             ": a member's port was taken on restart\n" +
                             Logs());
}

std::string EtcdCluster::Etcdctl(const std::vector<std::string>& args,
                                 const std::vector<std::string>& extra) const {
  std::string endpoints;
  for (const auto& e : endpoints_)
    endpoints += (endpoints.empty() ? "" : ",") + e;
  std::vector<std::string> argv = {kEtcdctl,
                                   "--endpoints=" + endpoints,
                                   "--cacert=" + ca_file(),
                                   "--cert=" + client_cert(),
                                   "--key=" + client_key(),
                                   "--dial-timeout=5s",
                                   "--command-timeout=10s"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult result = RunProgram(argv, {{"ETCDCTL_API", "3"}});
  if (result.exit_code != 0) {
    std::string command;
    for (const auto& a : args) command += " " + a;
    throw std::runtime_error(std::string(kOwner) + ": etcdctl" + command +
                             ": " + result.Describe());
  }
  return result.out;
}

std::vector<std::string> EtcdCluster::endpoints_at(
    const std::string& address) const {
  std::vector<std::string> out;
  for (int port : client_ports_)
    out.push_back("https://" + address + ":" + Port(port));
  return out;
}

// `endpoint status` prints "URL, ID, VERSION, DB SIZE, IS LEADER, ..." per
// endpoint.
int EtcdCluster::LeaderIndex() const {
  std::istringstream lines(Etcdctl({"endpoint", "status"}));
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::istringstream in(line);
    for (std::string f; std::getline(in, f, ',');) {
      const size_t start = f.find_first_not_of(' ');
      fields.push_back(start == std::string::npos ? "" : f.substr(start));
    }
    if (fields.size() < 5 || fields[4] != "true") continue;
    for (int i = 0; i < static_cast<int>(endpoints_.size()); ++i)
      if (fields[0] == endpoints_[i]) return i;
  }
  return -1;
}

std::string EtcdCluster::Logs() const {
  std::string logs;
  for (const auto& member : members_)
    if (member->started() || !member->spec().log_path.empty())
      logs += member->spec().name + " " + member->LogTail(2000) + "\n";
  return logs;
}

}  // namespace certpilot::testing
