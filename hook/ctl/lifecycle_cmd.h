// tcp-splice-ctl disable --all (remove everything tcp-splice left on the
// host, for package removal) and gc (remove what outlived its cgroup).
#pragma once

#include "core/busy_read_record.h"
#include "core/paths.h"
#include "ctl/cli.h"

namespace tsp::ctl {

int run_disable_all(const Options& o);
int run_gc(const Options& o);

// disable's busy_read/busy_poll step: restores each that still holds our
// value and prints what it did, one line per sysctl (nothing when we never
// changed them).
void restore_busy_sysctls_and_say(const Paths& paths);

}  // namespace tsp::ctl
