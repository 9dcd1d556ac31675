//===- TileOps.td - tile dialect operations ----------------*- tablegen -*-===//

#ifndef FLASHTILE_DIALECT_TILE_IR_TILEOPS_TD
#define FLASHTILE_DIALECT_TILE_IR_TILEOPS_TD

include "flashtile/Dialect/Tile/IR/TileDialect.td"
include "flashtile/Dialect/Tile/IR/TileTypes.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Tile_RMWKind : I32EnumAttr<"RMWKind", "atomic read-modify-write operation", [
    I32EnumAttrCase<"add", 0>,
    I32EnumAttrCase<"max", 1>,
    I32EnumAttrCase<"min", 2>,
    I32EnumAttrCase<"xchg", 3>
  ]> {
  let cppNamespace = "::flashtile::tile";
}

def Tile_InputPrecision : I32EnumAttr<"InputPrecision",
    "precision of f32 operands of tile.dot", [
    I32EnumAttrCase<"tf32", 0>,
    I32EnumAttrCase<"ieee", 1>
  ]> {
  let cppNamespace = "::flashtile::tile";
}

// Transform used by type constraints: the type loaded through a pointer-like
// value, and the i1 mask type of the same shape.
defvar PointeeOf = "::flashtile::tile::getPointeeType($_self)";
defvar MaskOf = "::flashtile::tile::getI1SameShape($_self)";

//===----------------------------------------------------------------------===//
// Program identity
//===----------------------------------------------------------------------===//

def Tile_ProgramIdOp : Tile_Op<"program_id", [Pure]> {
  let summary = "Index of this program instance along a grid axis";
  let description = [{
    Returns the coordinate (0 ≤ id < grid size) of the running program
    instance along grid axis 0, 1 or 2.

    ```mlir
    %pid = tile.program_id 0
    ```
  }];
  let arguments = (ins ConfinedAttr<I32Attr, [IntMinValue<0>, IntMaxValue<2>]>:$axis);
  let results = (outs I32:$result);
  let assemblyFormat = "$axis attr-dict";
}

def Tile_NumProgramsOp : Tile_Op<"num_programs", [Pure]> {
  let summary = "Number of program instances along a grid axis";
  let description = [{
    ```mlir
    %n = tile.num_programs 1
    ```
  }];
  let arguments = (ins ConfinedAttr<I32Attr, [IntMinValue<0>, IntMaxValue<2>]>:$axis);
  let results = (outs I32:$result);
  let assemblyFormat = "$axis attr-dict";
}

//===----------------------------------------------------------------------===//
// Block creation and shape manipulation
//===----------------------------------------------------------------------===//

