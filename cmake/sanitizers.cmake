# SPDX-License-Identifier: Apache-2.0
if(CK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  # The secret allocator falls back to calloc+wipe so ASan sees overflows.
  add_compile_definitions(CK_SANITIZE=1)
endif()
if(CK_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CK_FUZZ needs clang (CC=clang)")
  endif()
  # Coverage instrumentation everywhere; only fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
