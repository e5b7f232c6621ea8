// govbus-node: one GovBus node in the foreground. See node/daemon.h and docs/OPERATIONS.md.
#include <CLI/CLI.hpp>

#include "govbus_version.h"
#include "node/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{"govbus-node: a GovBus e-government message bus node (province, city or county)"};
  std::string config;
  bool check = false;
  std::string logFormat = "auto";
  app.set_version_flag("--version", govbus::versionLine("govbus-node"),
                       "print the version and the commit, then exit");
  app.add_option("-c,--config", config, "the node's TOML configuration file")->required();
  app.add_flag("--check", check,
               "check the configuration, keys, certificates and store, then exit");
  app.add_option("--log-format", logFormat,
                 "auto (journal when stdout is systemd's journal stream, JOURNAL_STREAM), plain "
                 "(timestamped lines) or journal (lines start with the priority, <3> error, <4> "
                 "warning, <6> info, <7> debug)")
      ->check(CLI::IsMember({"auto", "plain", "journal"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a success; any other command-line mistake is exit 2, like a bad config (the
    // documented exit statuses are 0, 1 and 2: CLI11's own codes, e.g. 106, mean nothing to an
    // operator or to systemd).
    return app.exit(e) == 0 ? govbus::kExitOk : govbus::kExitConfigError;
  }
  govbus::LogFormat format = govbus::LogFormat::kAuto;
  govbus::parseLogFormat(logFormat, format);
  return govbus::runNode(config, check, format);
}
