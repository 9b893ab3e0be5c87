# SPDX-License-Identifier: BSD-3-Clause
# CTest entry "suite: every Catch2 test case is exactly one CTest entry".
#
# CTest splits a test name at ';', so a Catch2 case named "a; b" became two entries that
# each matched no case and (before `--warn NoTests`) passed without running anything. This
# check keeps the two lists equal: one CTest entry per Catch2 case, no name with ';'.
# Every discovered entry also runs with `--warn NoTests`, so an entry that matches no case
# fails on its own.
#
# Inputs: TEST_BINARY (the Catch2 executable), BUILD_DIR (where ctest runs), SELF (this
# entry's own name, which is not a Catch2 case).
execute_process(COMMAND "${TEST_BINARY}" --list-test-names-only
                OUTPUT_VARIABLE cases_out)
# (Catch2 v2 exits with the number of cases listed, so the exit code says nothing here.)
string(REGEX MATCHALL "[^\n]+" case_lines "${cases_out}")
set(n_cases 0)
set(bad "")
foreach(name IN LISTS case_lines)
    math(EXPR n_cases "${n_cases} + 1")
endforeach()
if(n_cases EQUAL 0)
    message(FATAL_ERROR "${TEST_BINARY} --list-test-names-only listed no test case")
endif()
# A ';' inside a case name makes the foreach above see two lines' worth of list items;
# look for it in the raw text instead.
string(FIND "${cases_out}" ";" semicolon)
if(NOT semicolon EQUAL -1)
    string(REGEX MATCHALL "[^\n]*;[^\n]*" bad "${cases_out}")
    message(FATAL_ERROR "Catch2 case names must not contain ';' (CTest splits them): ${bad}")
endif()

execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" -N WORKING_DIRECTORY "${BUILD_DIR}"
                OUTPUT_VARIABLE ctest_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ctest -N failed (exit ${rc})")
endif()
string(REGEX MATCH "Total Tests: ([0-9]+)" _ "${ctest_out}")
set(n_entries "${CMAKE_MATCH_1}")
# This check is an entry of its own, not a Catch2 case.
math(EXPR n_entries "${n_entries} - 1")
if(NOT n_entries EQUAL n_cases)
    message(FATAL_ERROR "CTest has ${n_entries} entries for ${n_cases} Catch2 cases: "
                        "a case name was split or a case was registered twice")
endif()
message(STATUS "${n_cases} Catch2 cases, ${n_entries} CTest entries")
