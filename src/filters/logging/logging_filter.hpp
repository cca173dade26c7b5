#pragma once
// The request log's filter. on_request checks the attribution headers
// (x-torii-user, x-torii-tags, x-torii-metadata, x-torii-session-id) and,
// with `logging.bodies`, keeps a capped copy of the request body; on_chunk
// keeps the answer as it goes out; on_complete builds the record and hands
// it to the writer's ring. Every request on the API surfaces is logged:
// answered, refused (401, 404, 413...), failed upstream or cancelled.
#include "filters/logging/log_writer.hpp"
#include "filters/logging/logging_section.hpp"
#include "pipeline/filter.hpp"

namespace torii::filters::logging {

class LoggingFilter final : public pipeline::Filter {
 public:
  LoggingFilter(const LoggingSection& section, LogWriter* writer, size_t index)
      : section_(section), writer_(writer), index_(index) {}
  std::string_view name() const override { return "logging"; }
  std::optional<ApiError> on_request(pipeline::RequestContext& ctx) const override;
  void on_chunk(pipeline::RequestContext& ctx, std::string_view data) const override;
  void on_complete(pipeline::RequestContext& ctx) const override;

 private:
  LoggingSection section_;
  LogWriter* writer_;  // null: logging is off for this snapshot
  size_t index_;
};

// Starts the process's log writer on {store.path}/torii.db (creating the
// directory) when the config logs requests; null with `error` when it cannot.
// Returns null without an error when logging is off.
LogWriter* start_writer(const Config& config, std::string& error);

// The attribution headers' checks, shared with the tests: an error naming
// the header, or nothing.
std::optional<ApiError> check_attribution(const http::Headers& headers);

}  // namespace torii::filters::logging
