#include "solvers/rfc2136_solver.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "solvers/credentials_ini.h"
#include "solvers/dns_types.h"
#include "solvers/ldns_dns_client.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::solvers {
namespace {

constexpr std::string_view kPrefix = "dns_rfc2136_";

bool IsBase64(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i < s.size() - pad; ++i) {
    char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/')
      return false;
  }
  return s.size() > pad;
}

bool IsKeyName(std::string_view s) {
  return !s.empty() && s.size() <= 255 &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                  c == '_' || c == '.';
         });
}

}  // namespace

Rfc2136Credentials ParseRfc2136Credentials(std::string_view text,
                                           const std::string& source) {
  const CredentialsIni ini = CredentialsIni::Parse(text, source, kPrefix);
  const std::string format = "certbot's dns-rfc2136 credentials format";

  Rfc2136Credentials out;
  std::uint16_t port = 53;
  if (std::optional<CredentialValue> v = ini.Get("port")) {
    int p = 0;
    for (char c : v->text) {
      if (c < '0' || c > '9' || p > 65535)
        throw ini.Bad("port", *v, "is not a port number");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) throw ini.Bad("port", *v, "is not a port number");
    port = static_cast<std::uint16_t>(p);
  }
  CredentialValue server = ini.Required("server", format);
  try {
    out.server = ParseDnsServerAddress(server.text, port);
  } catch (const UsageError& e) {
    throw ini.Bad("server", server, std::string("is not usable: ") + e.what());
  }

  CredentialValue name = ini.Required("name", format);
  if (!IsKeyName(name.text))
    throw ini.Bad("name", name, "is not a DNS name (the TSIG key's name)");
  out.key.name = name.text;

  CredentialValue secret = ini.Required("secret", format);
  std::string compact;
  for (char c : secret.text)
    if (c != ' ' && c != '\t') compact += c;
  if (!IsBase64(compact))
    throw ini.Bad("secret", secret, "is not base64 (the TSIG key's secret)");
  out.key.secret = compact;

  if (std::optional<CredentialValue> v = ini.Get("algorithm")) {
    try {
      out.key.algorithm = ParseTsigAlgorithm(v->text);
    } catch (const UsageError& e) {
      throw ini.Bad("algorithm", *v, std::string("is not usable: ") + e.what());
    }
  }
  if (std::optional<CredentialValue> v = ini.Get("sign_query")) {
    std::string b = ToLower(v->text);
    if (b == "true" || b == "yes" || b == "on" || b == "1") {
      out.sign_query = true;
    } else if (b == "false" || b == "no" || b == "off" || b == "0") {
      out.sign_query = false;
    } else {
      throw ini.Bad("sign_query", *v, "is not true or false");
    }
  }
  return out;
}

Rfc2136Credentials LoadRfc2136Credentials(sys::Filesystem& fs,
                                          const std::string& path) {
  return ParseRfc2136Credentials(
      ReadCredentialsFile(fs, path, "RFC 2136 credentials", "a TSIG secret"),
      path);
}

std::unique_ptr<DnsClient> MakeRfc2136Client(
    const Rfc2136Credentials& credentials, std::chrono::milliseconds timeout) {
  LdnsDnsClientOptions options;
  options.server = credentials.server;
  options.tsig = credentials.key;
  options.sign_queries = credentials.sign_query;
  options.timeout = timeout;
  return std::make_unique<LdnsDnsClient>(std::move(options));
}

class Rfc2136Solver::Updates : public DnsProvider {
 public:
  explicit Updates(DnsClient& client) : client_(client) {}
  std::string Describe() const override { return client_.Describe(); }
  std::string FindZone(const std::string& name) override {
    return client_.FindZone(name);
  }
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override {
    client_.AddTxt(zone, name, value, ttl);
  }
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override {
    client_.DeleteTxt(zone, name, value);
  }

 private:
  DnsClient& client_;
};

Rfc2136Solver::Rfc2136Solver(DnsClient& client, Clock& clock,
                             Rfc2136Options options)
    : updates_(std::make_unique<Updates>(client)) {
  DnsProviderSolverOptions o;
  o.label = "RFC 2136";
  o.ttl = options.ttl;
  o.poll_server = &client;  // the server that took the update
  o.poll = options.poll;
  o.fixed_wait = options.extra_wait;
  o.follow_cname = options.follow_cname;
  o.cname_resolver = options.cname_resolver ? options.cname_resolver : &client;
  solver_ = std::make_unique<DnsProviderSolver>(*updates_, clock, o);
}

Rfc2136Solver::~Rfc2136Solver() = default;

void Rfc2136Solver::Present(const issuance::ChallengeTask& task) {
  solver_->Present(task);
}

void Rfc2136Solver::Wait() { solver_->Wait(); }

void Rfc2136Solver::CleanUp(const issuance::ChallengeTask& task) noexcept {
  solver_->CleanUp(task);
}

}  // namespace certpilot::solvers
