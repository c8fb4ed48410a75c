// Fleet mode's use cases against the fake CA and an in-memory etcd
// (issue #17): `certificates --fleet-*` (the fleet's lineages with each
// node's deployment, the local-only ones marked, --json), the renewer's own
// deployment record, and the etcd requests one renewal makes.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "app/types/fleet.h"
#include "app/usecases/certificates.h"
#include "app/usecases/certonly.h"
#include "app/usecases/renew.h"
#include "app/wiring/ari_state.h"
#include "app/wiring/fleet_lineages.h"
#include "app/wiring/fleet_nodes.h"
#include "crypto/certificate.h"
#include "fleet/deployment_record.h"
#include "http/http_client.h"
#include "support/app_fakes.h"
#include "support/fake_etcd.h"
#include "support/use_case_fixture.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

using std::chrono::hours;
using testing::FakeEtcd;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// An etcd that cannot be reached: every request fails in transport.
class DownHttpClient : public http::HttpClient {
 public:
  http::Response Do(const http::Request& r) override {
    throw http::TransportError(r.url, "POST " + r.url + ": connection refused");
  }
};

// Node "web1" (the fixture's config dir) and node "web2" (a second config
// dir in the same temp dir) share one fake etcd and the fake CA.
class FleetUseCase : public testing::UseCaseTest<> {
 protected:
  FleetUseCase() {
    services_.make_fleet_http = [this](const FleetOptions&) {
      return std::make_unique<testing::BorrowedHttpClient>(etcd_);
    };
    fs_.CreateFileExclusive(dir_ / "fleet.key", std::string(32, '\x42'), 0600,
                            std::nullopt);
    fleet_.endpoints = FakeEtcd::Options().endpoints;
    fleet_.prefix = "/p";
    fleet_.node = "web1";
    fleet_.secret_file = dir_ / "fleet.key";
    // Keepalives come every third of the TTL, by the wall clock: 20 minutes
    // here, longer than a test may run (ctest's timeout), so none is sent.
    fleet_.lock_ttl_seconds = 3600;
  }

  // certonly on web1, in the fleet.
  void IssueInFleet(const std::string& name) {
    CertonlyOptions o = StandaloneCertonly({name});
    o.fleet = fleet_;
    ASSERT_EQ(Certonly(o, services_), 0) << out_.str();
  }
  // Web2's common options: its own config and work dirs.
  CommonOptions Web2() const {
    CommonOptions c = common_;
    c.config_dir = dir_ / "web2/config";
    c.work_dir = dir_ / "web2/work";
    return c;
  }
  // Web2's fleet options: no fleet key (listing needs none).
  FleetOptions Web2Fleet() const {
    FleetOptions f = fleet_;
    f.node = "web2";
    f.secret_file.clear();
    return f;
  }
  std::string Run(const CertificatesOptions& o) {
    out_.str("");
    EXPECT_EQ(Certificates(o, services_), 0);
    return out_.str();
  }
  std::string LocalSerial(const std::string& config, const std::string& name) {
    return crypto::Certificate::FromPem(
               fs_.ReadFile(config + "/live/" + name + "/cert.pem"))
        .SerialHex();
  }
  // Registers `node` as a live agent would (under a lease).
  void Register(const std::string& node) {
    etcd::Client client(etcd_, FakeEtcd::Options());
    FleetNode n;
    n.name = node;
    n.address = "127.0.0.1:80";
    RegisterFleetNode(client, "/p", n, client.LeaseGrant(60).id);
  }

  FakeEtcd etcd_;
  FleetOptions fleet_;
};

TEST_F(FleetUseCase, CertonlyRecordsTheRenewersOwnDeployment) {
  IssueInFleet("example.com");
  const std::optional<etcd::KeyValue> kv =
      etcd_.Get("/p/deployed/example.com/web1");
  ASSERT_TRUE(kv);
  const fleet::Deployment d = fleet::ParseDeployment("web1", kv->value);
  EXPECT_EQ(d.version, 1);
  EXPECT_EQ(d.serial, LocalSerial(common_.config_dir, "example.com"));
  EXPECT_EQ(d.time, UnixSeconds(clock_.Now()));

  // `fleet status`'s computation: web1 serves the current version; web2,
  // live but without a record, lags.
  Register("web1");
  Register("web2");
  etcd::Client client(etcd_, FakeEtcd::Options());
  const std::vector<FleetLineageStatus> statuses =
      FleetLineageStatuses(client, "/p", ListFleetNodes(client, "/p"));
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].version, 1);
  EXPECT_EQ(statuses[0].lagging, std::vector<std::string>{"web2"});
}

