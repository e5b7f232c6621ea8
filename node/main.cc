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
  CLI11_PARSE(app, argc, argv);
  return govbus::runNode(config, check);
}
