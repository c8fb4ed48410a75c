#include "support/fake_dns_zones.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/pebble_fixture.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

// 32 hex digits from a counter and a salt: unique, and shaped like the ids
// the APIs hand out.
std::string HexId(std::uint64_t n, std::uint64_t salt) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx",
                static_cast<unsigned long long>(salt * 0x9e3779b97f4a7c15ULL),
                static_cast<unsigned long long>(n * 0xbf58476d1ce4e5b9ULL));
  return buf;
}

}  // namespace

FakeDnsZones::FakeDnsZones(std::vector<std::string> zones)
    : zones_(std::move(zones)) {
  for (size_t i = 0; i < zones_.size(); ++i)
    zone_ids_.push_back(HexId(i + 1, 7));
}

std::string FakeDnsZones::ZoneId(const std::string& zone) const {
  for (size_t i = 0; i < zones_.size(); ++i)
    if (zones_[i] == zone) return zone_ids_[i];
  return "";
}

std::string FakeDnsZones::ZoneById(const std::string& id) const {
  for (size_t i = 0; i < zones_.size(); ++i)
    if (zone_ids_[i] == id) return zones_[i];
  return "";
}

std::string FakeDnsZones::ZoneOf(const std::string& name) const {
  std::string best;
  const std::string lower = ToLower(name);
  for (const std::string& zone : zones_)
    if ((lower == zone || EndsWith(lower, "." + zone)) &&
        zone.size() > best.size())
      best = zone;
  return best;
}

std::string FakeDnsZones::Add(const std::string& zone, const std::string& name,
                              const std::string& value, std::uint32_t ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::uint64_t n = next_id_++;
  FakeTxtRecord r{numeric_ids ? std::to_string(1000 + n) : HexId(n, 11), zone,
                  ToLower(name), value, ttl};
  records_.push_back(r);
  if (on_change) on_change(r.name, TxtLocked(r.name));
  return r.id;
}

bool FakeDnsZones::Remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(records_.begin(), records_.end(),
                         [&](const FakeTxtRecord& r) { return r.id == id; });
  if (it == records_.end()) return false;
  const std::string name = it->name;
  records_.erase(it);
  if (on_change) on_change(name, TxtLocked(name));
  return true;
}

std::vector<FakeTxtRecord> FakeDnsZones::Records(
    const std::string& zone) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<FakeTxtRecord> out;
  for (const FakeTxtRecord& r : records_)
    if (zone.empty() || r.zone == zone) out.push_back(r);
  return out;
}

std::vector<std::string> FakeDnsZones::Txt(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return TxtLocked(ToLower(name));
}

std::vector<std::string> FakeDnsZones::TxtLocked(
    const std::string& name) const {
  std::vector<std::string> out;
  for (const FakeTxtRecord& r : records_)
    if (r.name == name) out.push_back(r.value);
  return out;
}

void FakeDnsZones::Violation(const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  violations_.push_back(what);
}

std::vector<std::string> FakeDnsZones::violations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return violations_;
}

void FakeDnsZones::Fail(int status, const std::string& method,
                        const std::string& retry_after) {
  std::lock_guard<std::mutex> lock(mu_);
  failure_ = Failure{status, retry_after};
  failure_method_ = method;
}

std::optional<FakeDnsZones::Failure> FakeDnsZones::FailureFor(
    const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (failure_ && (failure_method_.empty() || failure_method_ == method))
    return failure_;
  return std::nullopt;
}

void FakeDnsZones::ServeTo(const PebbleFixture& pebble) {
  std::lock_guard<std::mutex> lock(mu_);
  on_change = [&pebble](const std::string& name,
                        const std::vector<std::string>& values) {
    pebble.ClearTxt(name);
    for (const std::string& v : values) pebble.SetTxt(name, v);
  };
}

std::string JoinCaBundles(const std::string& path,
                          const std::vector<std::string>& files) {
  std::ofstream out(path);
  for (const std::string& file : files) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("JoinCaBundles: cannot read " + file);
    std::ostringstream text;
    text << in.rdbuf();
    out << text.str() << "\n";
  }
  if (!out.flush())
    throw std::runtime_error("JoinCaBundles: cannot write " + path);
  return path;
}

}  // namespace certpilot::testing
