//===- LayoutIndexingTest.cpp - What the LLVM lowering computes ----------===//
//
// The lowering to LLVM emits, for each layout, XOR/AND/shift arithmetic on
// the lane and warp ids plus a table of per-register constants (IndexPlan),
// register renamings, owner predicates, mma fragment tables and ldmatrix
// row addresses. Each is checked here, for every (register, lane, warp),
// against LinearLayout::apply on the layouts the backend uses.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Conversion/TileGPUToLLVM/LayoutIndexing.h"
#include "flashtile/Layout/Layouts.h"

#include "gtest/gtest.h"

#include <map>
#include <set>

using namespace flashtile;
using namespace flashtile::lowering;
using namespace flashtile::layout;
using llvm::SmallVector;
using LL = LinearLayout;

namespace {

template <typename T> T unwrap(llvm::Expected<T> value) {
  if (!value) {
    ADD_FAILURE() << llvm::toString(value.takeError());
    return T();
  }
  return std::move(*value);
}

/// apply() of a distributed layout at (register, lane, warp).
SmallVector<int32_t> at(const LL &l, int32_t r, int32_t lane, int32_t warp) {
  SmallVector<int32_t> out;
  for (auto &[name, value] :
       l.apply({{kRegister, r}, {kLane, lane}, {kWarp, warp}}))
    out.push_back(value);
  return out;
}

/// Calls fn(register, lane, warp) on every input of a distributed layout.
template <typename Fn> void forEachThreadRegister(const LL &l, Fn fn) {
  for (int32_t w = 0; w < l.getInDimSize(kWarp); ++w)
    for (int32_t lane = 0; lane < l.getInDimSize(kLane); ++lane)
      for (int32_t r = 0; r < l.getInDimSize(kRegister); ++r)
        fn(r, lane, w);
}

/// The layouts the backend lays tensors out with.
std::vector<std::pair<std::string, LL>> backendLayouts() {
  std::vector<std::pair<std::string, LL>> layouts;
  auto add = [&](std::string name, llvm::Expected<LL> l) {
    layouts.emplace_back(std::move(name), unwrap(std::move(l)));
  };
  add("blocked 1-D", blocked({1024}, {4}, {32}, {4}, {0}));
  add("blocked 1-D duplicated", blocked({16}, {1}, {32}, {2}, {0}));
  add("blocked 2-D", blocked({64, 64}, {1, 8}, {4, 8}, {4, 1}, {1, 0}));
  add("blocked 2-D column-major",
      blocked({64, 32}, {4, 1}, {8, 4}, {2, 2}, {0, 1}));
  add("blocked 2-D wraps", blocked({128, 16}, {1, 4}, {8, 4}, {4, 1}, {1, 0}));
  add("blocked 3-D",
      blocked({4, 8, 16}, {1, 1, 4}, {1, 8, 4}, {2, 2, 1}, {2, 1, 0}));
  MmaParams p;
  p.warpsPerCTA = {4, 1};
  add("mma", mma({64, 64}, p));
  add("dot A", dotOperand(0, {64, 32}, p, 2));
  add("dot B", dotOperand(1, {32, 64}, p, 2));
  MmaParams q;
  q.warpsPerCTA = {2, 2};
  q.instrK = 8;
  add("mma 2x2 k8", mma({32, 64}, q));
  add("dot A tf32", dotOperand(0, {32, 16}, q, 1));
  add("dot B tf32", dotOperand(1, {16, 64}, q, 1));
  add("mma smaller than the warps", mma({16, 8}, q));
  LL parent = unwrap(blocked({64, 64}, {1, 4}, {4, 8}, {2, 2}, {1, 0}));
  add("slice 0", slice(0, parent));
  add("slice 1", slice(1, parent));
  LL mmaParent = unwrap(mma({64, 64}, p));
  add("slice of mma", slice(1, mmaParent));
  return layouts;
}

//===----------------------------------------------------------------------===//
// Index plans
//===----------------------------------------------------------------------===//

void expectPlanMatches(const std::string &name, const LL &l) {
  IndexPlan plan = unwrap(planDistributedIndex(l));
  forEachThreadRegister(l, [&](int32_t r, int32_t lane, int32_t w) {
    ASSERT_EQ(evaluatePlan(plan, r, {lane, w}), at(l, r, lane, w))
        << name << " at register " << r << ", lane " << lane << ", warp " << w
        << "\n"
        << l.toString();
  });
}

TEST(IndexPlanTest, MatchesApplyOnBackendLayouts) {
  for (auto &[name, l] : backendLayouts())
    expectPlanMatches(name, l);
}

TEST(IndexPlanTest, MatchesApplyOnSharedMemoryOffsets) {
  // (register, lane, warp) -> element offset in a swizzled buffer, the map
  // of local_load/local_store.
  MmaParams p;
  p.warpsPerCTA = {4, 1};
  LL shared = unwrap(swizzled({64, 64}, {8, 1, 8}, {1, 0}));
  for (auto &[name, l] : std::vector<std::pair<std::string, LL>>{
           {"dot A", unwrap(dotOperand(0, {64, 64}, p, 2))},
           {"dot B", unwrap(dotOperand(1, {64, 64}, p, 2))},
           {"blocked",
            unwrap(blocked({64, 64}, {1, 8}, {4, 8}, {4, 1}, {1, 0}))}}) {
    std::optional<LL> t = l.invertAndCompose(shared);
    ASSERT_TRUE(t) << name;
    expectPlanMatches(name + " -> shared", *t);
  }
}

TEST(IndexPlanTest, MatchesApplyOnFlattenedAndConversionMaps) {
  std::vector<std::pair<std::string, LL>> layouts = backendLayouts();
  for (auto &[name, l] : layouts)
    expectPlanMatches(name + " flattened", l.flattenOuts("index"));
  // The maps of layout conversions: destination inputs -> source inputs.
  MmaParams p;
  p.warpsPerCTA = {2, 2};
  LL src = unwrap(mma({32, 32}, p));
  LL dst = unwrap(blocked({32, 32}, {1, 4}, {4, 8}, {2, 2}, {1, 0}));
  Conversion c = unwrap(computeConversion(src, dst));
  expectPlanMatches("conversion map", c.map);
}

TEST(IndexPlanTest, GroupsBitsByShift) {
  // lane -> 4 * lane: one term, (lane & 31) << 2.
  LL l = unwrap(blocked({512}, {4}, {32}, {4}, {0}));
  IndexPlan plan = unwrap(planDistributedIndex(l));
  ASSERT_EQ(plan.terms.size(), 1u);
  EXPECT_EQ(plan.terms[0][0], (SmallVector<IndexTerm, 2>{{31, 2}}));
  EXPECT_EQ(plan.terms[0][1], (SmallVector<IndexTerm, 2>{{3, 7}}));
  EXPECT_EQ(plan.constant[3], (SmallVector<int32_t, 4>{3}));
}

//===----------------------------------------------------------------------===//
// Register permutations
//===----------------------------------------------------------------------===//

TEST(RegisterPermutationTest, BroadcastReusesRegisters) {
  LL src = unwrap(blocked({64, 1}, {1, 1}, {32, 1}, {1, 1}, {1, 0}));
  LL dst = unwrap(blocked({64, 4}, {1, 4}, {32, 1}, {1, 1}, {1, 0}));
  LL dstInSrc = projectOutDims(dst, {1});
  SmallVector<int32_t> perm = unwrap(getRegisterPermutation(src, dstInSrc));
  EXPECT_EQ(perm, (SmallVector<int32_t>{0, 0, 0, 0, 1, 1, 1, 1}));
  forEachThreadRegister(dst, [&](int32_t r, int32_t lane, int32_t w) {
    SmallVector<int32_t> d = at(dst, r, lane, w);
    EXPECT_EQ(at(src, perm[r], lane, w), (SmallVector<int32_t>{d[0], 0}));
  });
}

TEST(RegisterPermutationTest, ExpandDimsReshapeTrans) {
  LL parent = unwrap(blocked({8, 8}, {1, 2}, {8, 4}, {1, 1}, {1, 0}));
  LL row = unwrap(slice(0, parent));
  // expand_dims(row, 0) in parent's layout: identity.
  SmallVector<int32_t> perm = unwrap(getRegisterPermutation(
      row, dropUnitOutDim(
               unwrap(blocked({1, 8}, {1, 2}, {8, 4}, {1, 1}, {1, 0})), 0)));
  EXPECT_EQ(perm, (SmallVector<int32_t>{0, 1}));
  // reshape 64 -> 8x8 with the same order of elements per thread.
  LL flat = unwrap(blocked({64}, {2}, {32}, {1}, {0}));
  perm = unwrap(
      getRegisterPermutation(flat, parent.reshapeOuts(flat.getOutDims())));
  EXPECT_EQ(perm, (SmallVector<int32_t>{0, 1}));
  // trans of a 2-D block into the layout with permuted parameters.
  LL t = unwrap(blocked({8, 8}, {2, 1}, {4, 8}, {1, 1}, {0, 1}));
  LL back = untranspose(t, {1, 0});
  perm = unwrap(getRegisterPermutation(parent, back));
  forEachThreadRegister(t, [&](int32_t r, int32_t lane, int32_t w) {
    SmallVector<int32_t> d = at(t, r, lane, w);
    EXPECT_EQ(at(parent, perm[r], lane, w), (SmallVector<int32_t>{d[1], d[0]}));
  });
}

TEST(RegisterPermutationTest, PermutesRegisterOrder) {
  LL src = unwrap(blocked({64, 2}, {2, 2}, {32, 1}, {1, 1}, {1, 0}));
  LL dst = unwrap(blocked({64, 2}, {2, 2}, {32, 1}, {1, 1}, {0, 1}));
  SmallVector<int32_t> perm = unwrap(getRegisterPermutation(src, dst));
  EXPECT_EQ(perm, (SmallVector<int32_t>{0, 2, 1, 3}));
}

TEST(RegisterPermutationTest, RejectsMovesBetweenThreads) {
  LL rows = unwrap(blocked({32, 32}, {1, 1}, {32, 1}, {1, 1}, {1, 0}));
  LL cols = unwrap(blocked({32, 32}, {1, 1}, {1, 32}, {1, 1}, {1, 0}));
  auto perm = getRegisterPermutation(rows, cols);
  ASSERT_FALSE(perm);
  EXPECT_NE(llvm::toString(perm.takeError()).find("move between threads"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// Owners of duplicated elements
//===----------------------------------------------------------------------===//

TEST(DuplicateMasksTest, OwnersHoldEveryElementOnce) {
  for (auto &entry : backendLayouts()) {
    const std::string &name = entry.first;
    const LL &l = entry.second;
    DuplicateMasks masks = getDuplicateMasks(l);
    std::map<SmallVector<int32_t>, int> owners;
    std::set<SmallVector<int32_t>> image;
    forEachThreadRegister(l, [&](int32_t r, int32_t lane, int32_t w) {
      SmallVector<int32_t> e = at(l, r, lane, w);
      image.insert(e);
      if ((r & masks.registerMask) == 0 && (lane & masks.laneMask) == 0 &&
          (w & masks.warpMask) == 0)
        ++owners[e];
    });
    EXPECT_EQ(owners.size(), image.size()) << name;
    for (auto &[element, count] : owners)
      EXPECT_EQ(count, 1) << name;
  }
}

TEST(DuplicateMasksTest, FindsFreeLanesAndWarps) {
  // 16 elements, 64 threads: lane bit 4 and the warp bit repeat elements.
  LL l = unwrap(blocked({16}, {1}, {32}, {2}, {0}));
  DuplicateMasks masks = getDuplicateMasks(l);
  EXPECT_EQ(masks.registerMask, 0u);
  EXPECT_EQ(masks.laneMask, 16u);
  EXPECT_EQ(masks.warpMask, 1u);
}

//===----------------------------------------------------------------------===//
// mma fragments
//===----------------------------------------------------------------------===//

void expectFragments(const LL &full, const LL &fragment) {
  FragmentTiles tiles = unwrap(getFragmentTiles(full, fragment));
  ASSERT_FALSE(tiles.tiles.empty());
  for (auto &[tile, regs] : tiles.tiles)
    for (int32_t lane = 0; lane < 32; ++lane)
      for (auto [slot, r] : llvm::enumerate(regs)) {
        SmallVector<int32_t> f = at(fragment, slot, lane, 0);
        SmallVector<int32_t> want;
        for (size_t d = 0; d < f.size(); ++d)
          want.push_back(tile[d] * tiles.tileShape[d] + f[d]);
        ASSERT_EQ(at(full, r, lane, 0), want)
            << "tile (" << tile[0] << ", " << tile[1] << ") slot " << slot;
      }
}

TEST(FragmentTilesTest, OperandsAndAccumulatorSplitIntoInstructions) {
  for (unsigned instrK : {8u, 16u}) {
    MmaParams p;
    p.warpsPerCTA = {2, 2};
    p.instrK = instrK;
    MmaParams one = p;
    one.warpsPerCTA = {1, 1};
    LL fragA = unwrap(dotOperand(0, {16, int64_t(instrK)}, one, 2));
    LL fragB = unwrap(dotOperand(1, {int64_t(instrK), 8}, one, 2));
    LL fragC = unwrap(mma({16, 8}, one));
    expectFragments(unwrap(dotOperand(0, {64, 64}, p, 2)), fragA);
    expectFragments(unwrap(dotOperand(1, {64, 32}, p, 2)), fragB);
    expectFragments(unwrap(mma({64, 32}, p)), fragC);
    FragmentTiles c = unwrap(getFragmentTiles(unwrap(mma({64, 32}, p)), fragC));
    // Per warp 32x16: 2 x 2 tiles of 4 registers.
    EXPECT_EQ(c.tiles.size(), 4u);
    FragmentTiles a =
        unwrap(getFragmentTiles(unwrap(dotOperand(0, {64, 64}, p, 2)), fragA));
    EXPECT_EQ(a.tiles.size(), size_t(2 * 64 / instrK));
  }
  // tf32: one element per register.
  MmaParams t;
  t.warpsPerCTA = {4, 1};
  t.instrK = 8;
  MmaParams one = t;
  one.warpsPerCTA = {1, 1};
  expectFragments(unwrap(dotOperand(0, {64, 32}, t, 1)),
                  unwrap(dotOperand(0, {16, 8}, one, 1)));
  expectFragments(unwrap(dotOperand(1, {32, 64}, t, 1)),
                  unwrap(dotOperand(1, {8, 8}, one, 1)));
}

TEST(FragmentTilesTest, RejectsOtherLayouts) {
  MmaParams one;
  one.warpsPerCTA = {1, 1};
  LL fragC = unwrap(mma({16, 8}, one));
  LL blockedTile = unwrap(blocked({16, 8}, {1, 1}, {4, 8}, {1, 1}, {1, 0}));
  auto tiles = getFragmentTiles(blockedTile, fragC);
  EXPECT_FALSE(tiles);
  llvm::consumeError(tiles.takeError());
}

//===----------------------------------------------------------------------===//
// ldmatrix
//===----------------------------------------------------------------------===//

/// Simulates the ldmatrix plan: every lane supplies a row address, the
/// hardware hands out 8x8 b16 matrices (transposed for .trans); each thread
/// must receive the elements T says its registers hold.
void expectLdMatrixLoads(const LL &t) {
  LdMatrixPlan plan = unwrap(planLdMatrix(t));
  int32_t perGroup = 2 * plan.numMatrices;
  auto offset = [&](const LL &l, int32_t r, int32_t lane, int32_t w) {
    return at(l, r, lane, w)[0];
  };
  for (int32_t w = 0; w < t.getInDimSize(kWarp); ++w)
    for (int32_t g = 0; g < t.getInDimSize(kRegister); g += perGroup) {
      int32_t base = offset(t, g, 0, 0);
      SmallVector<int32_t> rowAddress;
      for (int32_t lane = 0; lane < 32; ++lane) {
        SmallVector<int32_t> a;
        for (auto &[name, v] :
             plan.rowAddress.apply({{kLane, lane}, {kWarp, w}}))
          a.push_back(v);
        rowAddress.push_back(base ^ a[0]);
        ASSERT_EQ(rowAddress.back() % 8, 0) << "rows are 16-byte aligned";
      }
      for (int32_t lane = 0; lane < 32; ++lane)
        for (int32_t j = 0; j < plan.numMatrices; ++j)
          for (int32_t e = 0; e < 2; ++e) {
            int32_t got =
                plan.trans ? rowAddress[8 * j + 2 * (lane % 4) + e] + lane / 4
                           : rowAddress[8 * j + lane / 4] + 2 * (lane % 4) + e;
            ASSERT_EQ(got, offset(t, g + 2 * j + e, lane, w))
                << (plan.trans ? "trans " : "") << "group " << g << " matrix "
                << j << " lane " << lane << " element " << e;
          }
    }
}

TEST(LdMatrixTest, DotOperandsFromSwizzledBuffers) {
  for (unsigned instrK : {8u, 16u}) {
    MmaParams p;
    p.warpsPerCTA = {4, 1};
    p.instrK = instrK;
    for (int64_t k : {16, 32, 64}) {
      SwizzleParams sw = unwrap(mmaOperandSwizzle({64, k}, {1, 0}, 16));
      LL sharedA = unwrap(swizzled({64, k}, sw, {1, 0}));
      LL a = unwrap(dotOperand(0, {64, k}, p, 2));
      std::optional<LL> ta = a.invertAndCompose(sharedA);
      ASSERT_TRUE(ta);
      EXPECT_FALSE(unwrap(planLdMatrix(*ta)).trans);
      expectLdMatrixLoads(*ta);
      // B stored N-contiguous: transposed loads.
      SwizzleParams swB = unwrap(mmaOperandSwizzle({k, 64}, {1, 0}, 16));
      LL sharedB = unwrap(swizzled({k, 64}, swB, {1, 0}));
      LL b = unwrap(dotOperand(1, {k, 64}, p, 2));
      std::optional<LL> tb = b.invertAndCompose(sharedB);
      ASSERT_TRUE(tb);
      EXPECT_TRUE(unwrap(planLdMatrix(*tb)).trans);
      expectLdMatrixLoads(*tb);
      // B stored K-contiguous: direct loads.
      SwizzleParams swBt = unwrap(mmaOperandSwizzle({k, 64}, {0, 1}, 16));
      LL sharedBt = unwrap(swizzled({k, 64}, swBt, {0, 1}));
      std::optional<LL> tbt = b.invertAndCompose(sharedBt);
      ASSERT_TRUE(tbt);
      EXPECT_FALSE(unwrap(planLdMatrix(*tbt)).trans);
      expectLdMatrixLoads(*tbt);
    }
  }
}

TEST(LdMatrixTest, RejectsRowsThatAreNotContiguous) {
  // A blocked layout reads 8 consecutive elements per thread, not ldmatrix
  // rows.
  LL shared = unwrap(swizzled({64, 64}, {8, 1, 8}, {1, 0}));
  LL b = unwrap(blocked({64, 64}, {1, 8}, {4, 8}, {4, 1}, {1, 0}));
  std::optional<LL> t = b.invertAndCompose(shared);
  ASSERT_TRUE(t);
  auto plan = planLdMatrix(*t);
  EXPECT_FALSE(plan);
  llvm::consumeError(plan.takeError());
  // A swizzle of 4-element chunks breaks the 16-byte rows apart.
  MmaParams p;
  p.warpsPerCTA = {1, 1};
  LL chunky = unwrap(swizzled({16, 64}, {4, 1, 8}, {1, 0}));
  std::optional<LL> ta =
      unwrap(dotOperand(0, {16, 64}, p, 2)).invertAndCompose(chunky);
  ASSERT_TRUE(ta);
  auto planA = planLdMatrix(*ta);
  EXPECT_FALSE(planA);
  llvm::consumeError(planA.takeError());
}

} // namespace
