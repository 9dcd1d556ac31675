//===- Version.cpp - compilerVersion() ------------------------------------===//
//
// FLASHTILE_BUILD_ID comes from Version.inc, which GenerateVersion.cmake
// rewrites on every build (only when it changes): the project version, the
// git commit, and for a modified tree a hash of the compiler sources' diff.
//
//===----------------------------------------------------------------------===//

#include "flashtile/API/API.h"

#include "Version.inc"

std::string flashtile::api::compilerVersion() { return FLASHTILE_BUILD_ID; }
