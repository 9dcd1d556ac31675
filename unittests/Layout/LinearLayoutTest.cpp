//===- LinearLayoutTest.cpp - The algebra of linear layouts --------------===//

#include "flashtile/Layout/LinearLayout.h"

#include "gtest/gtest.h"

#include <functional>
#include <set>

using namespace flashtile;
using llvm::SmallVector;
using LL = LinearLayout;

namespace {

/// Calls fn on every input of a layout (one coordinate per input dimension).
void forEachInput(const LL &l,
                  const std::function<void(llvm::ArrayRef<int32_t>)> &fn) {
  SmallVector<int32_t> sizes;
  for (const LL::InDim &in : l.getInDims())
    sizes.push_back(int32_t(1) << in.bases.size());
  SmallVector<int32_t> x(sizes.size(), 0);
  for (int64_t n = 0; n < l.getTotalInDimSize(); ++n) {
    int64_t rest = n;
    for (size_t i = 0; i < sizes.size(); ++i) {
      x[i] = int32_t(rest % sizes[i]);
      rest /= sizes[i];
    }
    fn(x);
  }
}

/// A small deterministic pseudo-random generator.
struct Rng {
  uint64_t state;
  uint32_t next(uint32_t bound) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return uint32_t(state >> 33) % bound;
  }
};

/// A layout with random bases: inputs {inName: 2^inBits}, outputs of the
/// given sizes.
LL randomLayout(Rng &rng, llvm::ArrayRef<std::pair<std::string, int>> ins,
                llvm::ArrayRef<LL::OutDim> outs) {
  SmallVector<LL::InDim> inDims;
  for (auto &[name, bits] : ins) {
    LL::InDim in{name, {}};
    for (int b = 0; b < bits; ++b) {
      LL::Basis basis;
      for (const LL::OutDim &out : outs)
        basis.push_back(int32_t(rng.next(out.size)));
      in.bases.push_back(basis);
    }
    inDims.push_back(in);
  }
  return LL(inDims, outs);
}

TEST(LinearLayout, Identity1D) {
  LL l = LL::identity1D(8, "lane", "dim0");
  EXPECT_EQ(l.getInDimSize("lane"), 8);
  EXPECT_EQ(l.getOutDimSize("dim0"), 8);
  for (int32_t x = 0; x < 8; ++x)
    EXPECT_EQ(l.apply({x}), SmallVector<int32_t>{x});
  EXPECT_TRUE(l.isBijective());
}

TEST(LinearLayout, Zeros1DIsABroadcast) {
  LL l = LL::zeros1D(4, "lane", "dim0", 2);
  EXPECT_EQ(l.getOutDimSize("dim0"), 2);
  for (int32_t x = 0; x < 4; ++x)
    EXPECT_EQ(l.apply({x})[0], 0);
  EXPECT_FALSE(l.isInjective());
  EXPECT_FALSE(l.isSurjective());
  EXPECT_EQ(l.getFreeVariableMask("lane"), 0b11u);
}

TEST(LinearLayout, Strided1D) {
  LL l = LL::strided1D(4, 8, "register", "offset");
  EXPECT_EQ(l.getOutDimSize("offset"), 32);
  EXPECT_EQ(l.apply({3})[0], 24);
  EXPECT_TRUE(l.isInjective());
  EXPECT_FALSE(l.isSurjective());
}

TEST(LinearLayout, ApplyIsTheXorOfBases) {
  LL l({{"in", {{3}, {5}, {6}}}}, {{"out", 8}});
  EXPECT_EQ(l.apply({0})[0], 0);
  EXPECT_EQ(l.apply({1})[0], 3);
  EXPECT_EQ(l.apply({3})[0], 3 ^ 5);
  EXPECT_EQ(l.apply({7})[0], 3 ^ 5 ^ 6);
  // 3 ^ 5 == 6: the layout is not injective, bit 2 is a free variable.
  EXPECT_FALSE(l.isInjective());
  EXPECT_EQ(l.getFreeVariableMask("in"), 0b100u);
  // Named application.
  auto named = l.apply({{"in", 2}});
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].first, "out");
  EXPECT_EQ(named[0].second, 5);
}

