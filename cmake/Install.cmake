# Installs the tool, the plugin SDK (headers + CMake package) and the plugin directory.
include(CMakePackageConfigHelpers)

install(TARGETS aiperf RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set_target_properties(aiperf_plugin_sdk PROPERTIES EXPORT_NAME plugin_sdk)
install(TARGETS aiperf_plugin_sdk EXPORT aiperfTargets)
install(DIRECTORY include/aiperf/sdk DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/aiperf
        FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/aiperf/sdk/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/aiperf/sdk)

set(AIPERF_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/aiperf)
install(EXPORT aiperfTargets NAMESPACE aiperf:: DESTINATION ${AIPERF_CMAKE_DIR})
configure_package_config_file(cmake/aiperfConfig.cmake.in
  ${PROJECT_BINARY_DIR}/aiperfConfig.cmake
  INSTALL_DESTINATION ${AIPERF_CMAKE_DIR}
  PATH_VARS AIPERF_PLUGIN_INSTALL_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/aiperfConfigVersion.cmake
  COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/aiperfConfig.cmake
              ${PROJECT_BINARY_DIR}/aiperfConfigVersion.cmake
              cmake/AiperfPlugin.cmake
        DESTINATION ${AIPERF_CMAKE_DIR})
# An empty plugin directory, so `aiperf plugins paths` shows where packages go.
install(DIRECTORY DESTINATION ${AIPERF_PLUGIN_INSTALL_DIR})
