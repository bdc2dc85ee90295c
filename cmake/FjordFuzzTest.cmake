# fjord_add_fuzz_test(<ctest name> <fuzzer target>
#                     SEED_SCRIPT <python script> SEED_INPUT <path> [DEPENDS <files>...])
# Links <fuzzer target> with libFuzzer, builds its seed corpus at build time
# (`python3 SEED_SCRIPT SEED_INPUT <seed dir>`) and registers a bounded
# (30 s) fuzzing run as a ctest. New inputs go to a scratch corpus in the
# build tree; the seeds stay as they are.
function(fjord_add_fuzz_test test fuzzer)
  cmake_parse_arguments(F "" "SEED_SCRIPT;SEED_INPUT" "DEPENDS" ${ARGN})
  target_compile_options(${fuzzer} PRIVATE -fsanitize=fuzzer)
  target_link_options(${fuzzer} PRIVATE -fsanitize=fuzzer)

  set(seeds ${CMAKE_CURRENT_BINARY_DIR}/${fuzzer}_seeds)
  add_custom_command(
    OUTPUT ${seeds}/.stamp
    COMMAND ${Python3_EXECUTABLE} ${F_SEED_SCRIPT} ${F_SEED_INPUT} ${seeds}
    COMMAND ${CMAKE_COMMAND} -E touch ${seeds}/.stamp
    DEPENDS ${F_SEED_SCRIPT} ${F_DEPENDS}
    VERBATIM)
  add_custom_target(${fuzzer}_seeds ALL DEPENDS ${seeds}/.stamp)
  add_dependencies(${fuzzer} ${fuzzer}_seeds)

  set(work ${CMAKE_CURRENT_BINARY_DIR}/${fuzzer}_corpus)
  file(MAKE_DIRECTORY ${work})
  add_test(NAME ${test}
    COMMAND ${fuzzer} -max_total_time=30 -rss_limit_mb=2048 -timeout=10 ${work} ${seeds})
  set_tests_properties(${test} PROPERTIES TIMEOUT 120)
endfunction()