TEST(LinearLayout, ProductOverDisjointDims) {
  LL l = LL::identity1D(4, "register", "dim1") * LL::identity1D(8, "lane", "dim0");
  EXPECT_EQ(l.getInDimNames(), (SmallVector<llvm::StringRef>{"register", "lane"}));
  EXPECT_EQ(l.getOutDimNames(), (SmallVector<llvm::StringRef>{"dim1", "dim0"}));
  forEachInput(l, [&](llvm::ArrayRef<int32_t> x) {
    EXPECT_EQ(l.apply(x), (SmallVector<int32_t>{x[0], x[1]}));
  });
}

TEST(LinearLayout, ProductOverSharedDimsTiles) {
  // The lanes tile copies of the registers' 4-element block: d = r + 4 l.
  LL l = LL::identity1D(4, "register", "dim0") * LL::identity1D(8, "lane", "dim0");
  EXPECT_EQ(l.getOutDimSize("dim0"), 32);
  forEachInput(l, [&](llvm::ArrayRef<int32_t> x) {
    EXPECT_EQ(l.apply(x)[0], x[0] + 4 * x[1]);
  });
  EXPECT_TRUE(l.isBijective());
  // A shared input dimension: the second factor owns the high bits.
  LL r = LL::identity1D(2, "register", "dim1") * LL::identity1D(4, "register", "dim0");
  EXPECT_EQ(r.getInDimSize("register"), 8);
  EXPECT_EQ(r.apply({5}), (SmallVector<int32_t>{1, 2}));
}

TEST(LinearLayout, ComposeAppliesBothMaps) {
  Rng rng{1};
  for (int trial = 0; trial < 20; ++trial) {
    LL inner = randomLayout(rng, {{"register", 2}, {"lane", 3}},
                            {{"x", 8}, {"y", 4}});
    LL outer = randomLayout(rng, {{"x", 3}, {"y", 2}}, {{"offset", 64}});
    LL composed = inner.compose(outer);
    EXPECT_EQ(composed.getInDimNames(), inner.getInDimNames());
    EXPECT_EQ(composed.getOutDimNames(), outer.getOutDimNames());
    forEachInput(inner, [&](llvm::ArrayRef<int32_t> x) {
      EXPECT_EQ(composed.apply(x), outer.apply(inner.apply(x)));
    });
  }
}

TEST(LinearLayout, InvertRoundTrips) {
  // A bijection: a bit permutation with an XOR (a swizzle).
  LL l({{"offset", {{0, 1}, {0, 2}, {1, 2}, {2, 0}}}}, {{"dim0", 4}, {"dim1", 4}});
  ASSERT_TRUE(l.isBijective());
  std::optional<LL> inv = l.invert();
  ASSERT_TRUE(inv.has_value());
  EXPECT_EQ(inv->getInDimNames(), (SmallVector<llvm::StringRef>{"dim0", "dim1"}));
  EXPECT_EQ(inv->getOutDimNames(), (SmallVector<llvm::StringRef>{"offset"}));
  for (int32_t o = 0; o < 16; ++o)
    EXPECT_EQ(inv->apply(l.apply({o}))[0], o);
  forEachInput(*inv, [&](llvm::ArrayRef<int32_t> x) {
    EXPECT_EQ(l.apply(inv->apply(x)), SmallVector<int32_t>(x));
  });
  // Not bijective: no inverse.
  EXPECT_FALSE(LL::zeros1D(4, "lane", "dim0", 4).invert().has_value());
  EXPECT_FALSE(LL::strided1D(4, 2, "lane", "dim0").invert().has_value());
}

TEST(LinearLayout, InvertAndComposeFindsTheSourceOfEachElement) {
  Rng rng{7};
  int found = 0;
  for (int trial = 0; trial < 40; ++trial) {
    LL a = randomLayout(rng, {{"register", 3}, {"lane", 3}}, {{"d0", 8}, {"d1", 4}});
    LL b = randomLayout(rng, {{"register", 2}, {"lane", 4}, {"warp", 1}},
                        {{"d0", 8}, {"d1", 4}});
    std::optional<LL> c = a.invertAndCompose(b);
    if (!b.isSurjective())
      continue;
    ASSERT_TRUE(c.has_value());
    ++found;
    EXPECT_EQ(c->getInDimNames(), a.getInDimNames());
    EXPECT_EQ(c->getOutDimNames(), b.getInDimNames());
    forEachInput(a, [&](llvm::ArrayRef<int32_t> x) {
      EXPECT_EQ(b.apply(c->apply(x)), a.apply(x));
    });
  }
  EXPECT_GT(found, 10);
}

