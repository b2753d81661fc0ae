// /etc/tcp-splice/config.json (TCP_SPLICE_CONFIG overrides the path):
//   {"hook": {"strict": false},
//    "runtime": {"runtimes": ["runc", "crun"],
//                "hook_path": "/usr/libexec/tcp-splice/tcp-splice-hook"},
//    "nri": {"metrics_address": "127.0.0.1:9465"}}
// Every member is optional; a missing file means the defaults.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tsp {

inline constexpr const char* kDefaultConfigPath = "/etc/tcp-splice/config.json";
inline constexpr const char* kDefaultHookPath = "/usr/libexec/tcp-splice/tcp-splice-hook";

struct Config {
    bool hook_strict = false;
    std::vector<std::string> runtimes = {"runc", "crun"};
    std::string hook_path = kDefaultHookPath;
    std::string nri_metrics_address;  // empty: the NRI plugin serves no metrics
};

// Throws Error naming the member and the fix.
Config parse_config(std::string_view json);
// TCP_SPLICE_CONFIG, else kDefaultConfigPath.
std::string config_path();
// Defaults when the file does not exist; throws Error when it is malformed.
Config load_config(const std::string& path);

}  // namespace tsp
