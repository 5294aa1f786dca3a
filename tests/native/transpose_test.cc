// The native transpose against the reference over ranks 1-4, every permutation of rank 3 and 4,
// odd sizes, and row ranges split as the backend splits them.
#include "kernels/transpose.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/reference/elementwise.h"
#include "tests/testing/test_models.h"

namespace scalert::kernels {
namespace {

void Check(const std::vector<int32_t>& shape, const std::vector<int32_t>& perm) {
  SCOPED_TRACE(::testing::Message() << "shape rank " << shape.size() << " perm " << ::testing::PrintToString(perm)
                                    << " shape " << ::testing::PrintToString(shape));
  size_t total = 1;
  for (int32_t d : shape) total *= static_cast<size_t>(d);
  const std::vector<float> x = scalert::testing::RandomVector(total, 21);
  std::vector<float> want(total), got(total + 1, 7.f);
  ref::Transpose(shape, perm, x.data(), want.data());
  const TransposePlan plan = MakeTransposePlan(shape, perm);
  // Two row ranges, as two tasks would compute them.
  const int64_t mid = plan.rows() / 2;
  TransposeF32(plan, x.data(), got.data(), 0, mid);
  TransposeF32(plan, x.data(), got.data(), mid, plan.rows());
  for (size_t i = 0; i < total; ++i) ASSERT_EQ(got[i], want[i]) << "element " << i;
  ASSERT_EQ(got[total], 7.f);
}

TEST(NativeTranspose, MatchesReferenceForEveryPermutation) {
  Check({5}, {0});
  Check({3, 7}, {1, 0});
  Check({3, 7}, {0, 1});
  for (const std::vector<int32_t>& shape : {std::vector<int32_t>{2, 3, 5}, std::vector<int32_t>{4, 1, 9}}) {
    std::vector<int32_t> perm = {0, 1, 2};
    do Check(shape, perm);
    while (std::next_permutation(perm.begin(), perm.end()));
  }
  for (const std::vector<int32_t>& shape :
       {std::vector<int32_t>{2, 3, 5, 7}, std::vector<int32_t>{1, 3, 13, 11}, std::vector<int32_t>{1, 6, 1, 5}}) {
    std::vector<int32_t> perm = {0, 1, 2, 3};
    do Check(shape, perm);
    while (std::next_permutation(perm.begin(), perm.end()));
  }
}

}  // namespace
}  // namespace scalert::kernels
