// Which io.tcp-splice/* annotations apply to one container of a pod, with
// Kubernetes' precedence: the pod's "io.tcp-splice/<key>.container.<name>"
// over the container's own "io.tcp-splice/<key>" over the pod's
// "io.tcp-splice/<key>". Other annotations are ignored.
#pragma once

#include <string>

#include "core/annotations.h"

namespace tsp::nri {

Annotations effective_annotations(const Annotations& pod, const Annotations& container,
                                  const std::string& container_name);

}  // namespace tsp::nri
