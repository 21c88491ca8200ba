# cmake -DIN=file -DOUT=file.cc -DNAME=Function -P embed_file.cmake: writes a
# C++ file defining absl::string_view civhub::gateway::NAME() with IN's bytes.
file(READ "${IN}" content)
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by embed_file.cmake; do not edit.\n"
  "#include \"absl/strings/string_view.h\"\n"
  "namespace civhub::gateway {\n"
  "absl::string_view ${NAME}() {\n"
  "  static constexpr char kText[] = R\"civhub_embed(${content})civhub_embed\";\n"
  "  return absl::string_view(kText, sizeof(kText) - 1);\n"
  "}\n"
  "}  // namespace civhub::gateway\n")
file(RENAME "${OUT}.tmp" "${OUT}")
