#include "nginx/patch/enhance_patch.h"

#include <algorithm>

#include "nginx/config/server_query.h"
#include "nginx/config/value_validation.h"
#include "nginx/patch/install_patch.h"
#include "nginx/patch/managed.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::nginx {
namespace {

struct Header {
  const char* name;   // the header, as written
  const char* value;  // quoted, as written
  const char* flag;   // the option asking for it
  // A value that shows the header already does the job ("" = any value).
  const char* already;
};

constexpr Header kHsts{"Strict-Transport-Security", "\"max-age=31536000\"",
                       "--hsts", ""};
constexpr Header kUir{"Content-Security-Policy",
                      "\"upgrade-insecure-requests\"", "--uir",
                      "upgrade-insecure-requests"};

Directive Managed(Directive d) {
  d.WithComment(kManagedComment);
  return d;
}

bool SendsHeader(const std::vector<Located>& children, const Header& h) {
  return std::any_of(children.begin(), children.end(), [&](const Located& c) {
    const std::vector<std::string> a = c.directive->ArgValues();
    return c.directive->name() == "add_header" && a.size() >= 2 &&
           ToLower(a[0]) == ToLower(h.name) &&
           ToLower(a[1]).find(h.already) != std::string::npos;
  });
}

const Located* FindChild(const std::vector<Located>& children,
                         const std::string& name) {
  for (const Located& c : children)
    if (c.directive->name() == name) return &c;
  return nullptr;
}

// The blocks for `name`: see the header.
std::vector<const ServerBlock*> TlsBlocks(
    const std::vector<ServerBlock>& servers, const std::string& name,
    int https_port) {
  std::vector<const ServerBlock*> out;
  for (const ServerBlock* b : BlocksNamedOnPort(servers, name, https_port))
    if (b->TlsOn(https_port)) out.push_back(b);
  if (!out.empty()) return out;
  for (const RankedBlock& r : RankBlocksByName(servers, name))
    if (r.tls) return {r.server};
  return {};
}

}  // namespace

EnhanceResult PatchForEnhance(ConfigGraph& graph, const EnhanceRequest& req) {
  if (!WantsEnhancement(req))
    throw UsageError("no enhancement asked for (--hsts, --uir, --staple-ocsp)");
  for (const std::string& name : req.names) ValidateConfigValue(name);
  if (req.staple_ocsp) ValidateConfigValue(req.chain_path);

  const std::vector<ServerBlock> servers = FindAllServerBlocks(graph);
  std::vector<const ServerBlock*> blocks;
  std::vector<std::string> unmatched;
  for (const std::string& name : req.names) {
    const std::vector<const ServerBlock*> found =
        TlsBlocks(servers, name, req.https_port);
    if (found.empty()) unmatched.push_back(name);
    for (const ServerBlock* b : found)
      if (std::find(blocks.begin(), blocks.end(), b) == blocks.end())
        blocks.push_back(b);
  }
  if (!unmatched.empty()) {
    throw NoServerBlockError(
        "no server block in " + graph.main().path() +
            " (or the files it includes) serves " + Join(unmatched, ", ") +
            " over TLS; install the certificate first (certpilot install "
            "--nginx --cert-name NAME)",
        unmatched);
  }

  EnhanceResult result;
  for (const ServerBlock* b : blocks) {
    const std::string where = DescribeBlock(graph, *b);
    const std::vector<Located> children =
        graph.Expand(*b->file, b->directive->block());
    std::vector<std::string> added;
    for (const Header* h : {&kHsts, &kUir}) {
      if ((h == &kHsts && !req.hsts) || (h == &kUir && !req.uir)) continue;
      if (SendsHeader(children, *h)) {
        result.notes.push_back(where + ": already sends " +
                               std::string(h->name) + "; " + h->flag +
                               " left it alone");
        continue;
      }
      b->file->Append(b->directive,
                      Managed(Directive::Simple(
                          "add_header", {Word::FromTrustedRaw(h->name),
                                         Word::FromTrustedRaw(h->value),
                                         Word::FromTrustedRaw("always")})));
      added.push_back(h->name);
    }
    if (req.staple_ocsp) {
      if (const Located* s = FindChild(children, "ssl_stapling")) {
        result.notes.push_back(where + ": already sets ssl_stapling " +
                               Join(s->directive->ArgValues(), " ") +
                               "; --staple-ocsp left it alone");
      } else {
        if (FindChild(children, "ssl_trusted_certificate") == nullptr) {
          b->file->Append(
              b->directive,
              Managed(Directive::Simple("ssl_trusted_certificate",
                                        {Word::FromValue(req.chain_path)})));
        }
        for (const char* d : {"ssl_stapling", "ssl_stapling_verify"}) {
          b->file->Append(b->directive, Managed(Directive::Simple(
                                            d, {Word::FromTrustedRaw("on")})));
        }
        added.push_back("OCSP stapling");
      }
    }
    if (added.empty()) continue;
    result.actions.push_back(where + ": now sends " + Join(added, ", "));
    if (!req.hsts && !req.uir) continue;
    for (const Located& c : children) {
      if (c.directive->name() != "location" || !c.directive->has_block() ||
          c.directive->block().Find("add_header") == nullptr)
        continue;
      result.notes.push_back(
          where + ": location " + Join(c.directive->ArgValues(), " ") +
          " (line " + std::to_string(c.directive->line()) +
          ") has add_header lines of its own, so nginx sends none of the "
          "server block's there; add the header to it if it needs one");
    }
  }
  return result;
}

}  // namespace certpilot::nginx
