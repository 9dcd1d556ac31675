//===- LayoutsTest.cpp - Named GPU layouts and conversions ---------------===//
//
// Every named layout is checked element by element against an independent
// formula: Triton's blocked-layout arithmetic, the PTX ISA's fragment tables
// for mma.sync, and the bank arithmetic of ldmatrix.
//
//===----------------------------------------------------------------------===//

#include "flashtile/Layout/Layouts.h"

#include "gtest/gtest.h"

#include <array>
#include <set>

using namespace flashtile;
using namespace flashtile::layout;
using llvm::ArrayRef;
using llvm::SmallVector;
using LL = LinearLayout;

namespace {

template <typename T>
T unwrap(llvm::Expected<T> value) {
  if (!value) {
    ADD_FAILURE() << llvm::toString(value.takeError());
    return T();
  }
  return std::move(*value);
}

template <typename T>
std::string errorOf(llvm::Expected<T> value) {
  if (value)
    return "ok";
  return llvm::toString(value.takeError());
}

/// The coordinate held by (warp, lane, register).
SmallVector<int32_t> at(const LL &l, int32_t warp, int32_t lane, int32_t reg) {
  SmallVector<std::pair<llvm::StringRef, int32_t>> in{
      {kRegister, reg}, {kLane, lane}, {kWarp, warp}};
  SmallVector<int32_t> out;
  for (auto &[name, value] : l.apply(in))
    out.push_back(value);
  return out;
}

//===----------------------------------------------------------------------===//
// Blocked
//===----------------------------------------------------------------------===//

struct BlockedConfig {
  SmallVector<int64_t> shape;
  SmallVector<unsigned> spt, tpw, wpc, order;
};

/// Triton's blocked-layout arithmetic, written directly: the digits of the
/// lane and warp ids follow `order`; a register index is first the position
/// inside the sizePerThread block (in `order`), then the repetition of the
/// CTA tile (in `order`); coordinates wrap modulo the shape.
SmallVector<int32_t> blockedReference(const BlockedConfig &c, int32_t warp,
                                      int32_t lane, int32_t reg) {
  size_t rank = c.shape.size();
  SmallVector<int64_t> coord(rank, 0), laneDigit(rank), warpDigit(rank),
      sptDigit(rank), repDigit(rank);
  for (unsigned d : c.order) {
    laneDigit[d] = lane % c.tpw[d];
    lane /= c.tpw[d];
    warpDigit[d] = warp % c.wpc[d];
    warp /= c.wpc[d];
    sptDigit[d] = reg % c.spt[d];
    reg /= c.spt[d];
  }
  for (unsigned d : c.order) {
    int64_t tile = int64_t(c.spt[d]) * c.tpw[d] * c.wpc[d];
    int64_t reps = std::max<int64_t>(1, c.shape[d] / tile);
    repDigit[d] = reg % reps;
    reg /= reps;
  }
  for (size_t d = 0; d < rank; ++d) {
    int64_t tile = int64_t(c.spt[d]) * c.tpw[d] * c.wpc[d];
    coord[d] = (repDigit[d] * tile + warpDigit[d] * c.spt[d] * c.tpw[d] +
                laneDigit[d] * c.spt[d] + sptDigit[d]) %
               c.shape[d];
  }
  return SmallVector<int32_t>(coord.begin(), coord.end());
}

int64_t product(ArrayRef<unsigned> v) {
  int64_t p = 1;
  for (unsigned x : v)
    p *= x;
  return p;
}

void checkBlocked(const BlockedConfig &c) {
  LL l = unwrap(blocked(c.shape, c.spt, c.tpw, c.wpc, c.order));
  ASSERT_EQ(l.getInDimSize(kLane), product(c.tpw));
  ASSERT_EQ(l.getInDimSize(kWarp), product(c.wpc));
  int64_t expectedRegs = 1;
  for (size_t d = 0; d < c.shape.size(); ++d) {
    int64_t tile = int64_t(c.spt[d]) * c.tpw[d] * c.wpc[d];
    expectedRegs *= c.spt[d] * std::max<int64_t>(1, c.shape[d] / tile);
  }
  ASSERT_EQ(getNumRegisters(l), expectedRegs);
  for (int32_t w = 0; w < l.getInDimSize(kWarp); ++w)
    for (int32_t t = 0; t < l.getInDimSize(kLane); ++t)
      for (int32_t r = 0; r < getNumRegisters(l); ++r)
        ASSERT_EQ(at(l, w, t, r), blockedReference(c, w, t, r))
            << "warp " << w << " lane " << t << " register " << r;
  // Every element has an owner.
  EXPECT_TRUE(l.isSurjective());
}

TEST(Blocked, TheBriefsExample) {
  // Tile 8 x 64 over 32 x 32: 4 repetitions along dim0, warps 0/1 duplicate
  // along dim1.
  checkBlocked({{32, 32}, {1, 4}, {4, 8}, {2, 2}, {1, 0}});
  LL l = unwrap(blocked({32, 32}, {1, 4}, {4, 8}, {2, 2}, {1, 0}));
  EXPECT_EQ(getNumRegisters(l), 16);
  EXPECT_EQ(at(l, 1, 0, 0), at(l, 0, 0, 0));
  EXPECT_EQ(at(l, 2, 0, 0), (SmallVector<int32_t>{4, 0}));
  EXPECT_EQ(at(l, 0, 9, 2), (SmallVector<int32_t>{1, 6}));
  EXPECT_EQ(at(l, 0, 0, 4), (SmallVector<int32_t>{8, 0}));
}

TEST(Blocked, ExactFit) {
  checkBlocked({{8, 16}, {1, 2}, {4, 8}, {2, 1}, {1, 0}});
  checkBlocked({{64, 64}, {4, 4}, {4, 8}, {4, 2}, {1, 0}});
}

TEST(Blocked, BroadcastAcrossLanesAndWarps) {
  checkBlocked({{4, 4}, {1, 1}, {4, 8}, {1, 1}, {1, 0}});
  checkBlocked({{16, 8}, {1, 2}, {8, 4}, {4, 2}, {1, 0}});
  LL l = unwrap(blocked({4, 4}, {1, 1}, {4, 8}, {1, 1}, {1, 0}));
  // Lanes t and t + 4 hold the same element; lane bit 2 is free.
  EXPECT_EQ(at(l, 0, 4, 0), at(l, 0, 0, 0));
  EXPECT_EQ(l.getFreeVariableMask(kLane), 0b00100u);
  EXPECT_FALSE(l.isInjective());
}

TEST(Blocked, WrapAroundInRegisters) {
  checkBlocked({{8, 16}, {1, 1}, {4, 8}, {1, 1}, {1, 0}});
  checkBlocked({{128, 64}, {1, 8}, {8, 4}, {4, 1}, {1, 0}});
  LL l = unwrap(blocked({8, 16}, {1, 1}, {4, 8}, {1, 1}, {1, 0}));
  // Along dim1 (order[0]) first.
  EXPECT_EQ(at(l, 0, 0, 1), (SmallVector<int32_t>{0, 8}));
  EXPECT_EQ(at(l, 0, 0, 2), (SmallVector<int32_t>{4, 0}));
}

TEST(Blocked, ColumnMajorAnd3D) {
  checkBlocked({{64, 16}, {4, 1}, {8, 4}, {2, 2}, {0, 1}});
  checkBlocked({{2, 16, 32}, {1, 1, 4}, {1, 4, 8}, {2, 1, 2}, {2, 1, 0}});
  checkBlocked({{4, 8, 8}, {1, 2, 2}, {2, 4, 4}, {1, 2, 2}, {0, 2, 1}});
}

TEST(Blocked, RegistersBeyondTheShapeAreDropped) {
  // sizePerThread 8 along a dimension of 4: a thread holds 4 elements.
  LL l = unwrap(blocked({4, 4}, {1, 8}, {4, 8}, {1, 1}, {1, 0}));
  EXPECT_EQ(getNumRegisters(l), 4);
  EXPECT_TRUE(l.getFreeVariableMask(kRegister) == 0);
}

TEST(Blocked, Errors) {
  EXPECT_EQ(errorOf(blocked({32, 30}, {1, 1}, {4, 8}, {1, 1}, {1, 0})),
            "shape: 30 is not a power of two");
  EXPECT_EQ(errorOf(blocked({32, 32}, {1, 1}, {4, 8, 1}, {1, 1}, {1, 0})),
            "threads-per-warp has 3 entries but the shape has rank 2");
  EXPECT_EQ(errorOf(blocked({32, 32}, {1, 1}, {4, 8}, {1, 1}, {1, 1})),
            "order must be a permutation of 0..1, got [1, 1]");
  EXPECT_EQ(errorOf(blocked({32, 32}, {1, 3}, {4, 8}, {1, 1}, {1, 0})),
            "size-per-thread: 3 is not a power of two");
  EXPECT_EQ(errorOf(blocked({}, {}, {}, {}, {})),
            "shape must have at least one dimension");
}

//===----------------------------------------------------------------------===//
// mma.sync accumulator and operands vs the PTX ISA tables
//===----------------------------------------------------------------------===//

/// PTX ISA, mma.m16n8k16 / m16n8k8 accumulators (f32 or f16): ci for
/// i < 4 at row groupID + 8 * (i >= 2), column threadID_in_group * 2 +
/// (i & 1).
std::array<int, 2> ptxC(int lane, int i) {
  int g = lane / 4, t = lane % 4;
  return {g + 8 * (i >= 2), t * 2 + (i & 1)};
}

/// PTX ISA, mma.m16n8k16 with .f16/.bf16 A (16x16): a0,a1 (g, 2t+{0,1}),
/// a2,a3 (g+8, ...), a4,a5 (g, 2t+8+{0,1}), a6,a7 (g+8, ...). m16n8k8
/// (16x8) has a0..a3 of the same table.
std::array<int, 2> ptxAf16(int lane, int i) {
  int g = lane / 4, t = lane % 4;
  int row = (i == 2 || i == 3 || i == 6 || i == 7) ? g + 8 : g;
  int col = t * 2 + (i & 1) + (i >= 4 ? 8 : 0);
  return {row, col};
}

/// B (16x8): b0,b1 (2t+{0,1}, g), b2,b3 (2t+8+{0,1}, g); m16n8k8 (8x8):
/// b0,b1.
std::array<int, 2> ptxBf16(int lane, int i) {
  int g = lane / 4, t = lane % 4;
  return {t * 2 + (i & 1) + (i >= 2 ? 8 : 0), g};
}

/// mma.m16n8k8 .tf32: A a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4);
/// B b0 (t, g), b1 (t+4, g).
std::array<int, 2> ptxAtf32(int lane, int i) {
  int g = lane / 4, t = lane % 4;
  return {g + (i == 1 || i == 3 ? 8 : 0), t + (i >= 2 ? 4 : 0)};
}
std::array<int, 2> ptxBtf32(int lane, int i) {
  int g = lane / 4, t = lane % 4;
  return {t + (i == 1 ? 4 : 0), g};
}

/// mma.m16n8k32 .s8/.u8: A a0..a3 (g, 4t+{0..3}), a4..a7 (g+8, ...),
/// a8..a11 (g, 4t+16+{0..3}), a12..a15 (g+8, ...); B b0..b3
/// (4t+{0..3}, g), b4..b7 (4t+16+{0..3}, g).
std::array<int, 2> ptxAi8(int lane, int i) {
  int g = lane / 4, t = lane % 4;
  return {g + ((i / 4) % 2) * 8, t * 4 + i % 4 + (i >= 8 ? 16 : 0)};
}
std::array<int, 2> ptxBi8(int lane, int i) {
  int g = lane / 4, t = lane % 4;
  return {t * 4 + i % 4 + (i >= 4 ? 16 : 0), g};
}

using Table = std::array<int, 2> (*)(int lane, int i);

void checkFragment(const LL &l, Table table, int numRegs) {
  ASSERT_EQ(getNumRegisters(l), numRegs);
  ASSERT_EQ(l.getInDimSize(kLane), 32);
  for (int lane = 0; lane < 32; ++lane)
    for (int i = 0; i < numRegs; ++i) {
      std::array<int, 2> want = table(lane, i);
      EXPECT_EQ(at(l, 0, lane, i), (SmallVector<int32_t>{want[0], want[1]}))
          << "lane " << lane << " register " << i;
    }
  EXPECT_TRUE(l.isBijective());
}

MmaParams mmaParams(unsigned warpsM, unsigned warpsN, unsigned instrK = 16) {
  MmaParams p;
  p.warpsPerCTA = {warpsM, warpsN};
  p.instrK = instrK;
  return p;
}

TEST(Mma, AccumulatorMatchesThePtxTable) {
  checkFragment(unwrap(mma({16, 8}, mmaParams(1, 1))), ptxC, 4);
  // Turing's m16n8k8 has the same accumulator layout.
  checkFragment(unwrap(mma({16, 8}, mmaParams(1, 1, 8))), ptxC, 4);
}

TEST(Mma, TiledOverWarpsAndRepetitions) {
  // 64 x 32 with 2 x 2 warps: a 32 x 16 CTA tile, repeated 2 x 2, N first.
  unsigned wm = 2, wn = 2;
  LL l = unwrap(mma({64, 32}, mmaParams(wm, wn)));
  ASSERT_EQ(getNumRegisters(l), 16);
  for (int w = 0; w < 4; ++w)
    for (int lane = 0; lane < 32; ++lane)
      for (int r = 0; r < 16; ++r) {
        int i = r % 4, repN = (r / 4) % 2, repM = r / 8;
        std::array<int, 2> c = ptxC(lane, i);
        int row = repM * 16 * wm + (w / wn) * 16 + c[0];
        int col = repN * 8 * wn + (w % wn) * 8 + c[1];
        ASSERT_EQ(at(l, w, lane, r), (SmallVector<int32_t>{row, col}));
      }
  EXPECT_TRUE(l.isBijective());
}

TEST(DotOperand, Fp16FragmentsMatchThePtxTables) {
  checkFragment(unwrap(dotOperand(0, {16, 16}, mmaParams(1, 1))), ptxAf16, 8);
  checkFragment(unwrap(dotOperand(1, {16, 8}, mmaParams(1, 1))), ptxBf16, 4);
  // Turing m16n8k8: A is 16x8, B 8x8.
  checkFragment(unwrap(dotOperand(0, {16, 8}, mmaParams(1, 1, 8))), ptxAf16, 4);
  checkFragment(unwrap(dotOperand(1, {8, 8}, mmaParams(1, 1, 8))), ptxBf16, 2);
}

TEST(DotOperand, Tf32AndInt8FragmentsMatchThePtxTables) {
  checkFragment(unwrap(dotOperand(0, {16, 8}, mmaParams(1, 1, 8), 1)),
                ptxAtf32, 4);
  checkFragment(unwrap(dotOperand(1, {8, 8}, mmaParams(1, 1, 8), 1)),
                ptxBtf32, 2);
  checkFragment(unwrap(dotOperand(0, {16, 32}, mmaParams(1, 1, 32), 4)),
                ptxAi8, 16);
  checkFragment(unwrap(dotOperand(1, {32, 8}, mmaParams(1, 1, 32), 4)),
                ptxBi8, 8);
}

TEST(DotOperand, ReplicatedAcrossWarpsAndRepeatedAlongK) {
  // 4 warps as 2 x 2: warp w is at (w / 2, w % 2).
  LL a = unwrap(dotOperand(0, {32, 32}, mmaParams(2, 2)));
  LL b = unwrap(dotOperand(1, {32, 16}, mmaParams(2, 2)));
  ASSERT_EQ(getNumRegisters(a), 16);
  ASSERT_EQ(getNumRegisters(b), 8);
  for (int lane = 0; lane < 32; ++lane) {
    for (int r = 0; r < 16; ++r) {
      // A: the same for warps 0 and 1 (same M, different N).
      EXPECT_EQ(at(a, 1, lane, r), at(a, 0, lane, r));
      EXPECT_EQ(at(a, 3, lane, r), at(a, 2, lane, r));
      std::array<int, 2> f = ptxAf16(lane, r % 8);
      EXPECT_EQ(at(a, 2, lane, r),
                (SmallVector<int32_t>{16 + f[0], (r / 8) * 16 + f[1]}));
    }
    for (int r = 0; r < 8; ++r) {
      // B: the same for warps 0 and 2 (same N, different M).
      EXPECT_EQ(at(b, 2, lane, r), at(b, 0, lane, r));
      EXPECT_EQ(at(b, 3, lane, r), at(b, 1, lane, r));
      std::array<int, 2> f = ptxBf16(lane, r % 4);
      EXPECT_EQ(at(b, 1, lane, r),
                (SmallVector<int32_t>{(r / 4) * 16 + f[0], 8 + f[1]}));
    }
  }
  EXPECT_EQ(a.getFreeVariableMask(kWarp), 0b01u);
  EXPECT_EQ(b.getFreeVariableMask(kWarp), 0b10u);
}

TEST(DotOperand, Errors) {
  EXPECT_EQ(errorOf(dotOperand(2, {16, 16}, mmaParams(1, 1))),
            "dot operand index must be 0 (A) or 1 (B), got 2");
  EXPECT_EQ(errorOf(dotOperand(0, {16, 16}, mmaParams(1, 1), 1)),
            "mma instruction K 16 does not fit kWidth 1 (expected 4 or 8)");
  EXPECT_EQ(errorOf(mma({16, 8, 2}, mmaParams(1, 1))),
            "mma layouts are 2-D, got a shape of rank 3");
  MmaParams bad = mmaParams(1, 1);
  bad.instrShape = {16, 16};
  EXPECT_EQ(errorOf(mma({16, 16}, bad)),
            "mma instruction shape must be 16x8 (mma.sync.m16n8kK)");
}

//===----------------------------------------------------------------------===//
// Slice
//===----------------------------------------------------------------------===//

TEST(Slice, RowsOfAnMmaAccumulator) {
  LL parent = unwrap(mma({32, 16}, mmaParams(2, 1)));
  LL rows = unwrap(slice(1, parent));
  ASSERT_EQ(rows.getNumOutDims(), 1u);
  EXPECT_EQ(rows.getOutDimSize("dim0"), 32);
  // Each thread holds rows g and g + 8 of its warp's 16 rows.
  EXPECT_EQ(getNumRegisters(rows), 2);
  for (int w = 0; w < 2; ++w)
    for (int lane = 0; lane < 32; ++lane)
      for (int r = 0; r < 2; ++r)
        EXPECT_EQ(at(rows, w, lane, r),
                  (SmallVector<int32_t>{w * 16 + lane / 4 + 8 * r}));
  // The four lanes of a quad are duplicates: lane bits 0 and 1 are free.
  EXPECT_EQ(rows.getFreeVariableMask(kLane), 0b00011u);
  // Every element of the parent's row r is in the slice's element r.
  for (int w = 0; w < 2; ++w)
    for (int lane = 0; lane < 32; ++lane)
      for (int r = 0; r < getNumRegisters(parent); ++r) {
        int32_t row = at(parent, w, lane, r)[0];
        bool found = false;
        for (int s = 0; s < 2; ++s)
          found |= at(rows, w, lane, s)[0] == row;
        EXPECT_TRUE(found);
      }
}

TEST(Slice, ColumnsOfABlockedLayout) {
  LL parent = unwrap(blocked({8, 16}, {1, 2}, {4, 8}, {2, 1}, {1, 0}));
  LL cols = unwrap(slice(0, parent));
  EXPECT_EQ(cols.toString(), "in: register[2] lane[32] warp[2]\n"
                             "out: dim0[16]\n"
                             "register: (1)\n"
                             "lane: (2) (4) (8) (0) (0)\n"
                             "warp: (0)");
  EXPECT_EQ(errorOf(slice(2, parent)),
            "slice dimension 2 is out of range for a parent of rank 2");
}

//===----------------------------------------------------------------------===//
// Shared memory
//===----------------------------------------------------------------------===//

/// For each group of 8 consecutive rows (along order[1]) and each 16-byte
/// chunk of a row, the 8 chunks ldmatrix reads must fall in 8 different
/// 16-byte bank groups (all 32 banks). Returns the number of conflicting
/// reads.
int ldmatrixConflicts(const LL &shared, ArrayRef<int64_t> shape,
                      ArrayRef<unsigned> order, unsigned bits) {
  std::optional<LL> toOffset = shared.invert();
  EXPECT_TRUE(toOffset.has_value());
  if (!toOffset)
    return -1;
  int64_t chunkElems = 128 / bits;
  int64_t rows = shape[order[1]], cols = shape[order[0]];
  int conflicts = 0;
  for (int64_t r0 = 0; r0 + 8 <= rows; r0 += 8)
    for (int64_t c = 0; c < cols; c += chunkElems) {
      std::set<int64_t> groups;
      for (int64_t i = 0; i < 8; ++i) {
        SmallVector<int32_t> coord(2);
        coord[order[1]] = int32_t(r0 + i);
        coord[order[0]] = int32_t(c);
        int64_t offset = toOffset->apply(coord)[0];
        int64_t byte = offset * bits / 8;
        EXPECT_EQ(byte % 16, 0) << "chunks stay 16-byte aligned";
        groups.insert((byte / 16) % 8);
      }
      conflicts += 8 - int(groups.size());
    }
  return conflicts;
}

TEST(Shared, SwizzleIsABijectionKeepingChunksContiguous) {
  for (auto [rows, cols, vec, perPhase, maxPhase] :
       {std::array<int, 5>{16, 64, 8, 1, 8}, {32, 32, 8, 2, 4},
        {64, 16, 8, 4, 2}, {8, 128, 4, 1, 8}, {16, 16, 16, 1, 1}}) {
    LL l = unwrap(swizzled({rows, cols},
                           {unsigned(vec), unsigned(perPhase),
                            unsigned(maxPhase)},
                           {1, 0}));
    EXPECT_TRUE(l.isBijective());
    // vec consecutive offsets hold vec consecutive elements of a row.
    for (int32_t o = 0; o < rows * cols; o += vec) {
      SmallVector<int32_t> first = l.apply({o});
      EXPECT_EQ(first[1] % vec, 0);
      for (int32_t i = 1; i < vec; ++i)
        EXPECT_EQ(l.apply({o + i}),
                  (SmallVector<int32_t>{first[0], first[1] + i}));
    }
  }
}

TEST(Shared, SwizzleFormula) {
  // Row r, chunk c is stored at chunk c ^ ((r / perPhase) % maxPhase).
  LL l = unwrap(swizzled({32, 32}, {8, 2, 4}, {1, 0}));
  std::optional<LL> toOffset = l.invert();
  ASSERT_TRUE(toOffset.has_value());
  for (int32_t r = 0; r < 32; ++r)
    for (int32_t c = 0; c < 32; ++c) {
      int32_t chunk = (c / 8) ^ ((r / 2) % 4);
      EXPECT_EQ(toOffset->apply({r, c})[0], r * 32 + chunk * 8 + c % 8);
    }
}

TEST(Shared, MmaOperandSwizzleMakesLdmatrixConflictFree) {
  struct Case {
    SmallVector<int64_t> shape;
    SmallVector<unsigned> order;
    unsigned bits;
  };
  for (const Case &c : {Case{{64, 64}, {1, 0}, 16}, Case{{64, 32}, {1, 0}, 16},
                        Case{{64, 16}, {1, 0}, 16}, Case{{32, 8}, {1, 0}, 16},
                        Case{{32, 128}, {1, 0}, 16}, Case{{64, 64}, {0, 1}, 16},
                        Case{{32, 64}, {1, 0}, 8}, Case{{32, 32}, {1, 0}, 32},
                        Case{{16, 64}, {0, 1}, 32}}) {
    SwizzleParams p = unwrap(mmaOperandSwizzle(c.shape, c.order, c.bits));
    LL l = unwrap(swizzled(c.shape, p, c.order));
    EXPECT_TRUE(l.isBijective());
    EXPECT_EQ(ldmatrixConflicts(l, c.shape, c.order, c.bits), 0)
        << "shape " << c.shape[0] << "x" << c.shape[1] << ", " << c.bits
        << " bits, vec " << p.vec << " per-phase " << p.perPhase
        << " max-phase " << p.maxPhase;
  }
  // The chosen parameters for f16 rows of 64 elements (128 bytes).
  SwizzleParams p = unwrap(mmaOperandSwizzle({64, 64}, {1, 0}, 16));
  EXPECT_EQ(p.vec, 8u);
  EXPECT_EQ(p.perPhase, 1u);
  EXPECT_EQ(p.maxPhase, 8u);
  // Rows of 32 f16 (64 bytes): two rows per phase, four phases.
  p = unwrap(mmaOperandSwizzle({64, 32}, {1, 0}, 16));
  EXPECT_EQ(p.perPhase, 2u);
  EXPECT_EQ(p.maxPhase, 4u);
}

TEST(Shared, WithoutSwizzleLdmatrixConflicts) {
  // The check above is not vacuous: unswizzled 128-byte rows conflict.
  LL plain = unwrap(swizzled({64, 64}, {8, 1, 1}, {1, 0}));
  EXPECT_EQ(ldmatrixConflicts(plain, {64, 64}, {1, 0}, 16), 8 * 7 * 8);
}

TEST(Shared, Errors) {
  EXPECT_EQ(errorOf(swizzled({16, 64}, {6, 1, 8}, {1, 0})),
            "vec: 6 is not a power of two");
  EXPECT_EQ(errorOf(swizzled({16, 64}, {8, 1, 8}, {1})),
            "order has 1 entries but the shape has rank 2");
  EXPECT_EQ(errorOf(mmaOperandSwizzle({16, 64}, {1, 0}, 12)),
            "element bit width must be 8, 16, 32 or 64, got 12");
}

//===----------------------------------------------------------------------===//
// Helpers and conversions
//===----------------------------------------------------------------------===//

TEST(Helpers, RegistersAndVectorWidth) {
  LL b = unwrap(blocked({64, 64}, {1, 8}, {8, 4}, {4, 1}, {1, 0}));
  EXPECT_EQ(getNumRegisters(b), 32);
  EXPECT_EQ(getGlobalVectorWidth(b, 1, 16), 8u);
  EXPECT_EQ(getGlobalVectorWidth(b, 1, 32), 4u);
  EXPECT_EQ(getGlobalVectorWidth(b, 0, 16), 1u);
  LL m = unwrap(mma({32, 32}, mmaParams(2, 2)));
  EXPECT_EQ(getGlobalVectorWidth(m, 1, 32), 2u);
  LL col = unwrap(blocked({64, 64}, {4, 1}, {8, 4}, {4, 1}, {0, 1}));
  EXPECT_EQ(getGlobalVectorWidth(col, 0, 16), 4u);
}

/// Checks the conversion map: dst's element at x is src's at map(x), and
/// the map keeps what the kind promises to keep.
void checkMap(const LL &src, const LL &dst, const Conversion &cvt) {
  for (int32_t w = 0; w < dst.getInDimSize(kWarp); ++w)
    for (int32_t t = 0; t < dst.getInDimSize(kLane); ++t)
      for (int32_t r = 0; r < getNumRegisters(dst); ++r) {
        auto from = cvt.map.apply({{kRegister, r}, {kLane, t}, {kWarp, w}});
        int32_t sr = from[0].second, st = from[1].second, sw = from[2].second;
        ASSERT_EQ(at(src, sw, st, sr), at(dst, w, t, r));
        if (cvt.kind != ConversionKind::SharedMemory) {
          EXPECT_EQ(sw, w);
        }
        if (cvt.kind == ConversionKind::NoOp ||
            cvt.kind == ConversionKind::RegisterPermute) {
          EXPECT_EQ(st, t);
        }
        if (cvt.kind == ConversionKind::NoOp) {
          EXPECT_EQ(sr, r);
        }
      }
}

ConversionKind kindOf(const LL &src, const LL &dst) {
  Conversion cvt = unwrap(computeConversion(src, dst));
  checkMap(src, dst, cvt);
  return cvt.kind;
}

TEST(Conversion, NoOp) {
  LL b = unwrap(blocked({32, 32}, {1, 4}, {4, 8}, {2, 2}, {1, 0}));
  EXPECT_EQ(kindOf(b, b), ConversionKind::NoOp);
  // An f16 mma accumulator is the A operand of the next mma.
  LL acc = unwrap(mma({64, 32}, mmaParams(4, 1)));
  LL a = unwrap(dotOperand(0, {64, 32}, mmaParams(4, 1)));
  EXPECT_TRUE(areEquivalent(acc, a));
  EXPECT_EQ(kindOf(acc, a), ConversionKind::NoOp);
}

TEST(Conversion, RegisterPermute) {
  LL rowMajor = unwrap(blocked({64, 2}, {2, 2}, {32, 1}, {1, 1}, {1, 0}));
  LL colMajor = unwrap(blocked({64, 2}, {2, 2}, {32, 1}, {1, 1}, {0, 1}));
  EXPECT_FALSE(areEquivalent(rowMajor, colMajor));
  EXPECT_EQ(kindOf(rowMajor, colMajor), ConversionKind::RegisterPermute);
}

TEST(Conversion, WarpShuffle) {
  // One warp: anything is a shuffle.
  LL acc = unwrap(mma({16, 8}, mmaParams(1, 1)));
  LL b = unwrap(blocked({16, 8}, {1, 1}, {8, 4}, {1, 1}, {1, 0}));
  EXPECT_EQ(kindOf(acc, b), ConversionKind::WarpShuffle);
  EXPECT_EQ(kindOf(b, acc), ConversionKind::WarpShuffle);
  // Four warps along M, each owning 16 rows in both layouts.
  LL acc4 = unwrap(mma({64, 16}, mmaParams(4, 1)));
  LL b4 = unwrap(blocked({64, 16}, {2, 4}, {8, 4}, {4, 1}, {1, 0}));
  EXPECT_EQ(kindOf(acc4, b4), ConversionKind::WarpShuffle);
  // The B operand of a 1 x 1 mma from the row layout of a blocked tile.
  LL bt = unwrap(blocked({16, 8}, {2, 1}, {8, 4}, {1, 1}, {1, 0}));
  LL bop = unwrap(dotOperand(1, {16, 8}, mmaParams(1, 1)));
  EXPECT_EQ(kindOf(bt, bop), ConversionKind::WarpShuffle);
}

TEST(Conversion, SharedMemory) {
  LL acc = unwrap(mma({32, 32}, mmaParams(2, 2)));
  LL b = unwrap(blocked({32, 32}, {1, 4}, {4, 8}, {2, 2}, {1, 0}));
  EXPECT_EQ(kindOf(acc, b), ConversionKind::SharedMemory);
  EXPECT_EQ(kindOf(b, acc), ConversionKind::SharedMemory);
  // Warps along M vs warps along N.
  LL rows = unwrap(blocked({32, 32}, {1, 4}, {4, 8}, {4, 1}, {1, 0}));
  LL cols = unwrap(blocked({32, 32}, {4, 1}, {8, 4}, {1, 4}, {0, 1}));
  EXPECT_EQ(kindOf(rows, cols), ConversionKind::SharedMemory);
}

TEST(Conversion, FromABroadcastSourceStaysLocal) {
  // The source holds every element in all 4 warps, so any destination is
  // reachable within each warp.
  LL dup = unwrap(blocked({4, 8}, {1, 1}, {4, 8}, {4, 1}, {1, 0}));
  LL dst = unwrap(blocked({4, 8}, {1, 1}, {8, 4}, {1, 4}, {1, 0}));
  EXPECT_EQ(kindOf(dup, dst), ConversionKind::WarpShuffle);
}

TEST(Conversion, Errors) {
  LL a = unwrap(mma({32, 16}, mmaParams(2, 1)));
  LL b = unwrap(mma({32, 16}, mmaParams(1, 1)));
  LL c = unwrap(mma({16, 16}, mmaParams(2, 1)));
  LL s = unwrap(swizzled({32, 16}, {8, 1, 1}, {1, 0}));
  EXPECT_EQ(errorOf(computeConversion(a, b)),
            "the layouts use different numbers of warps (2 vs 1)");
  EXPECT_EQ(errorOf(computeConversion(a, c)),
            "the layouts cover different tensors (dim0[32] dim1[16] vs "
            "dim0[16] dim1[16])");
  EXPECT_EQ(errorOf(computeConversion(s, a)),
            "source layout is not distributed over threads (it has input "
            "dimension 'offset')");
  EXPECT_EQ(stringifyConversionKind(ConversionKind::WarpShuffle),
            "warp shuffle");
}

} // namespace