TEST_F(FleetUseCase, RenewRecordsTheNewVersionAsDeployedHere) {
  IssueInFleet("example.com");
  const std::string first = LocalSerial(common_.config_dir, "example.com");
  clock_.Advance(hours(24 * 71));  // due
  RenewOptions o;
  o.common = common_;
  o.no_random_sleep = true;
  o.fleet = fleet_;
  ASSERT_EQ(Renew(o, services_), 0) << out_.str();
  const fleet::Deployment d = fleet::ParseDeployment(
      "web1", etcd_.Get("/p/deployed/example.com/web1").value().value);
  EXPECT_EQ(d.version, 2);
  const std::string second = LocalSerial(common_.config_dir, "example.com");
  EXPECT_NE(second, first);
  EXPECT_EQ(d.serial, second);
}

// ARI in a fleet (RFC 9773): the renewer that asked the CA shares the
// answer; a node without an answer of its own takes the fleet's until its
// Retry-After instead of asking, and renews at the same chosen point.
TEST_F(FleetUseCase, RenewSharesTheCasAriAnswerThroughTheFleet) {
  IssueInFleet("example.com");
  ca_.renewal_window = {clock_.Now() + hours(24 * 50),
                        clock_.Now() + hours(24 * 52)};
  ca_.renewal_retry_after = "21600";
  RenewOptions o;
  o.common = common_;
  o.no_random_sleep = true;
  o.fleet = fleet_;
  ASSERT_EQ(Renew(o, services_), 0) << out_.str();
  EXPECT_EQ(ca_.CountRequests("/renewal-info/"), 1);
  const std::optional<etcd::KeyValue> kv = etcd_.Get("/p/ari/example.com");
  ASSERT_TRUE(kv);
  const std::optional<AriState> shared = ParseAriState(kv->value);
  ASSERT_TRUE(shared);
  // Whole seconds, as stored.
  EXPECT_EQ(UnixSeconds(shared->window_start),
            UnixSeconds(ca_.renewal_window->first));
  EXPECT_EQ(UnixSeconds(shared->next_check),
            UnixSeconds(clock_.Now() + hours(6)));

  // As on a node that never asked: no answer of its own.
  const storage::Layout layout{common_.config_dir, common_.work_dir, ""};
  RemoveAriState(fs_, layout, "example.com");
  clock_.Advance(hours(1));
  ASSERT_EQ(Renew(o, services_), 0) << out_.str();
  EXPECT_EQ(ca_.CountRequests("/renewal-info/"), 1);
  const std::optional<AriState> taken =
      LoadAriState(fs_, layout, "example.com");
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->selected, shared->selected);

  // Once the Retry-After has passed this node asks, and shares the answer.
  clock_.Advance(hours(6));
  ASSERT_EQ(Renew(o, services_), 0) << out_.str();
  EXPECT_EQ(ca_.CountRequests("/renewal-info/"), 2);
  EXPECT_EQ(
      UnixSeconds(
          ParseAriState(etcd_.Get("/p/ari/example.com")->value)->next_check),
      UnixSeconds(clock_.Now() + hours(6)));
}