TEST(LinearLayout, InvertAndComposeWithItselfIsTheIdentity) {
  LL a = LL::identity1D(2, "register", "d1") * LL::identity1D(4, "lane", "d1") *
         LL::identity1D(8, "lane", "d0");
  std::optional<LL> c = a.invertAndCompose(a);
  ASSERT_TRUE(c.has_value());
  forEachInput(a, [&](llvm::ArrayRef<int32_t> x) {
    EXPECT_EQ(c->apply(x), SmallVector<int32_t>(x));
  });
}

TEST(LinearLayout, InvertAndComposeFailsOutsideTheImage) {
  // b only reaches even elements; a needs odd ones.
  LL a = LL::identity1D(8, "lane", "dim0");
  LL b = LL::strided1D(4, 2, "lane", "dim0");
  EXPECT_FALSE(a.invertAndCompose(b).has_value());
  EXPECT_TRUE(b.invertAndCompose(a).has_value());
}

TEST(LinearLayout, InvertAndComposePrefersEarlyInputsOfABroadcast) {
  // outer holds each element in register r and in two lanes (lane bit 0 is
  // a duplicate): the preimage uses registers and leaves the free lane bit 0.
  LL outer({{"register", {{1}, {2}}}, {"lane", {{0}, {4}}}}, {{"dim0", 8}});
  LL a = LL::identity1D(8, "x", "dim0");
  std::optional<LL> c = a.invertAndCompose(outer);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->toString(), "in: x[8]\n"
                           "out: register[4] lane[4]\n"
                           "x: (1,0) (2,0) (0,2)");
}

TEST(LinearLayout, ReshapeOutsIsRowMajor) {
  LL l = LL::identity1D(8, "register", "dim1") * LL::identity1D(4, "lane", "dim0");
  l = l.transposeOuts({"dim0", "dim1"});
  LL flat = l.flattenOuts("offset");
  EXPECT_EQ(flat.getOutDimSize("offset"), 32);
  forEachInput(l, [&](llvm::ArrayRef<int32_t> x) {
    SmallVector<int32_t> c = l.apply(x);
    EXPECT_EQ(flat.apply(x)[0], c[0] * 8 + c[1]);
  });
  // Unflattening into another shape: offset = r * 2 + c for [16, 2].
  LL other = flat.reshapeOuts({{"rows", 16}, {"cols", 2}});
  forEachInput(l, [&](llvm::ArrayRef<int32_t> x) {
    int32_t off = flat.apply(x)[0];
    EXPECT_EQ(other.apply(x), (SmallVector<int32_t>{off / 2, off % 2}));
  });
  // Round trip.
  EXPECT_EQ(flat.reshapeOuts({{"dim0", 4}, {"dim1", 8}}), l);
}

TEST(LinearLayout, TransposeAndSublayout) {
  LL l({{"register", {{1, 0}}}, {"lane", {{0, 1}, {2, 0}}}},
       {{"dim0", 4}, {"dim1", 2}});
  LL t = l.transposeOuts({"dim1", "dim0"});
  EXPECT_EQ(t.apply({1, 3}), (SmallVector<int32_t>{1, 3}));
  EXPECT_EQ(l.apply({1, 3}), (SmallVector<int32_t>{3, 1}));
  LL ti = l.transposeIns({"lane", "register"});
  EXPECT_EQ(ti.apply({3, 1}), l.apply({1, 3}));
  EXPECT_TRUE(ti.isEquivalentTo(l));
  EXPECT_NE(ti, l);
  LL s = l.sublayout({"lane"}, {"dim0"});
  EXPECT_EQ(s.toString(), "in: lane[4]\nout: dim0[4]\nlane: (0) (2)");
}

TEST(LinearLayout, InjectiveSurjective) {
  LL bij = LL::identity1D(4, "register", "d") * LL::identity1D(8, "lane", "d");
  EXPECT_TRUE(bij.isInjective());
  EXPECT_TRUE(bij.isSurjective());
  LL dup = LL::identity1D(4, "register", "d") * LL::zeros1D(8, "lane", "d");
  EXPECT_FALSE(dup.isInjective());
  EXPECT_TRUE(dup.isSurjective());
  LL sparse = LL::strided1D(4, 2, "register", "d");
  EXPECT_TRUE(sparse.isInjective());
  EXPECT_FALSE(sparse.isSurjective());
}

