// The command line a runc-compatible wrapper receives:
//   <bin> [global flags] <command> [command flags] [<container-id>]
// e.g. containerd's shim: --root R --log L --log-format json create
//   --bundle B --pid-file P <id>.
#pragma once

#include <string>
#include <vector>

namespace tsp {

struct RuntimeInvocation {
    std::string command;  // "create", "start", ...; empty when there is none
    std::string bundle;   // from -b/--bundle; empty means the working directory
    std::string container_id;

    bool creates() const { return command == "create" || command == "run"; }
    // <bundle>/config.json, or "config.json" relative to the working directory.
    std::string spec_path() const;
};

// `<bin> --version` alone, as docker asks its runtimes: the wrapper prints
// its own version, then the real runtime's. Anything else is the runtime's.
bool is_version_query(const std::vector<std::string>& args);

// `args` excludes argv[0]. Throws Error for a value flag with no value.
RuntimeInvocation parse_runtime_args(const std::vector<std::string>& args);

}  // namespace tsp
