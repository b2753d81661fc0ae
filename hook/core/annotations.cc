#include "core/annotations.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "core/ports.h"
#include "core/text.h"

namespace tsp {
namespace {

constexpr std::string_view kPorts = "ports";
constexpr std::string_view kLoopbackOnly = "loopback-only";
constexpr std::string_view kEnabled = "enabled";
constexpr std::string_view kStrict = "strict";

// Values are echoed in log lines: keep them short and printable.
std::string shown(std::string_view v) {
    std::string out;
    for (char c : v.substr(0, 64)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    if (v.size() > 64) out += "...";
    return out;
}

std::string full_key(std::string_view name) {
    return std::string(kAnnotationPrefix) + std::string(name);
}

}  // namespace

bool parse_bool(std::string_view key, std::string_view value) {
    std::string v(trim(value));
    std::transform(v.begin(), v.end(), v.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (v == "true") return true;
    if (v == "false") return false;
    throw Error("bad " + std::string(key) + "='" + shown(value) + "': use true or false");
}

ContainerRequest parse_annotations(const Annotations& ann, bool strict_default) {
    ContainerRequest req;
    req.strict = strict_default;
    req.policy.loopback_only = false;  // containers talk over veth by default
    for (const auto& [key, value] : ann) {
        if (!key.starts_with(kAnnotationPrefix)) continue;
        req.requested = true;
        const std::string_view name = std::string_view(key).substr(kAnnotationPrefix.size());
        try {
            if (name == kPorts || name == kLoopbackOnly || name == kEnabled) req.has_policy = true;
            if (name == kPorts) {
                if (trim(value) == "*")
                    req.policy.ports.clear();
                else
                    req.policy.ports = parse_ports(value);
            } else if (name == kLoopbackOnly) {
                req.policy.loopback_only = parse_bool(key, value);
            } else if (name == kEnabled) {
                req.policy.enabled = parse_bool(key, value);
            } else if (name == kStrict) {
                req.strict = parse_bool(key, value);
            } else {
                req.warnings.push_back("unknown annotation " + shown(key) + " ignored (known: " +
                                       full_key(kPorts) + ", " + full_key(kLoopbackOnly) + ", " +
                                       full_key(kEnabled) + ", " + full_key(kStrict) + ")");
            }
        } catch (const Error& e) {
            std::string msg = e.what();
            if (name == kPorts) msg = key + ": " + msg + " or *";
            req.errors.push_back(msg);
        }
    }
    if (req.requested && req.ok() && !req.has_policy)
        req.warnings.push_back("no " + full_key(kPorts) + ", " + full_key(kLoopbackOnly) + " or " +
                               full_key(kEnabled) + " annotation: tcp-splice not attached (add " +
                               full_key(kPorts) + "=* for any port)");
    return req;
}

RequestAction action_of(const ContainerRequest& req) {
    if (!req.requested) return RequestAction::kNone;
    if (!req.ok()) return RequestAction::kInvalid;
    if (!req.has_policy) return RequestAction::kNoPolicy;
    return req.policy.enabled ? RequestAction::kAttach : RequestAction::kOptOut;
}

}  // namespace tsp
