# The Debian package: `make package` (or `cmake --build build --target package`) writes
# build/govbus_<version>_<arch>.deb with CPack. What goes in it:
#   /usr/bin/govbus-node, govbus-admin, govbus-testnet (stripped)
#   /lib/systemd/system/govbus-node.service      (node/govbus-node.service)
#   /etc/govbus/govbus-node.toml.example         (node/govbus-node.sample.toml; a conffile)
#   /usr/share/govbus/data/                      (data/: divisions, calendar, sample catalog;
#                                                 govbus-testnet's --data default when installed)
#   /usr/share/doc/govbus/                       (README.md, docs/*.md, copyright, data/*'s
#                                                 README.md and LICENSE)
# and the maintainer scripts in packaging/debian/ (the govbus system user). tests/package/ checks
# the result (ctest -L package).
include(GNUInstallDirs)

install(TARGETS govbus-node govbus-admin govbus-testnet RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Debian 12 keeps units in /lib/systemd/system (/usr/lib/... only from trixie's merged /usr).
install(FILES node/govbus-node.service DESTINATION /lib/systemd/system)
install(FILES node/govbus-node.sample.toml DESTINATION /etc/govbus
  RENAME govbus-node.toml.example)
install(DIRECTORY data/ DESTINATION ${CMAKE_INSTALL_DATADIR}/govbus/data)
set(GOVBUS_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/govbus)
file(GLOB GOVBUS_DOCS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES README.md ${GOVBUS_DOCS} packaging/debian/copyright DESTINATION ${GOVBUS_DOC_DIR})
foreach(dir calendar divisions)
  install(FILES data/${dir}/README.md data/${dir}/LICENSE DESTINATION ${GOVBUS_DOC_DIR}/data/${dir})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME govbus)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "GovBus e-government message bus: node daemon, admin CLI and network simulator")
set(CPACK_PACKAGE_DESCRIPTION
  "GovBus replicates signed records (service catalog, delegations, cases, supervision) between a
province, its cities and its counties. govbus-node is the node daemon (systemd unit
govbus-node.service), govbus-admin sets nodes up and works through their API, govbus-testnet
runs whole simulated networks. See /usr/share/doc/govbus/OPERATIONS.md.")
set(GOVBUS_PACKAGE_MAINTAINER "GovBus maintainers <govbus-maintainers@example.gov.cn>"
  CACHE STRING "The Maintainer field of the .deb")
set(CPACK_PACKAGE_CONTACT ${GOVBUS_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${GOVBUS_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # govbus_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_STRIP_FILES ON)
# The runtime libraries (libzmq5, libsodium23, liblmdb0, libcapnp-…) come from dpkg-shlibdeps
# (dpkg-dev, which build-essential brings); adduser is for the postinst.
find_program(GOVBUS_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(GOVBUS_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
else()
  message(WARNING "dpkg-shlibdeps not found (package dpkg-dev): the .deb's Depends is a fixed list")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "adduser, libc6, libstdc++6, libgcc-s1, libzmq5, libsodium23, liblmdb0, libcapnp-1.0.1, libspdlog1.10, libfmt9")
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
  ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
  ${CMAKE_SOURCE_DIR}/packaging/debian/postrm
  ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
include(CPack)
