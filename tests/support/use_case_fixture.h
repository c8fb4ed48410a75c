// UseCaseTest: the set-up every use-case test (tests/unit/app) shares — a
// real temp dir, the fake CA (which checks every JWS, nonce and url), a fake
// clock, the POSIX filesystem, a scripted person at the terminal, captured
// stdout, and the Services that hand them to a use case. `Runner` runs hooks
// and nginx: the real one unless a test scripts it. common_ holds the flags
// of a registered, non-interactive run against the fake CA, with the config
// and work dirs in the temp dir. TearDown fails the test if the fake CA saw
// a protocol violation.
// Use from the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app/types/options.h"
#include "app/usecases/certonly.h"
#include "app/wiring/services.h"
#include "support/app_fakes.h"
#include "support/fake_acme_server.h"
#include "support/fake_clock.h"
#include "support/free_port.h"
#include "support/temp_dir.h"
#include "sys/filesystem.h"
#include "sys/process_runner.h"

namespace certpilot::testing {

template <typename Runner = sys::PosixProcessRunner>
class UseCaseTest : public ::testing::Test {
 protected:
  UseCaseTest() {
    common_.config_dir = dir_ / "config";
    common_.work_dir = dir_ / "work";
    common_.server = ca_.directory_url();
    common_.email = "admin@example.com";
    common_.agree_tos = true;
    common_.non_interactive = true;
  }
  void TearDown() override {
    EXPECT_TRUE(ca_.violations().empty())
        << ::testing::PrintToString(ca_.violations());
  }

  // certonly --standalone for `domains` with common_. The responder gets a
  // free port; the fake CA never connects to it.
  app::CertonlyOptions StandaloneCertonly(
      std::vector<std::string> domains) const {
    app::CertonlyOptions o;
    o.common = common_;
    o.domains = std::move(domains);
    o.http01_address = "127.0.0.1";
    o.http01_port = FreeLoopbackPort();
    return o;
  }

  TempDir dir_;
  FakeAcmeServer ca_;
  FakeClock clock_;
  sys::PosixFilesystem fs_;
  Runner runner_;
  ScriptedPrompter prompter_;
  std::ostringstream out_;
  app::Services services_{fs_,
                          clock_,
                          prompter_,
                          [this](const app::CommonOptions&) {
                            return std::make_unique<BorrowedHttpClient>(ca_);
                          },
                          out_,
                          runner_,
                          [] { return 0.5; },
                          false};
  app::CommonOptions common_;
};

}  // namespace certpilot::testing
