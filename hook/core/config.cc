#include "core/config.h"

#include <sys/stat.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"

namespace tsp {
namespace {

using nlohmann::json;

const json* section(const json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end()) return nullptr;
    if (!it->is_object()) throw Error(std::string(name) + " must be an object");
    return &*it;
}

Config config_of(std::string_view text) {
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error("not a JSON object");
    Config c;
    if (const json* h = section(j, "hook")) {
        if (auto s = h->find("strict"); s != h->end()) {
            if (!s->is_boolean()) throw Error("hook.strict must be true or false");
            c.hook_strict = s->get<bool>();
        }
    }
    if (const json* r = section(j, "runtime")) {
        if (auto rt = r->find("runtimes"); rt != r->end()) {
            if (!rt->is_array() || rt->empty())
                throw Error("runtime.runtimes must be a non-empty list such as [\"runc\"]");
            c.runtimes.clear();
            for (const auto& v : *rt) {
                if (!v.is_string() || v.get<std::string>().empty())
                    throw Error("runtime.runtimes must hold names or absolute paths");
                c.runtimes.push_back(v.get<std::string>());
            }
        }
        if (auto hp = r->find("hook_path"); hp != r->end()) {
            if (!hp->is_string() || !hp->get<std::string>().starts_with("/"))
                throw Error("runtime.hook_path must be an absolute path");
            c.hook_path = hp->get<std::string>();
        }
    }
    if (const json* n = section(j, "nri")) {
        if (auto ma = n->find("metrics_address"); ma != n->end()) {
            if (!ma->is_string())
                throw Error("nri.metrics_address must be \"HOST:PORT\", e.g. \"127.0.0.1:9465\"");
            c.nri_metrics_address = ma->get<std::string>();
        }
    }
    return c;
}

}  // namespace

// Whatever nlohmann throws leaves as our Error, the only exception callers
// expect.
Config parse_config(std::string_view text) {
    try {
        return config_of(text);
    } catch (const json::exception& e) {
        throw Error(e.what());
    }
}

std::string config_path() {
    const char* env = std::getenv("TCP_SPLICE_CONFIG");
    return env && *env ? env : kDefaultConfigPath;
}

Config load_config(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return {};
    try {
        return parse_config(read_file(path, 1 << 20));
    } catch (const Error& e) {
        throw Error(path + ": " + e.what());
    }
}

}  // namespace tsp
