#include "server/config_file.h"

#include <fstream>

#include "gtest/gtest.h"
#include "tests/testutil.h"

namespace civhub::server {
namespace {

class ConfigFileTest : public ::testing::Test {
 protected:
  ConfigFileTest() {
    app_.add_option("--listen", listen_)->check(CLI::IsMember({"a", "b"}));
    app_.add_option("--name", name_);
    app_.add_option("--sync-interval", seconds_)
        ->check(CLI::Range(0.05, 3600.0));
    app_.add_option("--config", config_)->configurable(false);
    app_.add_flag("--check", check_)->configurable(false);
  }

  // Parses `args` as a command line, then applies a file holding `text`.
  absl::Status Run(std::vector<std::string> args, const std::string& text) {
    std::ofstream(path_) << text;
    std::vector<const char*> argv = {"civhubd"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    app_.parse(static_cast<int>(argv.size()), argv.data());
    return ApplyConfigFile(app_, path_);
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.Sub("civhubd.conf");
  CLI::App app_;
  std::string listen_ = "a";
  std::string name_;
  double seconds_ = 5;
  std::string config_;
  bool check_ = false;
};

TEST_F(ConfigFileTest, SettingsFromTheFileAreUsed) {
  ASSERT_OK(Run({},
                "# comment\nlisten = \"b\"\nname = \"Hub Nairobi\"\n"
                "sync-interval = 0.5\n"));
  EXPECT_EQ(listen_, "b");
  EXPECT_EQ(name_, "Hub Nairobi");
  EXPECT_EQ(seconds_, 0.5);
  EXPECT_EQ(app_.count("--name"), 1u);
}

TEST_F(ConfigFileTest, CommandLineWins) {
  ASSERT_OK(Run({"--name", "From flag"}, "name = \"From file\"\n"));
  EXPECT_EQ(name_, "From flag");
}

TEST_F(ConfigFileTest, UnknownKeyNamesFileAndKey) {
  EXPECT_STATUS(Run({}, "listn = \"b\"\n"), absl::StatusCode::kInvalidArgument,
                path_ +
                    ": \"listn\" is not a civhubd setting (settings: "
                    "listen, name, sync-interval)");
  EXPECT_STATUS(Run({}, "check = true\n"), absl::StatusCode::kInvalidArgument,
                "\"check\" is not a civhubd setting");
}

TEST_F(ConfigFileTest, BadValueNamesFileAndKey) {
  EXPECT_STATUS(Run({}, "sync-interval = 0.001\n"),
                absl::StatusCode::kInvalidArgument,
                path_ + ": sync-interval: Value 0.001 not in range");
}

TEST_F(ConfigFileTest, SectionsAreRefused) {
  EXPECT_STATUS(Run({}, "[hub]\nname = \"x\"\n"),
                absl::StatusCode::kInvalidArgument,
                path_ + ": [hub]: civhubd settings have no sections");
}

TEST_F(ConfigFileTest, MissingFileIsNamed) {
  app_.parse(std::vector<std::string>{});
  EXPECT_STATUS(ApplyConfigFile(app_, dir_.Sub("nope.conf")),
                absl::StatusCode::kNotFound,
                "cannot read config file " + dir_.Sub("nope.conf"));
}

}  // namespace
}  // namespace civhub::server
