# Cross-compiles for 64-bit ARM Linux with Debian's cross toolchain (crossbuild-essential-arm64)
# against an arm64 sysroot unpacked from Debian's arm64 packages (scripts/aarch64_sysroot.sh),
# and runs the built programs (tests, try_run, gtest discovery) under qemu-aarch64 (qemu-user).
# flatc and other build-time tools come from the host.
#   SCALERT_AARCH64_SYSROOT  the sysroot (default: <source>/build/aarch64-sysroot)
#   SCALERT_QEMU_CPU         qemu's -cpu for every test (e.g. cortex-a53: a plain ARMv8.0 NEON CPU).
#                            Unset, qemu takes the QEMU_CPU environment variable, else `max`
#                            (FP16, dot product, i8mm): `QEMU_CPU=cortex-a53 ctest ...` then runs
#                            the same build with those features hidden.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

if(NOT SCALERT_AARCH64_SYSROOT)
  if(DEFINED ENV{SCALERT_AARCH64_SYSROOT})
    set(SCALERT_AARCH64_SYSROOT "$ENV{SCALERT_AARCH64_SYSROOT}")
  else()
    get_filename_component(SCALERT_AARCH64_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build/aarch64-sysroot" ABSOLUTE)
  endif()
endif()
if(NOT EXISTS "${SCALERT_AARCH64_SYSROOT}/usr/include/absl")
  message(FATAL_ERROR "No arm64 sysroot at ${SCALERT_AARCH64_SYSROOT}: run scripts/setup.sh, then "
                      "scripts/aarch64_sysroot.sh")
endif()
# Passed on to try_compile projects, which re-read this file.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SCALERT_AARCH64_SYSROOT SCALERT_QEMU_CPU)
set(CMAKE_SYSROOT "${SCALERT_AARCH64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "${SCALERT_AARCH64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(SCALERT_QEMU_AARCH64 qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${SCALERT_QEMU_AARCH64};-L;${SCALERT_AARCH64_SYSROOT}")
if(SCALERT_QEMU_CPU)
  list(APPEND CMAKE_CROSSCOMPILING_EMULATOR -cpu ${SCALERT_QEMU_CPU})
endif()
