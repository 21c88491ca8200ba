// civhubd's settings file: the command line's flags as `key = value` lines
// (TOML, or INI-style; read with CLI11's config support).
#ifndef CIVHUB_SERVER_CONFIG_FILE_H_
#define CIVHUB_SERVER_CONFIG_FILE_H_

#include <CLI/CLI.hpp>
#include <string>

#include "absl/status/status.h"

namespace civhub::server {

// Applies the settings in the file at `path` to the options of `app` that
// the command line did not set (the command line wins), running each
// option's checks and storing its value. Call after app.parse(argv). A key
// is an option's long name without "--" ("listen = \"0.0.0.0:7340\"").
// On error, INVALID_ARGUMENT naming the file and the key: a key that is no
// setting (an unknown one, or --config and --check), a value its option
// refuses, a [section], or a file that does not parse; NOT_FOUND if the file
// cannot be read. `data-dir` is refused too unless `may_set_data_dir` (a file
// inside the data dir cannot name another).
absl::Status ApplyConfigFile(CLI::App& app, const std::string& path,
                             bool may_set_data_dir = true);

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_CONFIG_FILE_H_
