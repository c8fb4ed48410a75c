#include "nginx/patch/challenge_proxy.h"

#include <algorithm>
#include <list>

#include "nginx/config/server_query.h"
#include "nginx/config/value_validation.h"
#include "nginx/patch/managed.h"
#include "util/strings.h"

namespace certpilot::nginx {
namespace {

constexpr char kPrefix[] = "/.well-known/acme-challenge/";
// Any base64url token (RFC 8555 §8.3): never a single token, so the
// recovery of the nginx authenticator's temporary lines does not take it
// for one of them (challenge_patch.h, StripChallengeLines).
constexpr char kAnyTokenRewrite[] =
    "^(/\\.well-known/acme-challenge/[-_A-Za-z0-9]+)$";

Directive Rewrite() {
  return std::move(
      Directive::Simple("rewrite",
                        {Word::FromTrustedRaw(kAnyTokenRewrite),
                         Word::FromTrustedRaw("$1"), Word::FromValue("break")})
          .WithComment(kManagedComment));
}

Directive Location(const std::string& upstream) {
  return std::move(
      Directive::WithBlock(
          "location", {Word::FromValue("^~"), Word::FromValue(kPrefix)},
          {Directive::Simple("proxy_pass",
                             {Word::FromValue("http://" + upstream)})})
          .WithComment(kManagedComment));
}

// `location /.well-known/acme-challenge/` or with `^~`: the prefix location
// nginx would call a duplicate of ours.
bool IsChallengeLocation(const Directive& d) {
  if (d.name() != "location" || !d.has_block()) return false;
  const std::vector<std::string> a = d.ArgValues();
  return (a.size() == 1 && a[0] == kPrefix) ||
         (a.size() == 2 && a[0] == "^~" && a[1] == kPrefix);
}

bool IsOurRewrite(const Directive& d) {
  return d.name() == "rewrite" && IsManaged(d) && !d.args().empty() &&
         d.arg(0) == kAnyTokenRewrite;
}

// The blocks for `name`: see the header.
std::vector<const ServerBlock*> BlocksFor(
    const std::vector<ServerBlock>& servers, const std::string& name,
    const ChallengeProxyRequest& req) {
  std::vector<const ServerBlock*> out =
      BlocksNamedOnPort(servers, name, req.http_port);
  if (out.empty()) out = BlocksNamedOnPort(servers, name, req.https_port);
  return out;
}

}  // namespace

ChallengeProxyResult PatchForChallengeProxy(ConfigGraph& graph,
                                            const ChallengeProxyRequest& req) {
  for (const std::string& name : req.names) ValidateConfigValue(name);
  ValidateConfigValue(req.upstream);
  const std::string target = "http://" + req.upstream;

  ChallengeProxyResult result;
  const std::vector<ServerBlock> servers = FindAllServerBlocks(graph);
  std::vector<const ServerBlock*> blocks;
  for (const std::string& name : req.names) {
    const std::vector<const ServerBlock*> found = BlocksFor(servers, name, req);
    if (found.empty())
      result.notes.push_back(
          "no server block serves " + name + " by name on port " +
          std::to_string(req.http_port) + " or " +
          std::to_string(req.https_port) +
          ": nginx does not send its challenges to the agent");
    for (const ServerBlock* b : found)
      if (std::find(blocks.begin(), blocks.end(), b) == blocks.end())
        blocks.push_back(b);
  }

  for (const ServerBlock* b : blocks) {
    const std::string where = DescribeBlock(graph, *b);
    Directive* location = nullptr;
    Directive* rewrite = nullptr;
    Config* location_file = nullptr;
    for (const Located& c : graph.Expand(*b->file, b->directive->block())) {
      if (IsChallengeLocation(*c.directive)) {
        location = c.directive;
        location_file = c.file;
      }
      if (IsOurRewrite(*c.directive)) rewrite = c.directive;
    }
    if (location && !IsManaged(*location)) {
      const Directive* pass = location->block().Find("proxy_pass");
      if (pass && pass->ArgValues() == std::vector<std::string>{target}) {
        result.notes.push_back(where + ": its own location " +
                               Join(location->ArgValues(), " ") +
                               " already sends challenges to " + target);
        continue;
      }
      result.notes.push_back(
          where + ": has its own location " + Join(location->ArgValues(), " ") +
          " (line " + std::to_string(location->line()) +
          "); left alone, so challenges there do not reach the agent");
      continue;
    }
    bool changed = false;
    if (!rewrite) {
      std::list<Directive>& children = b->directive->block().children();
      if (children.empty())
        b->file->Append(b->directive, Rewrite());
      else
        b->file->InsertBefore(children.front(), Rewrite());
      changed = true;
    }
    if (!location) {
      b->file->Append(b->directive, Location(req.upstream));
      changed = true;
    } else if (Directive* pass = location->block().Find("proxy_pass");
               pass == nullptr ||
               pass->ArgValues() != std::vector<std::string>{target}) {
      // Ours, pointing elsewhere (the agent moved): replace it whole.
      location_file->InsertBefore(*location, Location(req.upstream));
      location_file->Remove(*location);
      changed = true;
    }
    if (!changed) {
      result.notes.push_back(where + ": already sends challenges to " + target);
      continue;
    }
    result.actions.push_back(where +
                             ": sends /.well-known/acme-challenge/ to " +
                             target + " (the fleet's agent)");
  }
  return result;
}

}  // namespace certpilot::nginx
