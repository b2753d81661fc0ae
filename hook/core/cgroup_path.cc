#include "core/cgroup_path.h"

#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/files.h"

namespace tsp {
namespace {

constexpr std::string_view kSliceSuffix = ".slice";

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        auto pos = s.find(sep);
        out.push_back(s.substr(0, pos));
        if (pos == std::string_view::npos) return out;
        s.remove_prefix(pos + 1);
    }
}

bool safe_component(std::string_view s) {
    return !s.empty() && s != "." && s != ".." && s.find('/') == std::string_view::npos;
}

}  // namespace

std::optional<std::string> cgroup_from_proc(std::string_view text) {
    for (auto line : split(text, '\n')) {
        if (!line.starts_with("0::")) continue;
        line.remove_prefix(3);
        if (line.ends_with(" (deleted)") || line.empty() || line.front() != '/')
            return std::nullopt;
        return std::string(line);
    }
    return std::nullopt;
}

std::string expand_slice(std::string_view slice) {
    if (slice.empty() || slice == "-" || slice == "-.slice") return "";
    const std::string shown(slice);
    if (!slice.ends_with(kSliceSuffix) || slice.find('/') != std::string_view::npos)
        throw Error("bad systemd slice '" + shown + "': expected a name like a-b.slice");
    std::string_view base = slice.substr(0, slice.size() - kSliceSuffix.size());
    if (base.empty() || base.front() == '-' || base.back() == '-' ||
        base.find("--") != std::string_view::npos)
        throw Error("bad systemd slice '" + shown + "': empty component");
    std::string path, prefix;
    for (auto part : split(base, '-')) {
        if (!prefix.empty()) prefix += '-';
        prefix += part;
        path += "/" + prefix + std::string(kSliceSuffix);
    }
    return path;
}

std::optional<std::string> cgroup_from_cgroups_path(std::string_view cp) {
    auto parts = split(cp, ':');
    if (parts.size() == 3) {
        auto [slice, prefix, name] = std::tuple(parts[0], parts[1], parts[2]);
        if (!safe_component(name))
            throw Error("bad cgroupsPath '" + std::string(cp) + "': empty unit name");
        std::string unit;
        if (name.ends_with(kSliceSuffix))
            unit = std::string(name);
        else
            unit = (prefix.empty() ? "" : std::string(prefix) + "-") + std::string(name) + ".scope";
        const std::string s = slice.empty() ? "system.slice" : std::string(slice);
        return expand_slice(s) + "/" + unit;
    }
    if (parts.size() != 1)
        throw Error("bad cgroupsPath '" + std::string(cp) +
                    "': use slice:prefix:name or an absolute path");
    if (cp.empty()) return std::nullopt;  // runc default: relative to its own cgroup
    if (cp.front() != '/') return std::nullopt;
    for (auto c : split(cp.substr(1), '/'))
        if (c == "..") throw Error("bad cgroupsPath '" + std::string(cp) + "': contains ..");
    std::string out(cp);
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

std::string container_cgroup_dir(const std::string& cgroup_root, std::optional<int> pid,
                                 const std::function<std::string()>& cgroups_path) {
    std::optional<std::string> rel;
    if (pid && *pid > 0) {
        try {
            rel = cgroup_from_proc(read_file("/proc/" + std::to_string(*pid) + "/cgroup", 1 << 16));
        } catch (const Error&) {
        }
    }
    if (!rel) rel = cgroup_from_cgroups_path(cgroups_path());
    if (!rel)
        throw Error(
            "cannot find the container's cgroup: no live pid and linux.cgroupsPath is "
            "relative; attach while the container's process exists (createRuntime)");
    if (*rel == "/" || rel->empty())
        throw Error(
            "the container runs in the root cgroup: refusing to attach host-wide "
            "(use tcp-splice-ctl enable for that)");
    return cgroup_root + *rel;
}

}  // namespace tsp
