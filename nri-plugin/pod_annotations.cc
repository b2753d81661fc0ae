#include "pod_annotations.h"

namespace tsp::nri {
namespace {

bool ours(const std::string& key) { return key.starts_with(kAnnotationPrefix); }

}  // namespace

Annotations effective_annotations(const Annotations& pod, const Annotations& container,
                                  const std::string& container_name) {
    const std::string suffix = ".container." + container_name;
    Annotations out;
    // Lowest precedence first; later writes win.
    for (const auto& [k, v] : pod)
        if (ours(k) && k.find(".container.") == std::string::npos) out[k] = v;
    for (const auto& [k, v] : container)
        if (ours(k)) out[k] = v;
    for (const auto& [k, v] : pod)
        if (ours(k) && k.size() > suffix.size() && k.ends_with(suffix))
            out[k.substr(0, k.size() - suffix.size())] = v;
    return out;
}

}  // namespace tsp::nri
