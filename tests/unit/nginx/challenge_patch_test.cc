// The authenticator's edits (nginx/patch/challenge_patch.h): golden files for
// the responses in place, byte-identical files once they are removed, the
// socket to self-check through, refused values, and StripChallengeLines.
#include "nginx/patch/challenge_patch.h"

#include <gtest/gtest.h>

#include "nginx/config/parser.h"
#include "unit/nginx/golden.h"
#include "util/error.h"

namespace certpilot::nginx {
namespace {

using testing::ExpectGolden;
using testing::kRoot;
using testing::LoadInput;
using testing::MemFilesystem;

constexpr char kOwn[] = "/var/lib/certpilot/nginx/challenge-servers.conf";
const ChallengeResponse kApp{"app.example.com", "tok_EN-1",
                             "tok_EN-1.thumb-print_X"};
const ChallengeResponse kWww{"www.app.example.com", "tok_EN-2",
                             "tok_EN-2.thumb-print_X"};

// Everything the patch reports, with every file it touched.
std::vector<sys::FileState> Present(ChallengePatch& patch) {
  return patch.Files();
}

// After removing every response, each touched file must read exactly as
// it was read, and the own file must be gone.
void ExpectRestored(ConfigGraph& graph, ChallengePatch& patch) {
  for (const sys::FileState& f : patch.Files()) {
    if (f.path == kOwn) {
      EXPECT_FALSE(f.text.has_value()) << *f.text;
      continue;
    }
    ASSERT_TRUE(f.text.has_value()) << f.path;
    Config* c = graph.FindFile(f.path);
    ASSERT_NE(c, nullptr) << f.path;
    EXPECT_EQ(*f.text, c->original_text()) << f.path;
  }
  EXPECT_TRUE(graph.ModifiedFiles().empty());
}

TEST(NginxChallengePatchTest, ResponsesGoIntoTheMatchingBlockAndComeOutAgain) {
  MemFilesystem fs;
  LoadInput("challenge/seed", &fs);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  ChallengePatch patch(graph, 80, kOwn);
  ChallengeSite app = patch.Add(kApp);
  ChallengeSite www = patch.Add(kWww);
  EXPECT_EQ(app.address, "127.0.0.1");  // listen 80 = *:80
  EXPECT_EQ(app.port, 80);
  EXPECT_EQ(app.blocks, std::vector<std::string>{"sites-enabled/app.conf:6"});
  EXPECT_EQ(www.blocks, app.blocks);
  ExpectGolden("challenge/seed", Present(patch));
  // Out of order, as parallel orders may finish.
  patch.Remove(kApp.token);
  patch.Remove(kWww.token);
  EXPECT_TRUE(patch.empty());
  ExpectRestored(graph, patch);
}

TEST(NginxChallengePatchTest, ServerLevelRedirectIsBypassedWithRewriteBreak) {
  MemFilesystem fs;
  LoadInput("challenge/redirect_block", &fs);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  ChallengePatch patch(graph, 80, kOwn);
  ChallengeSite site = patch.Add(kApp);
  EXPECT_EQ(site.blocks,
            std::vector<std::string>{"nginx.conf:10"});  // not the TLS block
  ExpectGolden("challenge/redirect_block", Present(patch));
  patch.Remove(kApp.token);
  ExpectRestored(graph, patch);
}

TEST(NginxChallengePatchTest, FallbackOnlySocketsGetATemporaryServer) {
  // new.example.com has no block: nginx would answer it from the default
  // server on *:80 and from the first block on 127.0.0.1:80. A temporary
  // server on both sockets outranks those fallbacks by its exact name.
  MemFilesystem fs;
  LoadInput("challenge/fallback_only", &fs);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  ChallengePatch patch(graph, 80, kOwn);
  ChallengeResponse r{"new.example.com", "tok3", "tok3.tp"};
  ChallengeSite site = patch.Add(r);
  EXPECT_EQ(site.address, "127.0.0.1");
  EXPECT_EQ(site.blocks, std::vector<std::string>{std::string(kOwn) +
                                                  " (temporary server block)"});
  ChallengeResponse r2{"new.example.com", "tok4",
                       "tok4.tp"};  // same name: same server
  patch.Add(r2);
  ExpectGolden("challenge/fallback_only", Present(patch));
  patch.Remove("tok3");
  patch.Remove("tok4");
  ExpectRestored(graph, patch);
}

TEST(NginxChallengePatchTest, NothingOnThePortGetsATemporaryServerOnIt) {
  MemFilesystem fs;
  LoadInput("challenge/nothing_on_port", &fs);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  ChallengePatch patch(graph, 8080, kOwn);
  ChallengeSite site = patch.Add(kApp);
  EXPECT_EQ(site.port, 8080);
  ExpectGolden("challenge/nothing_on_port", Present(patch));
  patch.Remove(kApp.token);
  ExpectRestored(graph, patch);
}

TEST(NginxChallengePatchTest, SelfCheckGoesToTheSocketNginxListensOn) {
  auto address_for = [](const std::string& listens) {
    MemFilesystem fs;
    fs.AddFile("/srv/nginx/nginx.conf",
               "http { server { " + listens + " server_name a.example; } }\n");
    ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
    ChallengePatch patch(graph, 80, kOwn);
    return patch.Add({"a.example", "t1", "t1.x"}).address;
  };
  EXPECT_EQ(address_for("listen 127.0.0.2:80;"), "127.0.0.2");
  EXPECT_EQ(address_for("listen [::]:80;"), "::1");
  EXPECT_EQ(address_for("listen [::]:80; listen 80;"), "127.0.0.1");
  EXPECT_EQ(address_for("listen 192.0.2.7:80; listen 127.0.0.1:80;"),
            "127.0.0.1");
  EXPECT_EQ(address_for(""), "127.0.0.1");  // nginx's implicit *:80
}

TEST(NginxChallengePatchTest, InjectionAttemptsAreRefusedAndChangeNothing) {
  const std::vector<ChallengeResponse> bad = {
      {"app.example.com", "tok;return 200 x", "tok.x"},
      {"app.example.com", "tok", "tok.x\"; return 200 \"pwned"},
      {"app.example.com", "tok", "tok.x}"},
      {"app.example.com", "tok", "tok.$host"},
      {"app.example.com", "to/../k", "to.k"},
      {"app.example.com", "tok\n", "tok.x"},
      {"app.example.com;", "tok", "tok.x"},
      {"app.example.com server_name evil", "tok", "tok.x"},
      {"app.example.com", "", "tok.x"},
      {"app.example.com", "tok", ""},
  };
  for (const ChallengeResponse& r : bad) {
    MemFilesystem fs;
    LoadInput("challenge/seed", &fs);
    ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
    ChallengePatch patch(graph, 80, kOwn);
    EXPECT_THROW(patch.Add(r), UsageError)
        << r.name << " " << r.token << " " << r.key_authorization;
    EXPECT_TRUE(graph.ModifiedFiles().empty());
    EXPECT_TRUE(patch.empty());
  }
}

TEST(NginxChallengePatchTest, TheSameTokenTwiceIsAnError) {
  MemFilesystem fs;
  LoadInput("challenge/seed", &fs);
  ConfigGraph graph = ConfigGraph::Load(fs, kRoot);
  ChallengePatch patch(graph, 80, kOwn);
  patch.Add(kApp);
  EXPECT_THROW(patch.Add(kApp), Error);
}

TEST(NginxChallengePatchTest, StripRemovesOnlyCertpilotsChallengeLines) {
  // What a crashed run left, in a file someone edited since (the comment).
  const std::string left =
      "http {\n"
      "    server {\n"
      "        rewrite ^(/\\.well-known/acme-challenge/t1)$ $1 break; # "
      "managed by certpilot\n"
      "        listen 80;\n"
      "        # added by the admin after the crash\n"
      "        location = /.well-known/acme-challenge/mine { return 200 "
      "\"kept\"; }\n"
      "        location = /.well-known/acme-challenge/t1 {\n"
      "            default_type text/plain;\n"
      "            return 200 \"t1.x\";\n"
      "        } # managed by certpilot\n"
      "    }\n"
      "    include /var/lib/certpilot/nginx/challenge-servers.conf; # managed "
      "by certpilot\n"
      "    include other.conf; # managed by certpilot\n"
      "}\n";
  Config c = ParseConfig(left, "t.conf");
  EXPECT_EQ(StripChallengeLines(c, kOwn), 3);
  EXPECT_EQ(c.Dump(),
            "http {\n"
            "    server {\n"
            "        listen 80;\n"
            "        # added by the admin after the crash\n"
            "        location = /.well-known/acme-challenge/mine { return 200 "
            "\"kept\"; }\n"
            "    }\n"
            "    include other.conf; # managed by certpilot\n"
            "}\n");
}

}  // namespace
}  // namespace certpilot::nginx
