// tcp-splice-ctl disable --all (remove everything tcp-splice left on the
// host, for package removal) and gc (remove what outlived its cgroup).
#pragma once

#include "core/busy_read_record.h"
#include "core/paths.h"
#include "ctl/cli.h"

namespace tsp::ctl {

int run_disable_all(const Options& o);
int run_gc(const Options& o);

// disable's busy_read step: restores it when it still holds our value and
// prints what it did (nothing when we never changed it).
void restore_busy_read_and_say(const Paths& paths);

}  // namespace tsp::ctl
