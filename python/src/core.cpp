// flashtile._core: the pybind11 binding of FlashTile's C++ API.
//
// It includes only flashtile/API/API.h and pybind11, so it builds in seconds
// anywhere libFlashTile.so exists, with CMake (python/CMakeLists.txt) or by
// hand:
//
//   g++ -O2 -shared -fPIC -std=c++17 $(python3 -m pybind11 --includes)
//     -Iinclude python/src/core.cpp -Lbuild/lib -lFlashTile
//     -Wl,-rpath,$PWD/build/lib
//     -o python/flashtile/_core$(python3-config --extension-suffix)
//
// (one command line).
//
// Errors: api::Error from compile/load/kernel_params becomes
// flashtile.errors.CompilationError, from a run flashtile.errors.ExecutionError,
// with the message intact. The GIL is released while C++ compiles or runs.

#include "flashtile/API/API.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;
namespace api = flashtile::api;

namespace {

// The Python exception classes (defined in flashtile/errors.py). Leaked on
// purpose: they live as long as the interpreter.
PyObject *compilationError = nullptr;
PyObject *executionError = nullptr;

[[noreturn]] void raise(PyObject *type, const char *message) {
  PyErr_SetString(type, message);
  throw py::error_already_set();
}

api::Constexpr toConstexpr(py::handle value, const std::string &name) {
  if (value.is_none())
    return std::monostate{};
  if (py::isinstance<py::bool_>(value))
    return value.cast<bool>();
  if (py::isinstance<py::int_>(value))
    return value.cast<int64_t>();
  if (py::isinstance<py::float_>(value))
    return value.cast<double>();
  if (py::isinstance<py::str>(value))
    return value.cast<std::string>();
  throw py::type_error("constexpr '" + name +
                       "' must be None, bool, int, float or str, got " +
                       std::string(py::str(py::type::of(value))));
}

py::object fromConstexpr(const api::Constexpr &value) {
  return std::visit(
      [](const auto &v) -> py::object {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return py::none();
        else
          return py::cast(v);
      },
      value);
}

/// (address, nbytes) -> buffer, int -> Int, float -> Float.
std::vector<api::CpuArg> toCpuArgs(const py::sequence &args,
                                   const std::vector<std::string> &names) {
  std::vector<api::CpuArg> result;
  result.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    py::handle arg = args[i];
    std::string name = i < names.size() ? names[i] : std::to_string(i);
    api::CpuArg cpuArg;
    if (py::isinstance<py::tuple>(arg) && py::len(arg) == 2) {
      cpuArg.kind = api::CpuArg::Kind::Buffer;
      auto address = arg[py::int_(0)].cast<uintptr_t>();
      cpuArg.data = reinterpret_cast<void *>(address);
      cpuArg.sizeBytes = arg[py::int_(1)].cast<int64_t>();
    } else if (py::isinstance<py::bool_>(arg)) {
      throw py::type_error("argument '" + name +
                           "': pass bools as ints to the executor");
    } else if (py::isinstance<py::int_>(arg)) {
      cpuArg.kind = api::CpuArg::Kind::Int;
      cpuArg.intValue = arg.cast<int64_t>();
    } else if (py::isinstance<py::float_>(arg)) {
      cpuArg.kind = api::CpuArg::Kind::Float;
      cpuArg.floatValue = arg.cast<double>();
    } else {
      throw py::type_error("argument '" + name +
                           "': expected (address, nbytes), int or float");
    }
    result.push_back(cpuArg);
  }
  return result;
}

} // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "FlashTile's C++ API (compile DSL kernels, run them on the CPU)";

  py::module_ errors = py::module_::import("flashtile.errors");
  compilationError = py::object(errors.attr("CompilationError")).release().ptr();
  executionError = py::object(errors.attr("ExecutionError")).release().ptr();

  py::class_<api::Param>(m, "Param")
      .def_readonly("name", &api::Param::name)
      .def_readonly("kind", &api::Param::kind, "pointer, int, float, constexpr or untyped")
      .def_readonly("type", &api::Param::type, "declared type (\"*f16\", \"*\", \"i32\", ...) or \"\"")
      .def_property_readonly("has_default",
                             [](const api::Param &p) { return p.defaultValue.has_value(); })
      .def_property_readonly("default", [](const api::Param &p) -> py::object {
        return p.defaultValue ? fromConstexpr(*p.defaultValue) : py::none();
      })
      .def("__repr__", [](const api::Param &p) {
        return "Param(" + p.name + ", " + p.kind +
               (p.type.empty() ? "" : ", " + p.type) + ")";
      });

  py::class_<api::Kernel>(m, "Kernel")
      .def_property_readonly("name", &api::Kernel::name)
      .def("tile_ir", &api::Kernel::tileIR,
           "The optimized tile IR (with source locations), as text")
      .def(
          "run_on_cpu",
          [](const api::Kernel &kernel, std::array<int64_t, 3> grid,
             const py::sequence &args, const std::vector<std::string> &names) {
            std::vector<api::CpuArg> cpuArgs = toCpuArgs(args, names);
            try {
              py::gil_scoped_release release;
              kernel.runOnCpu(grid, cpuArgs, names);
            } catch (const api::Error &e) {
              raise(executionError, e.what());
            }
          },
          py::arg("grid"), py::arg("args"), py::arg("arg_names"),
          "Runs the kernel on the CPU executor over host buffers "
          "(address, nbytes), ints and floats");

  m.def(
      "kernel_params",
      [](const std::string &source, const std::string &filename,
         const std::string &kernel) {
        try {
          py::gil_scoped_release release;
          return api::kernelParams(source, filename, kernel);
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      },
      py::arg("source"), py::arg("filename"), py::arg("kernel"));

  m.def(
      "compile",
      [](const std::string &source, const std::string &filename,
         const std::string &kernel, const py::dict &constexprs,
         const std::map<std::string, std::string> &argTypes,
         const std::set<std::string> &divisibleBy16, bool dumpIR) {
        api::Specialization spec;
        for (auto [key, value] : constexprs) {
          std::string name = key.cast<std::string>();
          spec.constexprs[name] = toConstexpr(value, name);
        }
        spec.argTypes = argTypes;
        spec.divisibleBy16 = divisibleBy16;
        api::CompileOptions options;
        options.dumpIR = dumpIR;
        try {
          py::gil_scoped_release release;
          return api::compile(source, filename, kernel, spec, options);
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      },
      py::arg("source"), py::arg("filename"), py::arg("kernel"),
      py::arg("constexprs"), py::arg("arg_types"), py::arg("divisible_by_16"),
      py::arg("dump_ir") = false);

  m.def(
      "load_tile_ir",
      [](const std::string &ir, const std::string &kernel) {
        try {
          py::gil_scoped_release release;
          return api::loadTileIR(ir, kernel);
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      },
      py::arg("ir"), py::arg("kernel"));

  m.def("compiler_version", &api::compilerVersion);
}
