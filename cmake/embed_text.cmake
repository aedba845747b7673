# Writes OUTPUT, a C++ file defining NAMESPACE::FUNCTION() (default:
# csbridge::model::embedded_cs_model_yaml()) that returns the text of INPUT (cmake -P script,
# run at build time).
if(NOT NAMESPACE)
  set(NAMESPACE csbridge::model)
endif()
if(NOT FUNCTION)
  set(FUNCTION embedded_cs_model_yaml)
endif()
file(READ ${INPUT} content HEX)
string(LENGTH "${content}" hex_len)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE ${OUTPUT}
  "// Generated from ${INPUT}; do not edit.\n"
  "#include <string_view>\n"
  "namespace ${NAMESPACE} {\n"
  "static const char kText[] = {${bytes} 0};\n"
  "std::string_view ${FUNCTION}() { return {kText, sizeof(kText) - 1}; }\n"
  "}  // namespace ${NAMESPACE}\n")
