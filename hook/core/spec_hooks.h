// Adding the tcp-splice hook to an OCI config.json, as the runtime wrapper
// does for Docker: every member the runtime wrote is kept, in order.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tsp {

// True when the spec's annotations carry an io.tcp-splice/ key.
bool spec_requests_splice(const nlohmann::ordered_json& spec);

// Adds {path, args:[basename, stage]} to hooks.createRuntime and
// hooks.poststop unless an entry with that path is already there. Returns
// whether anything changed. Throws Error when hooks has the wrong shape.
bool add_splice_hooks(nlohmann::ordered_json& spec, const std::string& hook_path);

// Reads, edits and atomically rewrites <path> (same mode). Returns whether
// the file changed; false (and untouched) when the spec requests nothing.
bool add_splice_hooks_to_file(const std::string& path, const std::string& hook_path);

}  // namespace tsp
