#include "core/error.h"

#include <cstring>

namespace tsp {

std::string errno_message(const std::string& what, int err) {
    return what + ": " + std::strerror(err);
}

}  // namespace tsp
