# kiln_add_plugin(NAME source...): a kernel plugin, a shared object that
# `kiln --plugin NAME.so` (or kiln_plugin_load in a program linking libkiln)
# loads. It sees kiln's headers and links nothing of kiln: its kiln_ calls
# resolve, when it is loaded, to the kiln already in the process (linking a
# second copy would give it a kernel registry of its own).
function(kiln_add_plugin name)
  if(NOT ARGN)
    message(FATAL_ERROR "kiln_add_plugin(${name}): no source files given")
  endif()
  add_library(${name} MODULE ${ARGN})
  set_target_properties(${name} PROPERTIES PREFIX "" C_STANDARD 11 C_STANDARD_REQUIRED ON)
  target_include_directories(${name} PRIVATE $<TARGET_PROPERTY:kiln::kiln,INTERFACE_INCLUDE_DIRECTORIES>)
endfunction()