// The etcd requests of one fleet renewal of one due lineage, from the
// renewer (the benchmark measured 23.3 per renewal, agents' polls
// included; this pins the renewer's own share so a regression shows).
TEST_F(FleetUseCase, OneRenewalMakesAKnownNumberOfEtcdRequests) {
  IssueInFleet("example.com");
  clock_.Advance(hours(24 * 71));  // due
  etcd_.clear_requests();
  RenewOptions o;
  o.common = common_;
  o.no_random_sleep = true;
  o.fleet = fleet_;
  ASSERT_EQ(Renew(o, services_), 0) << out_.str();

  // Requests by kind: path, and for KV requests whether they write and
  // which part of the prefix they touch (locks, lineages, deployed, ...);
  // for a lineage's keys, its `current` key or a version's keys.
  std::map<std::string, int> kinds;
  for (const FakeEtcd::Logged& r : etcd_.requests()) {
    std::string kind = r.path;
    if (!r.key.empty()) {
      std::string part = r.key.substr(3);  // after "/p/"
      part = part.substr(0, part.find('/'));
      kind += std::string(r.writes ? " write " : " read ") + part;
      if (part == "lineages")
        kind += EndsWith(r.key, "/current") ? " current" : " version";
    }
    ++kinds[kind];
  }
  // 12 requests in all.
  const std::map<std::string, int> want = {
      // The fleet's version, read twice: when planning (ConsultFleet: what
      // is due is decided from the certificate the fleet serves, which
      // another node may have renewed) and again once the lock is held
      // (LockInFleet: a version published between the plan and the lock is
      // not renewed twice). Each LoadLineage is the `current` key, then
      // that version's keys at the same revision.
      {"/v3/kv/range read lineages current", 3},  // + 1: the publish's
      {"/v3/kv/range read lineages version", 2},
      // The fleet's ARI answers, one range for every lineage: a node uses
      // another's answer about the same certificate instead of asking the
      // CA (app/wiring/ari_check.h).
      {"/v3/kv/range read ari", 1},
      // The fleet lock: a lease, then the transaction that creates the lock
      // key under it if nobody holds it (its create revision: the fence).
      {"/v3/lease/grant", 1},
      {"/v3/kv/txn write locks", 1},
      // Who answers http-01: the node registry (no agent registered here,
      // so this node's own responder does; with agents, the challenge
      // record adds its own requests).
      {"/v3/kv/range read nodes", 1},
      // The publish: `current` read (above), then one transaction fenced by
      // the lock's token and guarded by `current`, every key of the version.
      {"/v3/kv/txn write lineages version", 1},
      // This node's deployment record (FleetSession::RecordOwnDeployment).
      {"/v3/kv/put write deployed", 1},
      // The lock given up: revoking its lease deletes the lock key.
      {"/v3/lease/revoke", 1},
      // No account request: this node has its own account for the CA
      // (AdoptFleetAccount reads the fleet's only for a node without one).
  };
  EXPECT_EQ(kinds, want) << ::testing::PrintToString(kinds);
  // Keepalives: none with this TTL (see the fixture); in production one per
  // held lock every third of --fleet-lock-ttl (20 s by default) while the
  // order runs, so a renewal that takes under 20 s sends none either.
  EXPECT_EQ(kinds.count("/v3/lease/keepalive"), 0u);
}

