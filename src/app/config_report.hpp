#pragma once
// GET /admin/config: the configuration a snapshot runs with, as JSON, with
// every secret masked (API keys, AWS secrets, admin and gateway keys, header
// values that look like credentials).
#include <string>

#include "config/config.hpp"

namespace torii::app {

std::string config_report(const Config& config);

}  // namespace torii::app
