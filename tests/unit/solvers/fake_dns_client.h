// A DnsClient that keeps TXT records in memory and records every call, for
// the DNS-01 solver tests. Scripted failures: fail_queries (the next N
// QueryTxt throw), hidden_until_query (a value stays invisible to QueryTxt
// until that many queries happened, to model propagation delay),
// fail_add / fail_delete / zone_error; cnames (name → target) answer
// QueryCname, cname_rcode makes it fail.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "solvers/dns01.h"
#include "solvers/dns_client.h"
#include "solvers/dns_types.h"
#include "util/strings.h"

namespace certpilot::testing {

class FakeDnsClient : public solvers::DnsClient {
 public:
  std::string Describe() const override { return "fake:53"; }

  std::vector<std::string> QueryTxt(const std::string& name) override {
    std::lock_guard<std::mutex> l(mu);
    ++queries;
    calls.push_back("query " + Key(name));
    if (fail_queries > 0) {
      --fail_queries;
      throw solvers::DnsError("TXT query for " + Key(name) + ": timed out");
    }
    std::vector<std::string> out;
    for (const std::string& v : txt[Key(name)]) {
      auto hidden = hidden_until_query.find(v);
      if (hidden != hidden_until_query.end() && queries < hidden->second)
        continue;
      out.push_back(v);
    }
    return out;
  }

  std::optional<std::string> QueryCname(const std::string& name) override {
    std::lock_guard<std::mutex> l(mu);
    calls.push_back("cname " + Key(name));
    if (cname_rcode) {
      throw solvers::DnsError("CNAME query for " + Key(name) + ": " +
                                  solvers::RcodeName(*cname_rcode),
                              cname_rcode);
    }
    auto it = cnames.find(Key(name));
    if (it == cnames.end()) return std::nullopt;
    return Key(it->second);
  }

  std::vector<std::string> QueryNs(const std::string& of) override {
    std::lock_guard<std::mutex> l(mu);
    calls.push_back("ns " + Key(of));
    return ns[Key(of)];
  }

  std::vector<std::string> QueryAddresses(const std::string& host) override {
    std::lock_guard<std::mutex> l(mu);
    calls.push_back("addresses " + Key(host));
    return addresses[Key(host)];
  }

  std::string FindZone(const std::string& name) override {
    std::lock_guard<std::mutex> l(mu);
    calls.push_back("zone " + Key(name));
    if (!zone_error.empty()) throw solvers::DnsError(zone_error);
    return zone;
  }

  void AddTxt(const std::string& z, const std::string& name,
              const std::string& value, std::uint32_t ttl) override {
    std::lock_guard<std::mutex> l(mu);
    calls.push_back("add " + z + " " + Key(name) + " " + value + " " +
                    std::to_string(ttl));
    if (fail_add) throw solvers::DnsError("update refused: NOTAUTH", 9);
    auto& values = txt[Key(name)];
    if (std::find(values.begin(), values.end(), value) == values.end())
      values.push_back(value);
  }

  void DeleteTxt(const std::string& z, const std::string& name,
                 const std::string& value) override {
    std::lock_guard<std::mutex> l(mu);
    calls.push_back("delete " + z + " " + Key(name) + " " + value);
    if (fail_delete) throw solvers::DnsError("update refused: REFUSED", 5);
    auto& values = txt[Key(name)];
    values.erase(std::remove(values.begin(), values.end(), value),
                 values.end());
  }

  static std::string Key(const std::string& name) {
    return ToLower(solvers::Fqdn(name));
  }

  std::mutex mu;
  std::string zone = "example.com.";
  std::map<std::string, std::vector<std::string>> txt;  // by Key(name)
  std::map<std::string, std::string> cnames;  // by Key(name) → target
  std::optional<int> cname_rcode;  // QueryCname throws with this RCODE
  std::map<std::string, std::vector<std::string>> ns;         // zone → hosts
  std::map<std::string, std::vector<std::string>> addresses;  // host → IPs
  std::map<std::string, int> hidden_until_query;  // value → query count
  std::vector<std::string> calls;
  int queries = 0;
  int fail_queries = 0;
  bool fail_add = false;
  bool fail_delete = false;
  std::string zone_error;
};

}  // namespace certpilot::testing
