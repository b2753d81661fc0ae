// The OCI State a runtime feeds a hook on stdin, and the parts of the
// bundle's config.json the hook falls back to. Only id is required; status
// and ociVersion vary between runtimes and are not used.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/annotations.h"

namespace tsp {

inline constexpr std::size_t kMaxStateBytes = 1 << 20;

struct OciState {
    std::string id;
    std::optional<int> pid;                  // absent at poststop
    std::string bundle;                      // absolute, or empty
    std::optional<Annotations> annotations;  // absent: look in config.json
};

struct BundleConfig {
    Annotations annotations;
    std::string cgroups_path;  // linux.cgroupsPath, may be empty
};

// Throws Error with a one-line reason for non-JSON, a missing or bad id,
// non-string annotation values, or input over kMaxStateBytes.
OciState parse_state(std::string_view json);
BundleConfig parse_bundle_config(std::string_view json);

}  // namespace tsp
