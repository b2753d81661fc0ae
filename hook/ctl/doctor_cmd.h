// tcp-splice-ctl doctor: one line per check of core/doctor.h (or a JSON
// array); the exit status is the worst level: 0 ok, 1 warn, 2 fail.
#pragma once

#include "ctl/cli.h"

namespace tsp::ctl {

int run_doctor(const Options& opts);

}  // namespace tsp::ctl
