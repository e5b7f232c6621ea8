// govbus-admin: the operator's command-line tool (see admin/admin_commands.h).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "admin/admin_commands.h"

int main(int argc, char** argv) {
  using namespace govbus::admin;
  CLI::App app{"govbus-admin: set up and inspect GovBus nodes"};
  app.require_subcommand(1);

  InitOptions init;
  std::string initDir;
  auto* initCmd =
      app.add_subcommand("init", "create a node directory: key, API token, configuration");
  initCmd->add_option("--code", init.code, "the node's division code, e.g. 430102")->required();
  initCmd->add_option("--dir", initDir, "the node's directory (created)")->required();
  initCmd->add_option("--parent-endpoint", init.parentEndpoint,
                      "the parent's ZeroMQ endpoint, tcp://host:port");
  initCmd->add_option("--listen", init.listen,
                      "endpoint children dial, e.g. tcp://0.0.0.0:7101 (nodes with children)");
  initCmd->add_option("--api", init.api, "host:port of the local API")->capture_default_str();

  AnchorOptions anchor;
  std::string anchorKey, anchorOut;
  auto* anchorCmd = app.add_subcommand(
      "anchor", "make the province's self-signed certificate (the trust anchor)");
  anchorCmd->add_option("--code", anchor.code, "the province's code, e.g. 430000")->required();
  anchorCmd->add_option("--name", anchor.name, "the province's name, e.g. 湖南省")->required();
  anchorCmd->add_option("--key", anchorKey, "the province node's key file")->required();
  anchorCmd->add_option("--out", anchorOut, "where to write the anchor certificate")->required();
  anchorCmd->add_option("--valid-years", anchor.validYears, "validity in years")
      ->capture_default_str();

  EnrollOptions enroll;
  std::string parentDir, enrollOut;
  bool noPublish = false;
  auto* enrollCmd =
      app.add_subcommand("enroll", "sign a child's certificate with this (parent) node's key");
  enrollCmd
      ->add_option("--child-key", enroll.childKeyHex, "the child's public key (hex, from its init)")
      ->required();
  enrollCmd->add_option("--code", enroll.code, "the child's division code")->required();
  enrollCmd->add_option("--name", enroll.name, "the child's name, e.g. 芙蓉区")->required();
  enrollCmd
      ->add_option("--parent-dir", parentDir, "the parent node's directory (its govbus-node.toml)")
      ->required();
  enrollCmd->add_option("--out", enrollOut,
                        "directory for the child's chain.certs and anchor.cert");
  enrollCmd
      ->add_option("--serial", enroll.serial, "certificate serial; raise it to re-enrol a new key")
      ->capture_default_str();
  enrollCmd->add_option("--valid-years", enroll.validYears, "validity in years")
      ->capture_default_str();
  enrollCmd->add_flag("--no-publish", noPublish,
                      "do not publish the certificate through the parent's API");

  StatusOptions status;
  std::string statusDir;
  auto* statusCmd =
      app.add_subcommand("status", "a running node's health, digest, upstream and links");
  statusCmd->add_option("--dir", statusDir, "the node's directory (default: current directory)");
  statusCmd->add_option("--api", status.api, "host:port of the node's API (instead of --dir)");
  statusCmd->add_flag("--json", status.json, "print the raw JSON");

  std::string pubkeyDir;
  auto* pubkeyCmd = app.add_subcommand("pubkey", "print the public key of a node directory's key");
  pubkeyCmd->add_option("--dir", pubkeyDir, "the node's directory")->required();

  CLI11_PARSE(app, argc, argv);

  govbus::Status result;
  if (*initCmd) {
    init.dir = initDir;
    result = govbus::admin::init(init);
  } else if (*anchorCmd) {
    anchor.keyFile = anchorKey;
    anchor.out = anchorOut;
    result = govbus::admin::anchor(anchor);
  } else if (*enrollCmd) {
    enroll.parentDir = parentDir;
    enroll.out = enrollOut;
    enroll.publish = !noPublish;
    result = govbus::admin::enroll(enroll);
  } else if (*pubkeyCmd) {
    result = govbus::admin::publicKey(std::filesystem::path(pubkeyDir) / kKeyFileName);
  } else if (*statusCmd) {
    status.dir = statusDir;
    result = govbus::admin::status(status);
  }
  if (!result) {
    std::fprintf(stderr, "govbus-admin: %s\n", result.error().message.c_str());
    return 1;
  }
  return 0;
}
