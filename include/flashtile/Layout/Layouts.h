//===- Layouts.h - Named GPU layouts as linear layouts ----------*- C++ -*-===//
//
// The named layouts of the NVIDIA backend, as constructors over LinearLayout
// (no layout kind has code of its own beyond its constructor):
//
//   blocked      Triton-style blocked layout (elementwise ops, global access)
//   mma          accumulator of mma.sync.m16n8k16 / m16n8k8
//   dotOperand   A and B fragments of mma.sync
//   slice        result of a reduction along one dimension of a parent
//   swizzled     shared memory: "offset" -> tensor coordinates, XOR swizzle
//
// Distributed layouts map the input dimensions "register", "lane", "warp"
// to the output dimensions "dim0", "dim1", ... (dim0 outermost, the last
// dimension the fastest in row-major order). Shared layouts map "offset"
// (the element offset in shared memory) to the same output dimensions.
//
// Constructors take user parameters and return llvm::Expected: every
// parameter is checked (powers of two, ranks, permutations) and a bad one
// gives an error message, never an assertion.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LAYOUT_LAYOUTS_H
#define FLASHTILE_LAYOUT_LAYOUTS_H

#include "flashtile/Layout/LinearLayout.h"

#include <string>

namespace flashtile {
namespace layout {

/// Names of the hardware (input) dimensions.
inline constexpr llvm::StringLiteral kRegister = "register";
inline constexpr llvm::StringLiteral kLane = "lane";
inline constexpr llvm::StringLiteral kWarp = "warp";
inline constexpr llvm::StringLiteral kBlock = "block";
inline constexpr llvm::StringLiteral kOffset = "offset";

/// "dim<i>", the name of tensor dimension i.
std::string dimName(unsigned i);
/// dimName(0 .. rank-1).
llvm::SmallVector<std::string> dimNames(unsigned rank);

//===----------------------------------------------------------------------===//
// Constructors
//===----------------------------------------------------------------------===//

/// Blocked layout over `shape`: each thread owns sizePerThread contiguous
/// elements, a warp's threads are arranged threadsPerWarp, a CTA's warps
/// warpsPerCTA; order[0] is the fastest dimension (registers, then lanes,
/// then warps fill order[0] first). Where the shape is smaller than this
/// tile, elements are duplicated across lanes/warps (and register bits
/// that would only repeat elements are dropped); where it is larger, the
/// tile repeats in more registers, along order[0] first.
llvm::Expected<LinearLayout> blocked(llvm::ArrayRef<int64_t> shape,
                                     llvm::ArrayRef<unsigned> sizePerThread,
                                     llvm::ArrayRef<unsigned> threadsPerWarp,
                                     llvm::ArrayRef<unsigned> warpsPerCTA,
                                     llvm::ArrayRef<unsigned> order);

/// Parameters of an NVIDIA mma.sync layout (version 2: Turing, Ampere).
struct MmaParams {
  /// Warps along M and along N; warp w sits at (w / n, w % n).
  llvm::SmallVector<unsigned, 2> warpsPerCTA;
  /// Accumulator tile of one instruction: only 16 x 8 (m16n8kK).
  llvm::SmallVector<unsigned, 2> instrShape{16, 8};
  /// K of one instruction: 16 (Ampere m16n8k16) or 8 (Turing m16n8k8) for
  /// 16-bit inputs; 4 * kWidth or 8 * kWidth in general.
  unsigned instrK = 16;
};

/// Accumulator (C/D) layout of mma.sync over a 2-D `shape` [M, N]: per warp
/// a 16x8 tile, lane l holding rows l/4 and l/4+8 at columns 2*(l%4)+{0,1}
/// (registers c0..c3), warps tiled per MmaParams, then the CTA tile
/// repeated in registers (N first) to cover the shape.
llvm::Expected<LinearLayout> mma(llvm::ArrayRef<int64_t> shape,
                                 const MmaParams &params);

/// Register layout of mma.sync operand opIdx (0: A [M, K], 1: B [K, N]) over
/// `shape`, for an mma `parent`. kWidth is the number of consecutive K
/// elements in one 32-bit register (2 for 16-bit types, 4 for 8-bit, 1 for
/// tf32). For m16n8k16 f16: A registers a0..a7 hold (g, 2t+{0,1}),
/// (g+8, ...), (g, ...+8), (g+8, ...+8) and B registers b0..b3 hold
/// (2t+{0,1}, g), (2t+8+{0,1}, g), where g = lane/4, t = lane%4. A is
/// replicated across the warps along N, B across the warps along M; the
/// fragments repeat in registers along K first.
llvm::Expected<LinearLayout> dotOperand(unsigned opIdx,
                                        llvm::ArrayRef<int64_t> shape,
                                        const MmaParams &parent,
                                        unsigned kWidth = 2);

/// The layout of `parent` with tensor dimension `dim` removed (the result
/// of a reduction along it): lanes and warps that held different elements
/// along `dim` now hold duplicates; register bits that only walked along
/// `dim` are dropped. Remaining dimensions are renamed dim0, dim1, ...
llvm::Expected<LinearLayout> slice(unsigned dim, const LinearLayout &parent);

/// Swizzle parameters of a shared-memory layout.
struct SwizzleParams {
  unsigned vec = 1;      ///< elements per swizzled chunk
  unsigned perPhase = 1; ///< consecutive rows sharing one phase
  unsigned maxPhase = 1; ///< number of distinct phases
};

/// Shared-memory layout: "offset" (element offset from the buffer start)
/// -> tensor coordinates. Rows of the fastest dimension order[0] are stored
/// one after another (order[1] next, ...); in row r, chunk c (vec elements)
/// is stored at chunk c ^ ((r / perPhase) % maxPhase). A bijection.
llvm::Expected<LinearLayout> swizzled(llvm::ArrayRef<int64_t> shape,
                                      const SwizzleParams &swizzle,
                                      llvm::ArrayRef<unsigned> order);

/// Swizzle for an mma operand tile of `shape` stored with `order`
/// (order[0] contiguous) and elements of elemBitWidth bits, such that
/// ldmatrix (8 rows of 16 bytes along order[0], same chunk) and 16-byte
/// stores of a row are free of bank conflicts: vec = 16 bytes, rows of
/// fewer than 128 bytes share a phase so 8 rows span the 32 banks.
llvm::Expected<SwizzleParams> mmaOperandSwizzle(llvm::ArrayRef<int64_t> shape,
                                                llvm::ArrayRef<unsigned> order,
                                                unsigned elemBitWidth);

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Number of registers (elements) each thread holds.
int32_t getNumRegisters(const LinearLayout &layout);

/// Elements per vectorized global access along tensor dimension
/// `contigDim` (contiguous in memory): the registers a thread holds
/// consecutively along it, capped at 16 bytes.
unsigned getGlobalVectorWidth(const LinearLayout &layout, unsigned contigDim,
                              unsigned elemBitWidth);

/// The same element at the same (register, lane, warp) in both layouts:
/// converting between them is a no-op.
bool areEquivalent(const LinearLayout &a, const LinearLayout &b);

/// What a conversion between two distributed layouts needs.
enum class ConversionKind {
  NoOp,            ///< equivalent layouts
  RegisterPermute, ///< every thread already holds its elements
  WarpShuffle,     ///< elements move between lanes of a warp only
  SharedMemory,    ///< elements move between warps: through shared memory
};

llvm::StringRef stringifyConversionKind(ConversionKind kind);

/// How to convert a tensor from layout `src` to layout `dst`.
struct Conversion {
  ConversionKind kind;
  /// For each input of dst (register, lane, warp), the input of src that
  /// holds the same element (dst's inputs -> src's inputs); it keeps the
  /// warp (and for RegisterPermute the lane) wherever the kind allows.
  LinearLayout map;
};

/// Computes the conversion from src to dst, which must be distributed
/// layouts over the same tensor shape with the same number of lanes and
/// warps.
llvm::Expected<Conversion> computeConversion(const LinearLayout &src,
                                             const LinearLayout &dst);

} // namespace layout
} // namespace flashtile

#endif // FLASHTILE_LAYOUT_LAYOUTS_H
