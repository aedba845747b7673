# Included by CTest after the doctest cases are discovered (tests/CMakeLists.txt): the expected
# seconds of the longest unit-test cases, so that a parallel run starts them among the first.
# CTest's own record of test times (build/Testing/Temporary/CTestCostData.txt, and
# tests/ctest-costs.txt copied there on a fresh clone) takes a name up to its first space, so it
# never finds the doctest cases, whose names are sentences; without this they started last and a
# 64-second case ran on alone at the end of the suite.
foreach(pair IN ITEMS
    "validate catches every planted defect (PostgreSQL)=120"
    "migrate: a permanent fault at every load, call and source batch leaves a chain that resumes to a clean run=40"
    "validate catches every planted defect (SQLite)=12")
  string(FIND "${pair}" "=" at REVERSE)
  string(SUBSTRING "${pair}" 0 ${at} name)
  math(EXPR after "${at} + 1")
  string(SUBSTRING "${pair}" ${after} -1 cost)
  list(FIND csbridge_tests_TESTS "${name}" found)  # (not IN_LIST: CTest reads this without the project's policies)
  if(found GREATER -1)
    set_tests_properties("${name}" PROPERTIES COST ${cost})
  endif()
endforeach()
