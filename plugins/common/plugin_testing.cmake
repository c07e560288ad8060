# Shared by the in-repo plugin packages, after find_package(aiperf):
#   include(${CMAKE_CURRENT_SOURCE_DIR}/../common/plugin_testing.cmake)
# Sets AIPERF_PLUGIN_COMMON_DIR (this folder), AIPERF_PLUGIN_COMMON_INCLUDE_DIR (its parent, for
# #include "common/...") and the BUILD_TESTING option, and defines
#
#   aiperf_plugin_tests(<target>
#     SOURCES <file>...        # test sources, and any implementation sources compiled in
#     [LIBS <target>...]       # besides aiperf::plugin_sdk, common/testing and GTest::gtest_main
#     [DEFINITIONS <def>...]   # besides AIPERF_EXECUTABLE, AIPERF_MOCK_SERVER_EXECUTABLE,
#                              # AIPERF_PLUGIN_DIR and PLUGIN_BUILD_DIR
#     [PLUGIN <target>]        # the plugin the tests load through aiperf: built first; PLUGIN_BUILD_DIR
#                              # is its output directory (otherwise CMAKE_CURRENT_BINARY_DIR)
#     [TIMEOUT <seconds>])     # for each discovered test
#
# a GoogleTest executable with src/ and tests/ on its include path, its tests discovered for ctest.
# Does nothing when BUILD_TESTING is off.
include_guard(DIRECTORY)

set(AIPERF_PLUGIN_COMMON_DIR "${CMAKE_CURRENT_LIST_DIR}")
get_filename_component(AIPERF_PLUGIN_COMMON_INCLUDE_DIR "${CMAKE_CURRENT_LIST_DIR}" DIRECTORY)

option(BUILD_TESTING "Build the plugin's tests" ON)
if(BUILD_TESTING)
  enable_testing()
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()

function(aiperf_plugin_tests target)
  if(NOT BUILD_TESTING)
    return()
  endif()
  cmake_parse_arguments(T "" "PLUGIN;TIMEOUT" "SOURCES;LIBS;DEFINITIONS" ${ARGN})
  if(NOT T_SOURCES)
    message(FATAL_ERROR "aiperf_plugin_tests(${target}): SOURCES is required")
  endif()

  # The shared support (processes, mock server, sockets, files), compiled once per package.
  if(NOT TARGET aiperf_plugin_test_support)
    add_library(aiperf_plugin_test_support STATIC "${AIPERF_PLUGIN_COMMON_DIR}/testing/process.cc")
    target_include_directories(aiperf_plugin_test_support PUBLIC "${AIPERF_PLUGIN_COMMON_INCLUDE_DIR}")
    target_link_libraries(aiperf_plugin_test_support PUBLIC aiperf::plugin_sdk)
  endif()

  set(plugin_build_dir "${CMAKE_CURRENT_BINARY_DIR}")
  if(T_PLUGIN)
    get_target_property(output_dir ${T_PLUGIN} LIBRARY_OUTPUT_DIRECTORY)
    if(output_dir)
      set(plugin_build_dir "${output_dir}")
    endif()
  endif()

  add_executable(${target} ${T_SOURCES})
  foreach(dir src tests)
    if(IS_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/${dir}")
      target_include_directories(${target} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/${dir}")
    endif()
  endforeach()
  target_link_libraries(${target} PRIVATE aiperf::plugin_sdk aiperf_plugin_test_support ${T_LIBS} GTest::gtest_main)
  target_compile_definitions(${target} PRIVATE
    AIPERF_EXECUTABLE="${AIPERF_EXECUTABLE}"
    AIPERF_MOCK_SERVER_EXECUTABLE="${AIPERF_MOCK_SERVER_EXECUTABLE}"
    AIPERF_PLUGIN_DIR="${AIPERF_PLUGIN_DIR}"
    PLUGIN_BUILD_DIR="${plugin_build_dir}"
    ${T_DEFINITIONS})
  if(T_PLUGIN)
    add_dependencies(${target} ${T_PLUGIN})
  endif()
  if(T_TIMEOUT)
    gtest_discover_tests(${target} PROPERTIES TIMEOUT ${T_TIMEOUT})
  else()
    gtest_discover_tests(${target})
  endif()
endfunction()
