#include "solvers/rfc2136_solver.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>

#include "solvers/dns01.h"
#include "solvers/dns_cname.h"
#include "solvers/dns_types.h"
#include "solvers/ldns_dns_client.h"
#include "sys/sys_error.h"
#include "util/error.h"
#include "util/log.h"
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

struct Value {
  std::string text;
  int line = 0;
};

// "value", 'value', or value with an inline comment (" # ...") cut off.
std::string UnquoteValue(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) {
    size_t close = v.find(v.front(), 1);
    if (close != std::string_view::npos)
      return std::string(v.substr(1, close - 1));
  }
  for (size_t i = 1; i < v.size(); ++i) {
    if ((v[i] == '#' || v[i] == ';') && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
      v = v.substr(0, i);
      break;
    }
  }
  return std::string(Trim(v));
}

}  // namespace

Rfc2136Credentials ParseRfc2136Credentials(std::string_view text,
                                           const std::string& source) {
  const std::string where = StripControl(source);
  std::map<std::string, Value> values;
  int line_no = 0;
  for (const std::string& raw : Split(text, '\n')) {
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      throw UsageError(where + ", line " + std::to_string(line_no) +
                       ": expected \"key = value\"");
    }
    std::string key = ToLower(Trim(line.substr(0, eq)));
    if (!StartsWith(key, kPrefix)) continue;  // another plugin's setting
    if (values.count(key)) {
      throw UsageError(where + ", line " + std::to_string(line_no) +
                       ": duplicate " + StripControl(key));
    }
    values[key] = {UnquoteValue(Trim(line.substr(eq + 1))), line_no};
  }

  auto get = [&](const std::string& name) -> std::optional<Value> {
    auto it = values.find(std::string(kPrefix) + name);
    if (it == values.end() || it->second.text.empty()) return std::nullopt;
    return it->second;
  };
  auto required = [&](const std::string& name) {
    std::optional<Value> v = get(name);
    if (!v) {
      throw UsageError(where + ": missing " + std::string(kPrefix) + name +
                       " (certbot's dns-rfc2136 credentials format)");
    }
    return *v;
  };
  auto bad = [&](const std::string& name, const Value& v,
                 const std::string& why) {
    return UsageError(where + ", line " + std::to_string(v.line) + ": " +
                      std::string(kPrefix) + name + " " + why);
  };

  Rfc2136Credentials out;
  std::uint16_t port = 53;
  if (std::optional<Value> v = get("port")) {
    int p = 0;
    for (char c : v->text) {
      if (c < '0' || c > '9' || p > 65535)
        throw bad("port", *v, "is not a port number");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) throw bad("port", *v, "is not a port number");
    port = static_cast<std::uint16_t>(p);
  }
  Value server = required("server");
  try {
    out.server = ParseDnsServerAddress(server.text, port);
  } catch (const UsageError& e) {
    throw bad("server", server, std::string("is not usable: ") + e.what());
  }

  Value name = required("name");
  if (!IsKeyName(name.text))
    throw bad("name", name, "is not a DNS name (the TSIG key's name)");
  out.key.name = name.text;

  Value secret = required("secret");
  std::string compact;
  for (char c : secret.text)
    if (c != ' ' && c != '\t') compact += c;
  if (!IsBase64(compact))
    throw bad("secret", secret, "is not base64 (the TSIG key's secret)");
  out.key.secret = compact;

  if (std::optional<Value> v = get("algorithm")) {
    try {
      out.key.algorithm = ParseTsigAlgorithm(v->text);
    } catch (const UsageError& e) {
      throw bad("algorithm", *v, std::string("is not usable: ") + e.what());
    }
  }
  if (std::optional<Value> v = get("sign_query")) {
    std::string b = ToLower(v->text);
    if (b == "true" || b == "yes" || b == "on" || b == "1") {
      out.sign_query = true;
    } else if (b == "false" || b == "no" || b == "off" || b == "0") {
      out.sign_query = false;
    } else {
      throw bad("sign_query", *v, "is not true or false");
    }
  }
  return out;
}

Rfc2136Credentials LoadRfc2136Credentials(sys::Filesystem& fs,
                                          const std::string& path) {
  const std::string shown = StripControl(path);
  sys::FileInfo info = fs.Stat(path);
  if (info.type != sys::FileType::kRegular)
    throw UsageError("RFC 2136 credentials " + shown +
                     " is not a regular file");
  if ((info.mode & 077) != 0) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(info.mode & 07777));
    throw UsageError("RFC 2136 credentials " + shown +
                     " are accessible to other users (mode " + mode +
                     "); it holds a TSIG secret: run chmod 600 " + shown);
  }
  return ParseRfc2136Credentials(fs.ReadFile(path), path);
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

Rfc2136Solver::Rfc2136Solver(DnsClient& client, Clock& clock,
                             Rfc2136Options options)
    : client_(client), clock_(clock), options_(std::move(options)) {}

void Rfc2136Solver::Present(const issuance::ChallengeTask& task) {
  Added added;
  added.challenge_url = task.challenge.url;
  added.record = {Dns01RecordName(task.identifier),
                  Dns01TxtValue(task.key_authorization)};
  if (options_.follow_cname) {
    added.record.name = FollowCnameChain(
        options_.cname_resolver ? *options_.cname_resolver : client_,
        added.record.name);
  }
  std::string zone = client_.FindZone(added.record.name);
  added.zone = zone;
  {
    // Recorded before the update is sent: if the answer is lost, CleanUp
    // still deletes the value (a no-op when it never arrived).
    std::lock_guard<std::mutex> lock(mu_);
    added_.push_back(added);
  }
  log::Info("RFC 2136: adding TXT record " + StripControl(added.record.name) +
            " in zone " + StripControl(zone) + " at " + client_.Describe());
  client_.AddTxt(zone, added.record.name, added.record.value, options_.ttl);
}

void Rfc2136Solver::Wait() {
  std::vector<TxtRecord> records;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Added& a : added_) records.push_back(a.record);
  }
  if (records.empty()) return;
  DnsPropagationOptions wait;
  wait.resolver = &client_;
  wait.poll = options_.poll;
  wait.fixed_wait = options_.extra_wait;
  WaitForPropagation(clock_, wait, records);
}

void Rfc2136Solver::CleanUp(const issuance::ChallengeTask& task) noexcept {
  std::optional<Added> added;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(added_.begin(), added_.end(), [&](const Added& a) {
      return a.challenge_url == task.challenge.url;
    });
    if (it == added_.end()) return;  // Present failed before any update
    added = *it;
    added_.erase(it);
  }
  try {
    client_.DeleteTxt(added->zone, added->record.name, added->record.value);
    log::Info("RFC 2136: removed TXT record " +
              StripControl(added->record.name));
  } catch (const std::exception& e) {
    log::Warning("RFC 2136: could not remove TXT record " +
                 StripControl(added->record.name) + " \"" +
                 added->record.value + "\": " + StripControl(e.what()) +
                 " (remove it by hand)");
  }
}

}  // namespace certpilot::solvers
