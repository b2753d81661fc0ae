// Internal to the Program implementation: the pinned program's version and
// its in-place replacement by this version's (Program::reload()).
#pragma once

#include <optional>
#include <string>

#include "core/paths.h"
#include "core/program_options.h"

namespace tsp {

// The version recorded by the pinned program ("" for one older than 0.2.0,
// which recorded none); nullopt when nothing is pinned.
std::optional<std::string> read_pinned_version(const Paths& paths);

// Replaces an older pinned program with this version's (see
// Program::reload()). Caller holds the lock.
ReloadReport replace_pinned_program(const Paths& paths, const ProgramOptions& opts);

}  // namespace tsp
