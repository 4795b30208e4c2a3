# Builds scg's libtorch addon. native/build.js finds libtorch and passes its folders in SCG_TORCH_* variables.
{
  "targets": [{
    "target_name": "scg_torch",
    "sources": ["scg_torch.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(node -p \"process.env.SCG_TORCH_INCLUDES\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GLIBCXX_USE_CXX11_ABI=<!(node -p \"process.env.SCG_TORCH_CXX11_ABI\")"],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
    "libraries": ["-L<!(node -p \"process.env.SCG_TORCH_LIBDIR\")", "-Wl,-rpath,<!(node -p \"process.env.SCG_TORCH_LIBDIR\")",
                  "-Wl,--no-as-needed", "<!@(node -p \"process.env.SCG_TORCH_LIBS\")", "-Wl,--as-needed"]
  }]
}
