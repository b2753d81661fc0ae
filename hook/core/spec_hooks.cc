#include "core/spec_hooks.h"

#include <sys/stat.h>

#include <cerrno>

#include "core/annotations.h"
#include "core/error.h"
#include "core/files.h"

namespace tsp {
namespace {

using nlohmann::ordered_json;

constexpr std::size_t kMaxSpecBytes = 16 << 20;

bool add_to_stage(ordered_json& hooks, const char* stage, const std::string& path) {
    ordered_json& list = hooks[stage];
    if (list.is_null()) list = ordered_json::array();
    if (!list.is_array())
        throw Error(std::string("config.json: hooks.") + stage + " is not a list");
    for (const auto& h : list) {
        if (!h.is_object()) continue;  // not ours to judge: kept as it is
        auto p = h.find("path");
        if (p != h.end() && p->is_string() && p->get<std::string>() == path) return false;
    }
    const auto slash = path.rfind('/');
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    list.push_back(ordered_json{{"path", path}, {"args", {base, stage}}});
    return true;
}

}  // namespace

bool spec_requests_splice(const ordered_json& spec) {
    auto a = spec.find("annotations");
    if (a == spec.end() || !a->is_object()) return false;
    for (auto it = a->begin(); it != a->end(); ++it)
        if (it.key().starts_with(kAnnotationPrefix)) return true;
    return false;
}

bool add_splice_hooks(ordered_json& spec, const std::string& hook_path) {
    if (!spec.is_object()) throw Error("config.json is not a JSON object");
    ordered_json& hooks = spec["hooks"];
    if (hooks.is_null()) hooks = ordered_json::object();
    if (!hooks.is_object()) throw Error("config.json: hooks is not an object");
    bool changed = add_to_stage(hooks, "createRuntime", hook_path);
    changed |= add_to_stage(hooks, "poststop", hook_path);
    return changed;
}

bool add_splice_hooks_to_file(const std::string& path, const std::string& hook_path) {
    const std::string text = read_file(path, kMaxSpecBytes);
    std::string edited;
    try {
        ordered_json spec = ordered_json::parse(text, nullptr, false);
        if (spec.is_discarded()) throw Error(path + " is not valid JSON");
        if (!spec_requests_splice(spec)) return false;
        if (!add_splice_hooks(spec, hook_path)) return false;
        edited = spec.dump();
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": " + e.what());
    }

    struct stat st;
    if (::stat(path.c_str(), &st) != 0) throw Error(errno_message("cannot stat " + path, errno));
    write_file_atomic(path, edited, st.st_mode & 07777, st.st_uid, st.st_gid);
    return true;
}

}  // namespace tsp
