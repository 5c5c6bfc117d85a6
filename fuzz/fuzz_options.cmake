# Options of the libFuzzer build (fuzz/README.md). Included by the top-level
# CMakeLists.txt before any target, so the instrumentation reaches the code
# under test (core's parsers, checkers), not only the fuzz targets.
#
#   CRASHLAB_FUZZ=ON           build the fuzzers (clang only)
#   CRASHLAB_FUZZ_ENGINE       link flags of the fuzzing engine
#                              (OSS-Fuzz: $LIB_FUZZING_ENGINE)
#   CRASHLAB_FUZZ_SANITIZE=ON  add ASan, UBSan and libFuzzer coverage to
#                              every target; fuzz/build.sh turns it off
#                              because $CFLAGS/$CXXFLAGS already carry them
option(CRASHLAB_FUZZ "Build the libFuzzer targets (clang only)" OFF)
set(CRASHLAB_FUZZ_ENGINE "-fsanitize=fuzzer" CACHE STRING
    "Link flags of the fuzzing engine (OSS-Fuzz: $LIB_FUZZING_ENGINE)")
option(CRASHLAB_FUZZ_SANITIZE
       "With CRASHLAB_FUZZ: instrument every target (ASan, UBSan, coverage)"
       ON)
if(CRASHLAB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CRASHLAB_FUZZ=ON needs clang: "
                        "CC=clang CXX=clang++ cmake -DCRASHLAB_FUZZ=ON ...")
  endif()
  # Coverage of the standard library and nlohmann::json is noise for the
  # fuzzers and costs most of an execution (fuzz/coverage_ignorelist.txt).
  # Applies to whatever coverage flags are in use, ours or $CXXFLAGS's.
  add_compile_options(
    -fsanitize-coverage-ignorelist=${PROJECT_SOURCE_DIR}/fuzz/coverage_ignorelist.txt)
  if(CRASHLAB_FUZZ_SANITIZE)
    add_compile_options(-fsanitize=address,undefined
                        -fsanitize=fuzzer-no-link
                        -fno-sanitize-recover=undefined
                        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
  endif()
endif()