TEST(LinearLayout, FreeVariableMasks) {
  // lane bits 2 and 4 duplicate earlier bases, warp bit 0 is zero.
  LL l({{"register", {{1}, {2}}},
        {"lane", {{4}, {8}, {1}, {16}, {12}}},
        {"warp", {{0}, {32}}}},
       {{"dim0", 64}});
  SmallVector<uint64_t> masks = l.getFreeVariableMasks();
  EXPECT_EQ(masks, (SmallVector<uint64_t>{0b0, 0b10100, 0b01}));
  EXPECT_EQ(l.getFreeVariableMask("lane"), 0b10100u);
  EXPECT_EQ(l.getFreeVariableMask("block"), 0u);
}

TEST(LinearLayout, NumConsecutiveInOut) {
  // Registers: (0,1) (0,2) (1,0): 4 along dim1, 8 in row-major order when
  // dim1 has size 4.
  LL l({{"register", {{0, 1}, {0, 2}, {1, 0}}}, {"lane", {{2, 0}}}},
       {{"dim0", 4}, {"dim1", 4}});
  EXPECT_EQ(l.getNumConsecutiveInOut("register", "dim1"), 4);
  EXPECT_EQ(l.getNumConsecutiveInOut("register", "dim0"), 1);
  EXPECT_EQ(l.getNumConsecutiveInOut("register"), 8);
  EXPECT_EQ(l.getNumConsecutiveInOut(), 8);
  // The same registers over a wider tensor: row-major contiguity stops at 4.
  LL wide({{"register", {{0, 1}, {0, 2}, {1, 0}}}}, {{"dim0", 2}, {"dim1", 8}});
  EXPECT_EQ(wide.getNumConsecutiveInOut("register"), 4);
  // A register that starts with a jump: no vector.
  LL jump({{"register", {{0, 2}, {0, 1}}}}, {{"dim0", 1}, {"dim1", 4}});
  EXPECT_EQ(jump.getNumConsecutiveInOut("register"), 1);
  EXPECT_EQ(LL::zeros1D(4, "register", "d").getNumConsecutiveInOut(), 1);
}

TEST(LinearLayout, EqualityAndEquivalence) {
  LL a = LL::identity1D(2, "register", "dim1") * LL::identity1D(4, "lane", "dim0");
  LL b = LL::identity1D(2, "register", "dim1") * LL::identity1D(4, "lane", "dim0");
  EXPECT_EQ(a, b);
  LL c = a.transposeOuts({"dim0", "dim1"});
  EXPECT_NE(a, c);
  EXPECT_TRUE(a.isEquivalentTo(c));
  // A size-1 input dimension changes nothing.
  LL d = a * LL::identity1D(1, "warp", "dim0");
  EXPECT_TRUE(d.isEquivalentTo(a));
  EXPECT_TRUE(a.isEquivalentTo(d));
  LL e = LL::identity1D(2, "register", "dim0") * LL::identity1D(4, "lane", "dim1");
  EXPECT_FALSE(a.isEquivalentTo(e));
}

TEST(LinearLayout, ToStringIsDeterministic) {
  LL l = LL::identity1D(2, "register", "dim1") * LL::identity1D(4, "lane", "dim1") *
         LL::identity1D(8, "lane", "dim0") * LL::identity1D(1, "warp", "dim0");
  EXPECT_EQ(l.toString(), "in: register[2] lane[32] warp[1]\n"
                          "out: dim1[8] dim0[8]\n"
                          "register: (1,0)\n"
                          "lane: (2,0) (4,0) (0,1) (0,2) (0,4)");
}

TEST(LinearLayout, GetRejectsMalformedLayouts) {
  auto message = [](llvm::Expected<LL> l) {
    if (l)
      return std::string("ok");
    return llvm::toString(l.takeError());
  };
  EXPECT_EQ(message(LL::get({}, {{"d", 6}})),
            "output dimension 'd' has size 6, not a power of two");
  EXPECT_EQ(message(LL::get({{"in", {{8}}}}, {{"d", 8}})),
            "basis 0 of 'in' has coordinate 8 outside 'd' of size 8");
  EXPECT_EQ(message(LL::get({{"in", {{1, 0}}}}, {{"d", 8}})),
            "basis 0 of 'in' has 2 coordinates for 1 output dimensions");
  EXPECT_EQ(message(LL::get({{"in", {}}, {"in", {}}}, {})),
            "duplicate input dimension 'in'");
  EXPECT_EQ(message(LL::get({{"in", {{1}}}}, {{"d", 2}})), "ok");
}

} // namespace
