# The libFuzzer targets (CRASHLAB_FUZZ=ON, clang). Each lands in
# <build>/fuzzers/; fuzz/build.sh copies them, with their seed corpora,
# to $OUT. Engine flags come from CRASHLAB_FUZZ_ENGINE
# (-fsanitize=fuzzer, or OSS-Fuzz's $LIB_FUZZING_ENGINE).
function(crashlab_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;DEFINES" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ${F_LIBS} ${CRASHLAB_FUZZ_ENGINE})
  if(F_DEFINES)
    target_compile_definitions(${name} PRIVATE ${F_DEFINES})
  endif()
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzzers)
  set_property(GLOBAL APPEND PROPERTY CRASHLAB_FUZZERS ${name})
endfunction()

# Engine crash fuzzers. The *_wal_full variant has its settings fixed at
# compile time (the combination CI smokes).
crashlab_fuzzer(sqlite_crash_fuzzer
  SOURCES sqlite_crash_fuzzer.cc LIBS crashlab_fuzz_cycle)
crashlab_fuzzer(sqlite_wal_full_crash_fuzzer
  SOURCES sqlite_crash_fuzzer.cc LIBS crashlab_fuzz_cycle
  DEFINES CRASHLAB_SQLITE_JOURNAL_MODE="wal" CRASHLAB_SQLITE_SYNCHRONOUS="full")
crashlab_fuzzer(leveldb_crash_fuzzer
  SOURCES leveldb_crash_fuzzer.cc LIBS crashlab_fuzz_cycle)

# Parser fuzzers.
crashlab_fuzzer(trace_fuzzer SOURCES parsers/trace_fuzzer.cc
  LIBS crashlab_core)
crashlab_fuzzer(history_fuzzer SOURCES parsers/history_fuzzer.cc
  LIBS crashlab_core)
crashlab_fuzzer(report_fuzzer SOURCES parsers/report_fuzzer.cc
  LIBS crashlab_reports)
crashlab_fuzzer(fault_plan_fuzzer SOURCES parsers/fault_plan_fuzzer.cc
  LIBS crashlab_core)
# The Skyhash codec lives in crashlab_engines with every engine adapter
# (servers, drivers); the fuzzer builds just its sources.
set(skyhash_sources "")
foreach(src skyhash.cc skyhash_decoder.cc)
  if(EXISTS ${PROJECT_SOURCE_DIR}/engines/skytable/${src})
    list(APPEND skyhash_sources ${PROJECT_SOURCE_DIR}/engines/skytable/${src})
  endif()
endforeach()
if(skyhash_sources)
  crashlab_fuzzer(skyhash_fuzzer SOURCES parsers/skyhash_fuzzer.cc
    ${skyhash_sources} LIBS crashlab_core)
endif()
# The on-disk format inspectors of `crashlab inspect` (Skytable SDSS/GNS/
# batch, SQLite database and WAL, LevelDB log/MANIFEST/CURRENT).
crashlab_fuzzer(formats_fuzzer SOURCES parsers/formats_fuzzer.cc
  LIBS crashlab_formats)

# <build>/fuzzers.txt lists every fuzzer (examples/ adds its own too), for
# fuzz/build.sh; written once the whole tree is configured.
function(crashlab_write_fuzzer_list)
  get_property(names GLOBAL PROPERTY CRASHLAB_FUZZERS)
  string(REPLACE ";" "\n" text "${names}")
  file(WRITE ${PROJECT_BINARY_DIR}/fuzzers.txt "${text}\n")
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR}
  CALL crashlab_write_fuzzer_list)
