# Install rules (GNUInstallDirs): the kiln command, kiln-remoted and the remoting
# ICD; libkiln shared and static; the public headers and the Fortran module's
# source; the CMake package (find_package(kiln) -> kiln::kiln, kiln_add_plugin)
# and kiln.pc.
include(CMakePackageConfigHelpers)
set(kiln_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/kiln)

install(TARGETS kiln_cmd kiln-build RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS kiln_shared kiln_static EXPORT kilnTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/kiln DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.f90")

if(KILN_REMOTE)
  install(TARGETS kiln-remoted RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(TARGETS kiln_remote_icd LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  # An example vendor file: copied into /etc/OpenCL/vendors (or a folder named by
  # OCL_ICD_VENDORS) it makes the ICD loader offer the remoted platform.
  # The prefix is the one of install time (cmake --install --prefix P).
  install(CODE "file(WRITE \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/kiln/kiln-remote.icd\"
                \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:kiln_remote_icd>\\n\")")
endif()

install(EXPORT kilnTargets NAMESPACE kiln:: DESTINATION ${kiln_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kilnConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/kilnConfig.cmake INSTALL_DESTINATION ${kiln_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kilnConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/kilnConfig.cmake ${PROJECT_BINARY_DIR}/kilnConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/kilnPlugin.cmake DESTINATION ${kiln_cmake_dir})

# Relocatable: the prefix is found from where kiln.pc lies.
file(RELATIVE_PATH kiln_pc_to_prefix /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" kiln_pc_to_prefix "${kiln_pc_to_prefix}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/kiln.pc.in ${PROJECT_BINARY_DIR}/kiln.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/kiln.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
