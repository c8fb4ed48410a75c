// The zone state behind a DNS provider API contract fake
// (cloudflare_fake.h, ...): the zones the account holds, the TXT records in
// them, and the contract violations the fake saw. A test asserts
// violations() is empty and, after a failed run, that no record is left.
//
// on_change, when set, is called after every change with the name and all
// its TXT values now, so a test can serve the state to Pebble (through
// challtestsrv's /set-txt and /clear-txt). Thread-safe: the fakes' handlers
// run on the server's connection threads; on_change is called under the
// lock, so changes reach it in order.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace certpilot::testing {

class PebbleFixture;

struct FakeTxtRecord {
  std::string id;
  std::string zone;  // "example.com" (no trailing dot)
  std::string name;  // "_acme-challenge.example.com" (no trailing dot)
  std::string value;
  std::uint32_t ttl = 0;
};

class FakeDnsZones {
 public:
  // `zones`: "example.com", ... (no trailing dot). Ids are made up.
  explicit FakeDnsZones(std::vector<std::string> zones);

  const std::vector<std::string>& zones() const { return zones_; }
  // The zone's id (32 hex digits, stable for the fake's life), or "".
  std::string ZoneId(const std::string& zone) const;
  // The zone with id `id`, or "".
  std::string ZoneById(const std::string& id) const;
  // The longest zone `name` (no trailing dot) falls in, or "".
  std::string ZoneOf(const std::string& name) const;

  // Adds a record, returning its new id (32 hex digits, or the decimal id
  // when numeric_ids is set).
  std::string Add(const std::string& zone, const std::string& name,
                  const std::string& value, std::uint32_t ttl);
  // Removes the record with `id`; false when there is none.
  bool Remove(const std::string& id);
  // Every record of `zone` ("" = all zones), in creation order.
  std::vector<FakeTxtRecord> Records(const std::string& zone = "") const;
  // The values at `name` (no trailing dot).
  std::vector<std::string> Txt(const std::string& name) const;

  // Records a contract violation (a request the documentation does not
  // allow).
  void Violation(const std::string& what);
  std::vector<std::string> violations() const;

  // From now on, requests with `method` ("" = any) are to fail with
  // `status` (the fake answers in its provider's error shape, with
  // Retry-After: `retry_after` when not empty), changing nothing.
  void Fail(int status, const std::string& method = "",
            const std::string& retry_after = "");
  struct Failure {
    int status;
    std::string retry_after;
  };
  // The failure a request with `method` must answer, if any.
  std::optional<Failure> FailureFor(const std::string& method) const;

  // Sets on_change to mirror every name's TXT values into `pebble`'s
  // challtestsrv mock DNS (clear, then set each value), which Pebble
  // resolves with by default. `pebble` must outlive the changes.
  void ServeTo(const PebbleFixture& pebble);

  bool numeric_ids = false;
  std::function<void(const std::string& name,
                     const std::vector<std::string>& values)>
      on_change;

 private:
  std::vector<std::string> TxtLocked(const std::string& name) const;

  std::vector<std::string> zones_;
  std::vector<std::string> zone_ids_;
  mutable std::mutex mu_;
  std::vector<FakeTxtRecord> records_;
  std::vector<std::string> violations_;
  std::uint64_t next_id_ = 1;
  std::optional<Failure> failure_;
  std::string failure_method_;
};

class HttpsFakeServer;

// What the provider-independent tests need of a contract fake
// (CloudflareFake, ...), so one test body runs against every provider.
class DnsApiFake {
 public:
  virtual ~DnsApiFake() = default;
  // The provider's name in the table: "cloudflare" (--dns-cloudflare).
  virtual std::string provider() const = 0;
  virtual FakeDnsZones& zones() = 0;
  virtual HttpsFakeServer& server() = 0;
  virtual const std::string& ca_bundle() const = 0;
  // A credentials file in certbot's format pointing at the fake.
  virtual std::string CredentialsIni() const = 0;
  // One the API refuses, with the wrong secret in it (to check it is
  // redacted) and the HTTP status the refusal carries.
  struct Refused {
    std::string ini;
    std::string secret;
    int status;
  };
  virtual Refused WrongCredentials() const = 0;
  // The method that adds a record ("POST"; Gandi's record sets: "PUT"),
  // for a test that makes additions fail.
  virtual std::string add_method() const { return "POST"; }
};

// Writes the concatenation of the PEM files `files` to `path` (one trust
// store for Pebble and a provider fake: --ca-bundle takes one file) and
// returns `path`.
std::string JoinCaBundles(const std::string& path,
                          const std::vector<std::string>& files);

}  // namespace certpilot::testing
