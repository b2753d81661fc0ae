#include "core/oci_state.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace tsp {
namespace {

using nlohmann::json;

json parse_object(std::string_view text, const char* what) {
    if (text.size() > kMaxStateBytes)
        throw Error(std::string(what) + " is " + std::to_string(text.size()) +
                    " bytes, more than the " + std::to_string(kMaxStateBytes) + " accepted");
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded()) throw Error(std::string(what) + " is not valid JSON");
    if (!j.is_object()) throw Error(std::string(what) + " is not a JSON object");
    return j;
}

Annotations annotations_of(const json& v, const char* what) {
    if (v.is_null()) return {};
    if (!v.is_object()) throw Error(std::string(what) + ": annotations is not an object");
    Annotations out;
    for (auto it = v.begin(); it != v.end(); ++it) {
        if (!it.value().is_string())
            throw Error(std::string(what) + ": annotation " + it.key() + " is not a string");
        out.emplace(it.key(), it.value().get<std::string>());
    }
    return out;
}

OciState state_of(std::string_view text) {
    const json j = parse_object(text, "the OCI state on stdin");
    OciState st;
    auto id = j.find("id");
    if (id == j.end() || !id->is_string() || id->get<std::string>().empty())
        throw Error("the OCI state on stdin has no container id");
    st.id = id->get<std::string>();
    if (st.id.size() > 1024) throw Error("the OCI state's container id is over 1024 bytes");
    if (auto pid = j.find("pid"); pid != j.end() && pid->is_number_integer()) {
        auto v = pid->get<long long>();
        if (v > 0 && v <= 0x7fffffff) st.pid = static_cast<int>(v);
    }
    if (auto b = j.find("bundle"); b != j.end() && b->is_string())
        st.bundle = b->get<std::string>();
    if (auto a = j.find("annotations"); a != j.end())
        st.annotations = annotations_of(*a, "the OCI state");
    return st;
}

BundleConfig bundle_config_of(std::string_view text) {
    const json j = parse_object(text, "config.json");
    BundleConfig cfg;
    if (auto a = j.find("annotations"); a != j.end())
        cfg.annotations = annotations_of(*a, "config.json");
    if (auto l = j.find("linux"); l != j.end() && l->is_object())
        if (auto c = l->find("cgroupsPath"); c != l->end() && c->is_string())
            cfg.cgroups_path = c->get<std::string>();
    return cfg;
}

// The boundary: whatever nlohmann throws leaves as our Error, the only
// exception the hook's callers expect.
template <typename F>
auto json_boundary(const char* what, F&& parse) -> decltype(parse()) {
    try {
        return parse();
    } catch (const json::exception& e) {
        throw Error(std::string(what) + ": " + e.what());
    }
}

}  // namespace

OciState parse_state(std::string_view text) {
    return json_boundary("the OCI state on stdin", [&] { return state_of(text); });
}

BundleConfig parse_bundle_config(std::string_view text) {
    return json_boundary("config.json", [&] { return bundle_config_of(text); });
}

}  // namespace tsp
