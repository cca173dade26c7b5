#pragma once
// The admin API over the request log: GET /admin/logs (filters, cursor
// pagination), GET /admin/logs/{request_id} (with bodies) and GET
// /admin/spend (grouped totals), over the SQLite file or PostgreSQL (see
// log_reader.hpp). Each call runs on the caller's thread, which must not be
// a worker's event loop (the gateway runs these on its admin thread).
#include <string>
#include <string_view>

#include "filters/logging/log_time.hpp"
#include "store/open_stores.hpp"

namespace torii::filters::logging {

struct QueryAnswer {
  int status = 200;
  std::string body;  // JSON; an OpenAI-shaped error when status is not 200
};

QueryAnswer list_logs(const store::StoreLocation& where, std::string_view query_string);
QueryAnswer get_log(const store::StoreLocation& where, std::string_view request_id);
QueryAnswer spend_report(const store::StoreLocation& where, std::string_view query_string);

}  // namespace torii::filters::logging
