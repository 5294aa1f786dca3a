// How weight prefetches are planned (runtime/backends/native/weight_prefetch.h): which GEMMs host,
// how a target's bytes are cut over the hosts before it, nearest first, and that a host serves
// only the next target.
#include "runtime/backends/native/weight_prefetch.h"

#include <vector>

#include "gtest/gtest.h"

namespace scalert::native {
namespace {

TEST(WeightPrefetch, OnlyGemmsWithRowsForSeveralTilesHost) {
  WeightPrefetch p;
  EXPECT_EQ(p.AddHost(1, 1280, 1000, 12, 32), -1);  // a classifier: bound by memory itself
  EXPECT_EQ(p.AddHost(47, 320, 1280, 12, 32), -1);
  EXPECT_EQ(p.AddHost(49, 0, 1280, 12, 32), -1);
  EXPECT_EQ(p.AddHost(49, 320, 1280, 12, 32), 0);
  EXPECT_EQ(p.range(0).data, nullptr);  // nothing assigned yet
  EXPECT_EQ(p.range(-1).data, nullptr);
  EXPECT_EQ(p.range(7).data, nullptr);
}

TEST(WeightPrefetch, PaysOnlyWhereL3CannotHoldTheWeightsFourTimes) {
  constexpr int64_t kMiB = 1 << 20;
  EXPECT_TRUE(WeightPrefetch::Pays(14 * kMiB, 32 * kMiB));    // MobileNetV2 on a 32 MiB L3
  EXPECT_FALSE(WeightPrefetch::Pays(14 * kMiB, 480 * kMiB));  // and on a 480 MiB one
  EXPECT_TRUE(WeightPrefetch::Pays(14 * kMiB, 56 * kMiB - 1));
  EXPECT_FALSE(WeightPrefetch::Pays(14 * kMiB, 56 * kMiB));
  EXPECT_TRUE(WeightPrefetch::Pays(14 * kMiB, 0));  // L3 unknown: as before
}

TEST(WeightPrefetch, NearestHostTakesTheEndAndEarlierHostsTheRest) {
  WeightPrefetch p;
  std::vector<char> weights(1 << 20);
  // 4 x 2 full tiles x 128 k-steps x 64 bytes = 64 KiB each.
  const int a = p.AddHost(48, 128, 64, 12, 32);
  const int b = p.AddHost(48, 128, 64, 12, 32);
  const int c = p.AddHost(48, 128, 64, 12, 32);
  p.AddTarget(weights.data(), 100 * 1024);
  EXPECT_EQ(p.range(c).data, weights.data() + 36 * 1024);
  EXPECT_EQ(p.range(c).bytes, 64 * 1024);
  EXPECT_EQ(p.range(b).data, weights.data());
  EXPECT_EQ(p.range(b).bytes, 36 * 1024);
  EXPECT_EQ(p.range(a).bytes, 0);  // not needed
  // The next target gets only hosts added after this one.
  p.AddTarget(weights.data() + 512 * 1024, 4096);
  EXPECT_EQ(p.range(a).bytes, 0);
  const int d = p.AddHost(48, 128, 64, 12, 32);
  p.AddTarget(weights.data() + 512 * 1024, 200 * 1024);  // more than d can take: the rest is left
  EXPECT_EQ(p.range(d).data, weights.data() + (512 + 136) * 1024);
  EXPECT_EQ(p.range(d).bytes, 64 * 1024);
}

}  // namespace
}  // namespace scalert::native
