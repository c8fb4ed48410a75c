#include "acme/nonce_pool.h"

#include <gtest/gtest.h>

namespace certpilot::acme {
namespace {

TEST(NoncePool, RejectsMalformedAndUsesEachOnce) {
  NoncePool pool;
  EXPECT_FALSE(pool.Add("has space"));
  EXPECT_FALSE(pool.Add("a+b/"));
  EXPECT_FALSE(pool.Add(""));
  EXPECT_FALSE(pool.Add(std::string(600, 'a')));
  EXPECT_TRUE(pool.Add("abc_-123"));
  EXPECT_EQ(pool.Take(), "abc_-123");
  EXPECT_FALSE(pool.Take());
}

TEST(NoncePool, IsBounded) {
  NoncePool pool;
  for (int i = 0; i < 1000; ++i) pool.Add("n" + std::to_string(i));
  EXPECT_LE(pool.size(), 64u);
  EXPECT_EQ(pool.Take(), "n999");  // newest first
}

}  // namespace
}  // namespace certpilot::acme
