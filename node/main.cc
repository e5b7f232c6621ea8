// govbus-node: one GovBus node in the foreground. See node/daemon.h and docs/OPERATIONS.md.
#include <CLI/CLI.hpp>

#include "node/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{"govbus-node: a GovBus e-government message bus node (province, city or county)"};
  std::string config;
  bool check = false;
  app.add_option("-c,--config", config, "the node's TOML configuration file")->required();
  app.add_flag("--check", check,
               "check the configuration, keys, certificates and store, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a success; any other command-line mistake is exit 2, like a bad config (the
    // documented exit statuses are 0, 1 and 2: CLI11's own codes, e.g. 106, mean nothing to an
    // operator or to systemd).
    return app.exit(e) == 0 ? govbus::kExitOk : govbus::kExitConfigError;
  }
  return govbus::runNode(config, check);
}
