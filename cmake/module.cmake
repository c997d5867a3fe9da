# SPDX-License-Identifier: Apache-2.0
# ck_module(NAME DEPS...) builds the static library ck_NAME from every .c file
# in the module directory, so adding a file to a module needs no CMake edit.
function(ck_module name)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
  if(srcs)
    add_library(ck_${name} STATIC ${srcs})
    target_include_directories(ck_${name}
      PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include ${CMAKE_BINARY_DIR}/generated
      PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    if(ARGN)
      target_link_libraries(ck_${name} PUBLIC ${ARGN})
    endif()
  else()
    # A module with headers only so far.
    add_library(ck_${name} INTERFACE)
    target_include_directories(ck_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    if(ARGN)
      target_link_libraries(ck_${name} INTERFACE ${ARGN})
    endif()
  endif()
  set_property(GLOBAL APPEND PROPERTY CK_MODULES ck_${name})
endfunction()
