// tcp-splice-ctl runtime configure | unconfigure: edit a container runtime's
// config so it uses tcp-splice (docker, containerd, crio, podman).
#pragma once

#include "ctl/cli.h"

namespace tsp::ctl {

int run_runtime(const Options& o);

}  // namespace tsp::ctl
