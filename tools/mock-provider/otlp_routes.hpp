#pragma once
// POST /v1/traces: an OpenTelemetry collector's OTLP/HTTP trace receiver,
// as a sink. It takes an export in either encoding and answers success with
// an empty ExportTraceServiceResponse (protobuf: no bytes; JSON: {}), so a
// gateway's tracing can run at full load against the mock (the benchmark's
// observed scenario). Counted in /mock/stats by path; the spans are not
// decoded (tests that check spans run their own receiver).
#include <boost/asio/awaitable.hpp>

#include "app.hpp"
#include "http/handler.hpp"

namespace torii::mock_server {

bool is_otlp_request(const http::Request& req);
boost::asio::awaitable<void> serve_otlp(App& app, http::Request& req, http::ResponseWriter& w);

}  // namespace torii::mock_server
