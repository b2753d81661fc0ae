// Podman hooks.d entries, from the same templates `make install` uses (the
// `when` condition lives only in config/hooks.d/*.json.in).
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/runtime_config.h"
#include "tsp_hook_templates.h"

namespace tsp::runtime {

std::string oci_hook_file_name(std::string_view stage) {
    return "50-tcp-splice-" + std::string(stage) + ".json";
}

std::string oci_hook_json(std::string_view stage, std::string_view hook_path) {
    std::string text;
    if (stage == "createruntime")
        text = templates::kCreateRuntime;
    else if (stage == "poststop")
        text = templates::kPoststop;
    else
        throw Error("no hooks.d entry for stage '" + std::string(stage) + "'");
    // The placeholder sits inside a JSON string: put the path in escaped.
    const std::string quoted = nlohmann::json(std::string(hook_path)).dump();
    const std::string escaped = quoted.substr(1, quoted.size() - 2);
    const std::string_view ph = templates::kHookPathPlaceholder;
    for (std::size_t at = 0; (at = text.find(ph, at)) != std::string::npos; at += escaped.size())
        text.replace(at, ph.size(), escaped);
    return text;
}

bool is_tcp_splice_hook(const std::string& text) {
    try {
        const auto j = nlohmann::json::parse(text);
        const std::string path = j.at("hook").at("path").get<std::string>();
        const std::string_view name = "/tcp-splice-hook";
        return path.size() >= name.size() && path.ends_with(name);
    } catch (const nlohmann::json::exception&) {
        return false;
    }
}

}  // namespace tsp::runtime
