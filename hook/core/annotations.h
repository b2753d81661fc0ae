// The io.tcp-splice/* annotations a container or pod carries, parsed into
// what the hook does for it. Parsing never throws: every problem becomes one
// line in `errors`, so a malformed annotation is reported, not fatal.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"

namespace tsp {

inline constexpr std::string_view kAnnotationPrefix = "io.tcp-splice/";

using Annotations = std::map<std::string, std::string>;

struct ContainerRequest {
    bool requested = false;             // at least one io.tcp-splice/ key is present
    bool has_policy = false;            // ports, loopback-only or enabled is present
    bool strict = false;                // fail the container on any problem
    Policy policy;                      // enabled=false: present but switched off
    std::vector<std::string> errors;    // malformed values: do not attach
    std::vector<std::string> warnings;  // unknown keys: attach anyway

    bool ok() const { return errors.empty(); }
};

// What a container's annotations ask the hook and the NRI plugin to do.
enum class RequestAction {
    kNone,      // no io.tcp-splice/ key: not ours
    kInvalid,   // a malformed value (`errors`): nothing attached; a strict container fails
    kNoPolicy,  // only strict and/or unknown keys: no policy asked for, nothing attached
    kAttach,    // attach `policy`
    kOptOut,    // enabled=false: attach the disabled policy, so that no attachment
                // above the container (a host-wide enable) splices its connections
};

RequestAction action_of(const ContainerRequest& req);

// Reads io.tcp-splice/{ports,loopback-only,enabled,strict}; `strict_default`
// is the configured default when the strict annotation is absent.
// ports: "6379,8080" or "*" (any); booleans: true|false (any case).
ContainerRequest parse_annotations(const Annotations& ann, bool strict_default = false);

// "true"/"false" in any case, surrounding blanks ignored; throws Error.
bool parse_bool(std::string_view key, std::string_view value);

}  // namespace tsp
