#include "core/runtime_args.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "core/error.h"

namespace tsp {
namespace {

// Global flags of runc and crun that take a value.
constexpr std::array<std::string_view, 7> kGlobalValueFlags = {
    "root", "log", "log-format", "log-level", "criu", "rootless", "cgroup-manager"};
// create/run flags that take a value, besides the bundle.
constexpr std::array<std::string_view, 4> kCreateValueFlags = {"console-socket", "pid-file",
                                                               "preserve-fds", "pidfd-socket"};

struct Flag {
    std::string_view name;
    bool has_value = false;  // "--name=value"
    std::string_view value;
};

bool is_flag(std::string_view a) { return a.size() > 1 && a.front() == '-'; }

Flag split_flag(std::string_view a) {
    while (!a.empty() && a.front() == '-') a.remove_prefix(1);
    Flag f;
    auto eq = a.find('=');
    f.name = a.substr(0, eq);
    if (eq != std::string_view::npos) {
        f.has_value = true;
        f.value = a.substr(eq + 1);
    }
    return f;
}

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view name) {
    return std::find(set.begin(), set.end(), name) != set.end();
}

}  // namespace

std::string RuntimeInvocation::spec_path() const {
    return bundle.empty() ? "config.json" : bundle + "/config.json";
}

RuntimeInvocation parse_runtime_args(const std::vector<std::string>& args) {
    RuntimeInvocation inv;
    std::size_t i = 0;
    auto take_value = [&](const Flag& f, const std::string& arg) -> std::string {
        if (f.has_value) return std::string(f.value);
        if (i + 1 >= args.size()) throw Error("flag " + arg + " needs a value");
        return args[++i];
    };
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (!is_flag(a)) break;
        Flag f = split_flag(a);
        if (contains(kGlobalValueFlags, f.name)) take_value(f, a);
    }
    if (i >= args.size()) return inv;
    inv.command = args[i++];
    if (!inv.creates()) return inv;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!is_flag(a)) {
            inv.container_id = a;
            continue;
        }
        Flag f = split_flag(a);
        if (f.name == "b" || f.name == "bundle")
            inv.bundle = take_value(f, a);
        else if (contains(kCreateValueFlags, f.name))
            take_value(f, a);
    }
    return inv;
}

bool is_version_query(const std::vector<std::string>& args) {
    return args.size() == 1 && args[0] == "--version";
}

}  // namespace tsp