def Tile_MakeRangeOp : Tile_Op<"make_range", [Pure]> {
  let summary = "The block [start, end) of consecutive i32 values";
  let description = [{
    ```mlir
    %r = tile.make_range 0 to 64 : tensor<64xi32>
    ```
    The result is one-dimensional with `end - start` elements.
  }];
  let arguments = (ins I32Attr:$start, I32Attr:$end);
  let results = (outs RankedTensorOf<[I32]>:$result);
  let assemblyFormat = "$start `to` $end attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tile_SplatOp : Tile_Op<"splat", [Pure,
    TypesMatchWith<"result element type matches the scalar", "result", "src",
                   "::llvm::cast<::mlir::ShapedType>($_self).getElementType()">]> {
  let summary = "Block with every element equal to a scalar";
  let description = [{
    ```mlir
    %b = tile.splat %x : f32 -> tensor<64x64xf32>
    ```
    A splat of a constant folds to an `arith.constant` splat.
  }];
  let arguments = (ins Tile_Elem:$src);
  let results = (outs Tile_Tensor:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasFolder = 1;
}

def Tile_BroadcastOp : Tile_Op<"broadcast", [Pure, SameOperandsAndResultElementType]> {
  let summary = "Repeat a block along its unit dimensions";
  let description = [{
    Every dimension of the source is either 1 or equal to the same dimension
    of the result; the ranks are equal (use `tile.expand_dims` first).

    ```mlir
    %b = tile.broadcast %row : tensor<1x64xf32> -> tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Tile_Tensor:$src);
  let results = (outs Tile_Tensor:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Tile_ExpandDimsOp : Tile_Op<"expand_dims", [Pure, SameOperandsAndResultElementType]> {
  let summary = "Insert a unit dimension";
  let description = [{
    ```mlir
    %col = tile.expand_dims %v {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
    ```
  }];
  let arguments = (ins Tile_Tensor:$src, I32Attr:$axis);
  let results = (outs Tile_Tensor:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Tile_ReshapeOp : Tile_Op<"reshape", [Pure, SameOperandsAndResultElementType]> {
  let summary = "Reinterpret a block with another shape of the same size";
  let description = [{
    Elements keep their row-major order.

    ```mlir
    %m = tile.reshape %v : tensor<1024xf32> -> tensor<32x32xf32>
    ```
  }];
  let arguments = (ins Tile_Tensor:$src);
  let results = (outs Tile_Tensor:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tile_TransOp : Tile_Op<"trans", [Pure, SameOperandsAndResultElementType]> {
  let summary = "Permute the dimensions of a block";
  let description = [{
    Result dimension `i` is source dimension `order[i]`.

    ```mlir
    %kt = tile.trans %k {order = array<i32: 1, 0>} : tensor<64x32xf16> -> tensor<32x64xf16>
    ```
  }];
  let arguments = (ins Tile_Tensor:$src, DenseI32ArrayAttr:$order);
  let results = (outs Tile_Tensor:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

def Tile_AddPtrOp : Tile_Op<"addptr", [Pure, AllTypesMatch<["ptr", "result"]>]> {
  let summary = "Advance pointers by a number of elements";
  let description = [{
    `result = ptr + offset * sizeof(pointee)`, element-wise when the operands
    are blocks (they then have the same shape).

    ```mlir
    %p = tile.addptr %base, %offs : tensor<64x!tile.ptr<f16>>, tensor<64xi32>
    ```
  }];
  let arguments = (ins Tile_PtrLike:$ptr, Tile_IntLike:$offset);
  let results = (outs Tile_PtrLike:$result);
  let assemblyFormat = "$ptr `,` $offset attr-dict `:` type($ptr) `,` type($offset)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tile_HintOp : Tile_Op<"hint", [Pure, Elementwise, SameOperandsAndResultType]> {
  let summary = "Facts about a block's values that the compiler may assume";
  let description = [{
    The identity on `src`, with facts the compiler cannot derive but may
    assume (`fl.multiple_of`, `fl.max_contiguous`). One entry per dimension
    (one for a scalar):

    - `multiple_of[d]`: along dimension `d`, the first value of every run of
      consecutive values (every value, where there are no such runs) is a
      multiple of it; bytes for pointers, as for the `tile.divisibility`
      argument attribute.
    - `max_contiguous[d]`: along dimension `d`, values are consecutive in
      aligned runs of this length.

    Wrong facts make the program's behaviour undefined (misaligned vector
    accesses on the GPU); the reference executor ignores them.

    ```mlir
    %o = tile.hint %offs {multiple_of = array<i64: 16>, max_contiguous = array<i64: 64>} : tensor<64xi32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[Tile_IntLike, Tile_PtrLike]>:$src,
                       OptionalAttr<DenseI64ArrayAttr>:$multiple_of,
                       OptionalAttr<DenseI64ArrayAttr>:$max_contiguous);
  let results = (outs AnyTypeOf<[Tile_IntLike, Tile_PtrLike]>:$result);
  let assemblyFormat = "$src attr-dict `:` type($src)";
  let hasVerifier = 1;
}

def Tile_LoadOp : Tile_Op<"load", [
    AttrSizedOperandSegments,
    TypesMatchWith<"result is what ptr points to", "ptr", "result", PointeeOf>,
    OptionalTypesMatchWith<"mask has the shape of ptr", "ptr", "mask", MaskOf>,
    OptionalTypesMatchWith<"other has the result type", "ptr", "other", PointeeOf>]> {
  let summary = "Load a scalar or a block from global memory";
  let description = [{
    Loads the elements that `ptr` points to. Where `mask` is false nothing is
    read and the element is `other` (undefined when `other` is absent). A mask
    of the pointer's shape is required to read near ragged edges.

    ```mlir
    %x = tile.load %p, %m, %zero : tensor<64x!tile.ptr<f16>>
    ```
  }];
  let arguments = (ins Arg<Tile_PtrLike, "", [MemRead]>:$ptr,
                       Optional<Tile_BoolLike>:$mask,
                       Optional<Tile_Value>:$other);
  let results = (outs Tile_Value:$result);
  let assemblyFormat = [{
    $ptr (`,` $mask^)? (`,` $other^)? attr-dict `:` type($ptr)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$ptr, CArg<"::mlir::Value", "{}">:$mask,
                   CArg<"::mlir::Value", "{}">:$other)>
  ];
  let hasVerifier = 1;
}

def Tile_StoreOp : Tile_Op<"store", [
    TypesMatchWith<"value is what ptr points to", "ptr", "value", PointeeOf>,
    OptionalTypesMatchWith<"mask has the shape of ptr", "ptr", "mask", MaskOf>]> {
  let summary = "Store a scalar or a block to global memory";
  let description = [{
    Elements where `mask` is false are not written.

    ```mlir
    tile.store %p, %x, %m : tensor<64x!tile.ptr<f32>>
    ```
  }];
  let arguments = (ins Arg<Tile_PtrLike, "", [MemWrite]>:$ptr, Tile_Value:$value,
                       Optional<Tile_BoolLike>:$mask);
  let assemblyFormat = "$ptr `,` $value (`,` $mask^)? attr-dict `:` type($ptr)";
}

def Tile_AtomicRMWOp : Tile_Op<"atomic_rmw", [
    TypesMatchWith<"value is what ptr points to", "ptr", "value", PointeeOf>,
    TypesMatchWith<"result is what ptr points to", "ptr", "result", PointeeOf>,
    OptionalTypesMatchWith<"mask has the shape of ptr", "ptr", "mask", MaskOf>]> {
  let summary = "Atomic read-modify-write of global memory";
  let description = [{
    For each enabled element, atomically replaces `*ptr` by
    `kind(*ptr, value)` and returns the value it held before. Masked-off
    elements are not accessed and their result is undefined.

    ```mlir
    %old = tile.atomic_rmw add, %p, %v, %m : tensor<64x!tile.ptr<f32>>
    ```
  }];
  let arguments = (ins Tile_RMWKind:$kind,
                       Arg<Tile_PtrLike, "", [MemRead, MemWrite]>:$ptr,
                       Tile_Value:$value, Optional<Tile_BoolLike>:$mask);
  let results = (outs Tile_Value:$result);
  let assemblyFormat = [{
    $kind `,` $ptr `,` $value (`,` $mask^)? attr-dict `:` type($ptr)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Computation
//===----------------------------------------------------------------------===//

def Tile_DotOp : Tile_Op<"dot", [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "Matrix product with accumulator: result = a · b + acc";
  let description = [{
    `a` is M×K, `b` is K×N, `acc` and the result are M×N. Supported element
    types (a and b, then acc): f16·f16 and bf16·bf16 into f32, f16·f16 into f16,
    f32·f32 into f32 and i8·i8 into i32. For f32 operands `input_precision`
    says whether the matrix units may round them to tf32 (the default) or
    must compute in full precision (`ieee`).

    ```mlir
    %s = tile.dot %q, %kt, %zero : tensor<64x64xf16> * tensor<64x32xf16> -> tensor<64x32xf32>
    %t = tile.dot %x, %y, %acc input_precision = ieee : tensor<16x8xf32> * tensor<8x16xf32> -> tensor<16x16xf32>
    ```
  }];
  let arguments = (ins Tile_NumericTensor:$a, Tile_NumericTensor:$b,
                       Tile_NumericTensor:$acc,
                       DefaultValuedAttr<Tile_InputPrecision,
                         "::flashtile::tile::InputPrecision::tf32">:$input_precision);
  let results = (outs Tile_NumericTensor:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $acc (`input_precision` `=` $input_precision^)? attr-dict `:`
    type($a) `*` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tile_ReduceOp : Tile_Op<"reduce", [Pure]> {
  let summary = "Reduce a block along one axis with a combiner region";
  let description = [{
    Combines the elements along `axis` with the binary function in the
    region; the result drops that dimension (a 1-D block reduces to a
    scalar). The combiner must be associative and commutative: the order of
    combination is unspecified.

    The common reductions print (and parse) in a short form:
    `sum`, `max`, `min` (`arith.addf`/`addi`, `arith.maxnumf`/`maxsi`,
    `arith.minnumf`/`minsi`).

    ```mlir
    %m = tile.reduce max %s {axis = 1 : i32} : tensor<64x32xf32> -> tensor<64xf32>
    %p = tile.reduce %x {axis = 0 : i32} : tensor<16xf32> -> f32 {
    ^bb0(%a: f32, %b: f32):
      %r = arith.mulf %a, %b : f32
      tile.reduce_return %r : f32
    }
    ```
  }];
  let arguments = (ins Tile_NumericTensor:$src, I32Attr:$axis);
  let results = (outs Tile_Value:$result);
  let regions = (region SizedRegion<1>:$combiner);
  let builders = [
    OpBuilder<(ins "::mlir::Value":$src, "int":$axis, "ReduceKind":$kind)>
  ];
  let extraClassDeclaration = [{
    /// The simple reduction the combiner region implements, if it is one.
    std::optional<ReduceKind> getKind();
  }];
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Tile_ReduceReturnOp : Tile_Op<"reduce_return", [Pure, Terminator,
    HasParent<"ReduceOp">]> {
  let summary = "Terminator of a tile.reduce combiner";
  let arguments = (ins Tile_Elem:$result);
  let assemblyFormat = "$result attr-dict `:` type($result)";
}

#endif // FLASHTILE_DIALECT_TILE_IR_TILEOPS_TD
