#include <gtest/gtest.h>
#include <sys/stat.h>

#include "app/usecases/fleet.h"
#include "crypto/digest.h"
#include "crypto/sealed_box.h"
#include "support/use_case_fixture.h"

namespace certpilot::testing {
namespace {

class FleetKeygenTest : public UseCaseTest<> {
 protected:
  app::FleetKeygenOptions Options(const std::string& path) const {
    app::FleetKeygenOptions o;
    o.common = common_;
    o.secret_file = path;
    return o;
  }
};

TEST_F(FleetKeygenTest, Writes32RandomBytesMode0600AndPrintsTheKeyId) {
  const std::string path = dir_ / "fleet.key";
  EXPECT_EQ(app::FleetKeygen(Options(path), services_), 0);
  std::string key = ReadFileOrEmpty(path);
  ASSERT_EQ(key.size(), 32u);
  EXPECT_EQ(ModeOf(path) & 07777, 0600);
  EXPECT_NE(out_.str().find(crypto::HexLower(crypto::SealKeyId(key))),
            std::string::npos)
      << out_.str();
  // Another key is another 32 random bytes.
  const std::string other = dir_ / "other.key";
  app::FleetKeygen(Options(other), services_);
  EXPECT_NE(ReadFileOrEmpty(other), key);
}

TEST_F(FleetKeygenTest, NeverOverwritesAKey) {
  const std::string path = dir_.Write("fleet.key", "the old key", 0600);
  EXPECT_THROW(app::FleetKeygen(Options(path), services_), UsageError);
  EXPECT_EQ(ReadFileOrEmpty(path), "the old key");
  // Nor through a dangling symlink.
  const std::string link = dir_ / "link.key";
  ASSERT_EQ(::symlink((dir_ / "nowhere").c_str(), link.c_str()), 0);
  EXPECT_THROW(app::FleetKeygen(Options(link), services_), UsageError);
  EXPECT_EQ(ModeOf(dir_ / "nowhere"), static_cast<mode_t>(-1));
}

TEST_F(FleetKeygenTest, BadPathsAreUsageErrors) {
  EXPECT_THROW(app::FleetKeygen(Options(""), services_), UsageError);
  EXPECT_THROW(app::FleetKeygen(Options(dir_ / "missing/fleet.key"), services_),
               UsageError);
  EXPECT_THROW(app::FleetKeygen(Options(dir_.path() + "/"), services_),
               UsageError);
  EXPECT_EQ(out_.str(), "");
}

}  // namespace
}  // namespace certpilot::testing
