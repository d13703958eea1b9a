# Debian packages (CPack DEB, one package per component):
#   ramette-agent       ramette-agent, /etc/ramette/agent.toml, ramette-agent.service
#   ramette-aggregator  ramette-aggregator and the ramette CLI, /etc/ramette/aggregator.toml,
#                       ramette-aggregator.service, the report and directory-sync services and timers,
#                       ramette-web and ramette-web.service (installed, not enabled)
# Maintainer scripts and conffiles lists are in packaging/debian/<package>/. Build with
# scripts/package. State lives in /var/lib/ramette (created by postinst and systemd).
set(RAMETTE_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

# The Maintainer field: the address the project's repository is maintained under (its commits'
# identity); a site that rebuilds the packages sets its own with -DRAMETTE_PACKAGE_MAINTAINER=.
set(RAMETTE_PACKAGE_MAINTAINER
    "ramette maintainers <maintainers@users.noreply.r-seed-60a15e12.example>"
    CACHE STRING "Maintainer field of the .deb packages: NAME <ADDRESS>")

# Each package ships the DEP-5 copyright file, a changelog (Debian format, gzip -9n as Policy
# 12.7 asks) and its lintian overrides (each override says why).
set(RAMETTE_DEBIAN_DIR ${RAMETTE_PACKAGING_DIR}/debian)
configure_file(${RAMETTE_DEBIAN_DIR}/changelog.in ${PROJECT_BINARY_DIR}/packaging/changelog @ONLY)
execute_process(COMMAND gzip -9n -c ${PROJECT_BINARY_DIR}/packaging/changelog
                OUTPUT_FILE ${PROJECT_BINARY_DIR}/packaging/changelog.gz)
foreach(component agent aggregator)
  string(TOUPPER ${component} upper)
  if(RAMETTE_BUILD_${upper})
    install(FILES ${RAMETTE_DEBIAN_DIR}/copyright ${PROJECT_BINARY_DIR}/packaging/changelog.gz
            DESTINATION share/doc/ramette-${component} COMPONENT ${component})
    if(EXISTS ${RAMETTE_DEBIAN_DIR}/ramette-${component}/lintian-overrides)
      install(FILES ${RAMETTE_DEBIAN_DIR}/ramette-${component}/lintian-overrides
              DESTINATION share/lintian/overrides RENAME ramette-${component}
              COMPONENT ${component})
    endif()
  endif()
endforeach()

if(RAMETTE_BUILD_AGENT)
  install(FILES ${RAMETTE_PACKAGING_DIR}/agent.toml DESTINATION /etc/ramette COMPONENT agent)
  install(FILES ${RAMETTE_PACKAGING_DIR}/systemd/ramette-agent.service
          DESTINATION /lib/systemd/system COMPONENT agent)
  install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/ramette-agent
          COMPONENT agent)
endif()
if(RAMETTE_BUILD_AGGREGATOR)
  install(FILES ${RAMETTE_PACKAGING_DIR}/aggregator.toml DESTINATION /etc/ramette
          COMPONENT aggregator)
  # The report service and timer ship with the aggregator (and the CLI) once they exist.
  file(GLOB RAMETTE_AGGREGATOR_UNITS ${RAMETTE_PACKAGING_DIR}/systemd/ramette-aggregator.service
       ${RAMETTE_PACKAGING_DIR}/systemd/ramette-report.service
       ${RAMETTE_PACKAGING_DIR}/systemd/ramette-report.timer
       ${RAMETTE_PACKAGING_DIR}/systemd/ramette-directory-sync.service
       ${RAMETTE_PACKAGING_DIR}/systemd/ramette-directory-sync.timer
       ${RAMETTE_PACKAGING_DIR}/systemd/ramette-web.service)
  install(FILES ${RAMETTE_AGGREGATOR_UNITS} DESTINATION /lib/systemd/system
          COMPONENT aggregator)
  install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/ramette-aggregator
          COMPONENT aggregator)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ramette)
set(CPACK_PACKAGE_VENDOR "ramette")
set(CPACK_PACKAGE_CONTACT "${RAMETTE_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "print accounting for CUPS print servers")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL)
if(RAMETTE_BUILD_AGENT)
  list(APPEND CPACK_COMPONENTS_ALL agent)
endif()
if(RAMETTE_BUILD_AGGREGATOR)
  list(APPEND CPACK_COMPONENTS_ALL aggregator)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# postinst creates the ramette user with useradd (passwd) and uses deb-systemd-helper
# (init-system-helpers, essential: a dependency on it must name a version; 1.54 has every
# deb-systemd-helper command the scripts use).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, init-system-helpers (>= 1.54~)")

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME ramette-agent)
set(CPACK_COMPONENT_AGENT_DESCRIPTION
    "ramette agent: records finished CUPS print jobs\n The agent runs on each CUPS print server, captures every finished job through\n IPP and sends it to the ramette aggregator through a durable local outbox.")
set(CPACK_DEBIAN_AGENT_PACKAGE_RECOMMENDS "cups-daemon")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    "${RAMETTE_PACKAGING_DIR}/debian/ramette-agent/conffiles;${RAMETTE_PACKAGING_DIR}/debian/ramette-agent/postinst;${RAMETTE_PACKAGING_DIR}/debian/ramette-agent/prerm;${RAMETTE_PACKAGING_DIR}/debian/ramette-agent/postrm")

set(CPACK_DEBIAN_AGGREGATOR_PACKAGE_NAME ramette-aggregator)
set(CPACK_COMPONENT_AGGREGATOR_DESCRIPTION
    "ramette aggregator and command line: paper indicators from print jobs\n The aggregator stores the jobs sent by ramette agents (SQLite or\n PostgreSQL); the ramette command imports inventories and directories and\n computes the yearly paper indicators.")
set(CPACK_DEBIAN_AGGREGATOR_PACKAGE_CONTROL_EXTRA
    "${RAMETTE_PACKAGING_DIR}/debian/ramette-aggregator/conffiles;${RAMETTE_PACKAGING_DIR}/debian/ramette-aggregator/postinst;${RAMETTE_PACKAGING_DIR}/debian/ramette-aggregator/prerm;${RAMETTE_PACKAGING_DIR}/debian/ramette-aggregator/postrm")

include(CPack)