TEST_F(FleetUseCase, CertificatesListsTheFleetsLineagesOnANodeWithoutThem) {
  IssueInFleet("example.com");
  // When web1 recorded its deployment: the issuance below polls, and the
  // fake clock moves on with each pause.
  const TimePoint deployed = clock_.Now();
  const std::string serial = LocalSerial(common_.config_dir, "example.com");
  // Web2 holds one lineage of its own, which the fleet lacks.
  CertonlyOptions local = StandaloneCertonly({"local.example"});
  local.common = Web2();
  ASSERT_EQ(Certonly(local, services_), 0);
  Register("web1");
  Register("web2");

  CertificatesOptions o;
  o.common = Web2();
  o.fleet = Web2Fleet();
  const std::string text = Run(o);
  EXPECT_TRUE(Contains(text,
                       "  Certificate Name: example.com\n"
                       "    Serial Number: " +
                           serial + "\n"))
      << text;
  EXPECT_TRUE(Contains(text, "    Fleet Version: 1\n")) << text;
  EXPECT_TRUE(Contains(text, "    Deployed: web1 v1 serial " + serial + " ("))
      << text;
  EXPECT_TRUE(Contains(text, "    Lagging: web2\n")) << text;
  EXPECT_TRUE(Contains(text, "  Certificate Name: local.example\n")) << text;
  EXPECT_TRUE(Contains(text,
                       "    Fleet: not in the fleet; `certpilot fleet "
                       "push` uploads it\n"))
      << text;
  EXPECT_LT(text.find("example.com"), text.find("local.example"));

  o.json = true;
  const nlohmann::json j = nlohmann::json::parse(Run(o));
  ASSERT_EQ(j.size(), 2u) << j.dump();
  const nlohmann::json& fleet = j[0];
  EXPECT_EQ(fleet["name"], "example.com");
  EXPECT_EQ(fleet["serial"], serial);
  EXPECT_EQ(fleet["domains"], nlohmann::json({"example.com"}));
  EXPECT_EQ(fleet["valid"], true);
  EXPECT_EQ(fleet["cert_path"],
            Web2().config_dir + "/live/example.com/cert.pem");
  EXPECT_EQ(fleet["fleet"]["version"], 1);
  ASSERT_EQ(fleet["fleet"]["deployed"].size(), 1u);
  EXPECT_EQ(fleet["fleet"]["deployed"][0]["node"], "web1");
  EXPECT_EQ(fleet["fleet"]["deployed"][0]["version"], 1);
  EXPECT_EQ(fleet["fleet"]["deployed"][0]["serial"], serial);
  EXPECT_EQ(fleet["fleet"]["deployed"][0]["time"],
            FormatRfc3339(FromUnixSeconds(UnixSeconds(deployed))));
  EXPECT_EQ(fleet["fleet"]["lagging"], nlohmann::json({"web2"}));
  EXPECT_EQ(j[1]["name"], "local.example");
  EXPECT_TRUE(j[1]["fleet"].is_null());

  // The same keys as the local listing, plus "fleet".
  CertificatesOptions plain;
  plain.common = Web2();
  plain.json = true;
  const nlohmann::json local_json = nlohmann::json::parse(Run(plain));
  ASSERT_EQ(local_json.size(), 1u);
  EXPECT_FALSE(local_json[0].contains("fleet"));
  std::set<std::string> keys, local_keys;
  for (const auto& [k, v] : j[1].items()) keys.insert(k);
  for (const auto& [k, v] : local_json[0].items()) local_keys.insert(k);
  local_keys.insert("fleet");
  EXPECT_EQ(keys, local_keys);
}

TEST_F(FleetUseCase, CertificatesFiltersFleetLineagesAsLocally) {
  IssueInFleet("example.com");
  IssueInFleet("other.example");
  CertificatesOptions o;
  o.common = Web2();
  o.fleet = Web2Fleet();
  o.json = true;

  o.cert_name = "other.example";
  nlohmann::json j = nlohmann::json::parse(Run(o));
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "other.example");

  o.cert_name.clear();
  o.domains = {"example.com"};
  j = nlohmann::json::parse(Run(o));
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "example.com");

  o.domains = {"nowhere.example"};
  o.json = false;
  EXPECT_EQ(Run(o), "No certificates found in the fleet or on this node.\n");
}

TEST_F(FleetUseCase, CertificatesReadsNoSealedKeyAndFewRequests) {
  for (const char* name : {"a.example", "b.example", "c.example"})
    IssueInFleet(name);
  etcd_.clear_requests();
  CertificatesOptions o;
  o.common = Web2();
  o.fleet = Web2Fleet();
  Run(o);
  // The registry, the `current` keys and their values, the deployment
  // records, the versions' cert and renewal keys: 5, not one per lineage.
  const std::vector<FakeEtcd::Logged> requests = etcd_.requests();
  EXPECT_EQ(requests.size(), 5u);
  for (const FakeEtcd::Logged& r : requests) {
    EXPECT_FALSE(r.writes) << r.path << " " << r.key;
    EXPECT_FALSE(EndsWith(r.key, "/privkey")) << r.key;
  }
}

TEST_F(FleetUseCase, CertificatesFailsClearlyWhenEtcdIsDown) {
  services_.make_fleet_http = [](const FleetOptions&) {
    return std::make_unique<DownHttpClient>();
  };
  CertificatesOptions o;
  o.common = Web2();
  o.fleet = Web2Fleet();
  try {
    Certificates(o, services_);
    ADD_FAILURE() << "listed without etcd";
  } catch (const UsageError& e) {
    ADD_FAILURE() << "a usage error (exit 2): " << e.what();
  } catch (const Error& e) {
    EXPECT_TRUE(Contains(e.what(), "cannot list the fleet's certificates"))
        << e.what();
  }
  EXPECT_EQ(out_.str(), "");
}

}  // namespace
}  // namespace certpilot::app
