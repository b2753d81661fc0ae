#include "ctl/doctor_cmd.h"

#include <iostream>

#include "core/doctor.h"
#include "core/paths.h"

namespace tsp::ctl {

int run_doctor(const Options& o) {
    Paths paths;
    paths.bpffs = o.bpffs;
    const auto checks = doctor::evaluate(doctor::gather_facts(paths));
    if (o.json)
        std::cout << doctor::to_json(checks).dump(2) << "\n";
    else
        for (const auto& c : checks) std::cout << doctor::format_line(c) << "\n";
    return doctor::exit_status(checks);
}

}  // namespace tsp::ctl
