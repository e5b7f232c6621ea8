// fuzz_corpus_gen DIR: writes seed corpora for the fuzz targets, one directory per target
// (DIR/record, DIR/sync_message, DIR/certificate, DIR/key_file, DIR/catalog_csv, DIR/calendar_csv,
// DIR/api_json, DIR/node_config, DIR/validity).
// Records and certificates are signed with the fixture's keys, so they verify inside the targets.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fuzz/fuzz_fixture.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  size_t written = 0;
  for (const char* target : {"record", "sync_message", "certificate", "key_file", "catalog_csv",
                             "calendar_csv", "api_json", "node_config", "validity"}) {
    std::filesystem::path dir = std::filesystem::path(argv[1]) / target;
    std::filesystem::create_directories(dir);
    for (const auto& [name, bytes] : govbus::fuzz::corpusFor(target)) {
      std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
      if (!out) {
        std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
        return 1;
      }
      ++written;
    }
  }
  std::printf("wrote %zu corpus files under %s\n", written, argv[1]);
  return 0;
}
