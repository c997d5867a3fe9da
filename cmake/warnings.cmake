# SPDX-License-Identifier: Apache-2.0
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wvla
  -Wimplicit-fallthrough -Wstrict-prototypes -Wno-unused-parameter)
if(CK_WERROR)
  add_compile_options(-Werror)
endif()
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  add_compile_definitions(_FORTIFY_SOURCE=3)
  add_compile_options(-fstack-protector-strong)
endif()
add_compile_definitions(_GNU_SOURCE)
