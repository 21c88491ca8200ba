#include "server/config_file.h"

#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace civhub::server {
namespace {

// The keys a settings file may hold, for the error about one it may not.
std::string SettingNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* op : app.get_options()) {
    if (op->get_configurable() && !op->get_lnames().empty() &&
        op->get_expected_min() > 0) {
      names.push_back(op->get_lnames().front());
    }
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace

absl::Status ApplyConfigFile(CLI::App& app, const std::string& path,
                             bool may_set_data_dir) {
  if (!std::ifstream(path)) {
    return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  }
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(path);
  } catch (const CLI::Error& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  for (const CLI::ConfigItem& item : items) {
    if (!item.parents.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": [", item.parents.front(),
          "]: civhubd settings have no sections; put them at the top level"));
    }
    CLI::Option* op = app.get_option_no_throw("--" + item.name);
    if (op == nullptr || !op->get_configurable() ||
        op->get_expected_min() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": \"", item.name,
          "\" is not a civhubd setting (settings: ", SettingNames(app), ")"));
    }
    if (item.name == "data-dir" && !may_set_data_dir) {
      return absl::InvalidArgumentError(absl::StrCat(
          path,
          ": data-dir: the settings file inside a data dir cannot name "
          "another; use --config FILE to set data-dir"));
    }
    if (op->count() > 0) continue;  // Given on the command line.
    op->add_result(item.inputs);
    try {
      op->run_callback();
    } catch (const CLI::Error& e) {
      // CLI11 names the option as a flag ("--listen: …"); the file has a key.
      std::string what = e.what();
      const std::string flag = "--" + item.name + ": ";
      if (what.rfind(flag, 0) == 0) what = what.substr(flag.size());
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", item.name, ": ", what));
    }
  }
  return absl::OkStatus();
}

}  // namespace civhub::server
