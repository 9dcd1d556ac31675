//===- flash-opt.cpp - FlashTile's optimizer driver -----------------------===//
//
// mlir-opt for FlashTile: parses IR in our dialects, runs passes and
// pipelines named on the command line, prints the result. `--help` lists
// every registered pass and pipeline.
//
//===----------------------------------------------------------------------===//

#include "flashtile/InitAll.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  flashtile::registerAllDialects(registry);
  flashtile::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "FlashTile optimizer driver\n", registry));
}
