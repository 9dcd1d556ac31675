//===- TileTypes.td - tile dialect types -------------------*- tablegen -*-===//

#ifndef FLASHTILE_DIALECT_TILE_IR_TILETYPES_TD
#define FLASHTILE_DIALECT_TILE_IR_TILETYPES_TD

include "flashtile/Dialect/Tile/IR/TileDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

def Tile_PtrType : TypeDef<Tile_Dialect, "Pointer"> {
  let mnemonic = "ptr";
  let summary = "Pointer to an element in global memory";
  let description = [{
    `!tile.ptr<f16>` points to one `f16` in global memory (address space 1);
    a tensor of pointers (`tensor<64x!tile.ptr<f16>>`) addresses a block.
    Pointer arithmetic (`tile.addptr`) counts in elements of the pointee type.

    ```mlir
    !tile.ptr<f32>
    !tile.ptr<bf16, 3>   // shared-memory pointer, used by later stages
    ```
  }];
  let parameters = (ins "::mlir::Type":$pointeeType,
                        DefaultValuedParameter<"int", "1">:$addressSpace);
  let builders = [
    TypeBuilderWithInferredContext<(ins "::mlir::Type":$pointeeType,
                                        CArg<"int", "1">:$addressSpace), [{
      return $_get(pointeeType.getContext(), pointeeType, addressSpace);
    }]>
  ];
  let assemblyFormat = "`<` $pointeeType (`,` $addressSpace^)? `>`";
  let genVerifyDecl = 1;
  let skipDefaultBuilders = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Tile_Ptr : Type<CPred<"::llvm::isa<::flashtile::tile::PointerType>($_self)">,
                    "tile pointer", "::flashtile::tile::PointerType">;
def Tile_PtrTensor : RankedTensorOf<[Tile_Ptr]>;
def Tile_PtrLike : AnyTypeOf<[Tile_Ptr, Tile_PtrTensor], "pointer or tensor of pointers">;

def Tile_Float : AnyTypeOf<[F16, BF16, F32, F64], "floating-point">;
def Tile_Int : AnyTypeOf<[I1, I8, I16, I32, I64], "integer">;
def Tile_Elem : AnyTypeOf<[Tile_Float, Tile_Int, Tile_Ptr], "tile element">;

def Tile_Tensor : RankedTensorOf<[Tile_Elem]>;
def Tile_Value : AnyTypeOf<[Tile_Elem, Tile_Tensor], "tile scalar or tensor">;
def Tile_IntLike : AnyTypeOf<[Tile_Int, RankedTensorOf<[Tile_Int]>], "integer or tensor of integers">;
def Tile_BoolLike : AnyTypeOf<[I1, RankedTensorOf<[I1]>], "i1 or tensor of i1">;
def Tile_FloatTensor : RankedTensorOf<[Tile_Float]>;
def Tile_NumericTensor : RankedTensorOf<[Tile_Float, Tile_Int]>;

#endif // FLASHTILE_DIALECT_TILE_IR_TILETYPES_TD
