#include "solvers/dns_cname.h"

#include <algorithm>
#include <optional>

#include "util/log.h"
#include "util/strings.h"

namespace certpilot::solvers {
namespace {

constexpr int kRcodeRefused = 5;
constexpr int kRcodeNotAuth = 9;

std::string Bare(std::string name) {
  while (!name.empty() && name.back() == '.') name.pop_back();
  return ToLower(name);
}

}  // namespace

std::string FollowCnameChain(DnsClient& resolver, const std::string& name) {
  std::vector<std::string> chain = {Bare(name)};
  for (;;) {
    std::optional<std::string> target;
    try {
      target = resolver.QueryCname(chain.back());
    } catch (const DnsError& e) {
      if (e.rcode() != kRcodeRefused && e.rcode() != kRcodeNotAuth) throw;
      log::Info("CNAME delegation: " + resolver.Describe() +
                " cannot say whether " + StripControl(chain.back()) +
                " is a CNAME (" + RcodeName(*e.rcode()) +
                "); using that name (--dns-resolver names a server that can)");
      break;
    }
    if (!target) break;
    std::string next = Bare(*target);
    const bool loop =
        std::find(chain.begin(), chain.end(), next) != chain.end();
    chain.push_back(next);
    if (loop) {
      throw DnsCnameError("CNAME loop at " + StripControl(chain.front()) +
                              ": " + StripControl(Join(chain, " -> ")),
                          chain);
    }
    if (static_cast<int>(chain.size()) - 1 > kMaxCnameChain) {
      throw DnsCnameError("CNAME chain of " + StripControl(chain.front()) +
                              " is longer than " +
                              std::to_string(kMaxCnameChain) +
                              " hops: " + StripControl(Join(chain, " -> ")),
                          chain);
    }
  }
  if (chain.size() > 1) {
    log::Info("CNAME delegation: " + StripControl(Join(chain, " -> ")) +
              ": the TXT record goes to " + StripControl(chain.back()));
  }
  return chain.back();
}

}  // namespace certpilot::solvers
