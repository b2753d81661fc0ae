#include "core/pairs.h"

#include <sstream>

#include "core/error.h"
#include "core/files.h"

namespace tsp {

std::vector<PairInfo> parse_pairs(std::string_view text) {
    std::vector<PairInfo> out;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string field;
        PairInfo p;
        while (fields >> field) {
            auto eq = field.find('=');
            if (eq == std::string::npos || eq == 0) continue;
            p[field.substr(0, eq)] = field.substr(eq + 1);
        }
        if (!p.empty()) out.push_back(std::move(p));
    }
    return out;
}

std::vector<PairInfo> read_pairs(const Paths& paths) {
    try {
        return parse_pairs(read_file(paths.proc_pairs, 64 << 20));
    } catch (const Error&) {
        return {};
    }
}

}  // namespace tsp
