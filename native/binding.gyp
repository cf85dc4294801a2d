{
  "targets": [
    {
      "target_name": "kmdll_unicorn",
      "sources": ["src/unicorn.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "cflags_cc": ["-std=c++17", "-O2", "<!@(sh ./unicorn-flags.sh --cflags)"],
      "libraries": ["<!@(sh ./unicorn-flags.sh --libs)"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS", "NAPI_VERSION=8"]
    },
    {
      "target_name": "kmdll_preload",
      "sources": ["src/preload.c"],
      "cflags": ["-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
