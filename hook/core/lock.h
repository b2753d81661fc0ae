// Exclusive flock held for the lifetime of the object: serialises every
// mutation of the pins, so concurrent ctl/hook invocations are safe.
#pragma once

#include <string>

#include "core/fd.h"

namespace tsp {

class FileLock {
public:
    explicit FileLock(const std::string& path);

private:
    UniqueFd fd_;
};

}  // namespace tsp
