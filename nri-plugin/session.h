// One connection to the runtime: registers the plugin, then serves the
// Plugin service until the connection closes, the runtime says Shutdown, or
// `stop` is set. Single-threaded: requests are answered in order, each
// within the Plugin's own time bound.
#pragma once

#include <atomic>
#include <string>

#include "core/log.h"
#include "plugin.h"

namespace tsp::nri {

enum class SessionEnd { Closed, Rejected, Shutdown, Stopped };

struct Identity {
    std::string name;  // plugin name
    std::string idx;   // two digits: order among plugins
};

// Serves on `fd` (a connected unix stream socket, owned by the caller).
SessionEnd serve(int fd, const Identity& who, Plugin& plugin, const Log& log,
                 const std::atomic<bool>& stop);

}  // namespace tsp::nri
