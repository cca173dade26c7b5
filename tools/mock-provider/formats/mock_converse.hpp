#pragma once
// Deterministic answers in the Amazon Bedrock Converse / ConverseStream wire
// format. The request is read into the equivalent OpenAI chat request and
// answered by mock_llm, so Bedrock gives the same reply text, the same tool
// decision and arguments, and the same token counts as the OpenAI answer; only
// the envelope, the ids and the error shapes are Bedrock's.
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "providers/mock/mock_llm.hpp"

namespace torii::mock {

struct ConverseAnswer {
  int status = 200;
  std::string error_type;  // AWS's x-amzn-ErrorType when status != 200 (ValidationException, ...)
  std::string body;        // the Converse response, or {"message": ...}
};

// One ConverseStream event before framing: its :event-type and JSON payload.
struct ConverseEvent {
  std::string type;      // messageStart, contentBlockStart, contentBlockDelta, contentBlockStop, messageStop, metadata
  std::string payload;
  bool content = false;  // carries reply text or tool input, so a server can pace it like tokens
};

struct ConverseStreamAnswer {
  ConverseAnswer error;  // status 200 when the stream is valid
  std::vector<ConverseEvent> events;
};

// `model_id` is the (decoded) {modelId} of the path. `latency_ms` is reported
// as metrics.latencyMs.
ConverseAnswer converse(const boost::json::object& req, std::string_view model_id, const GenerateOptions& gen = {},
                        int latency_ms = 0);
ConverseStreamAnswer converse_stream(const boost::json::object& req, std::string_view model_id,
                                     const GenerateOptions& gen = {}, int latency_ms = 0);

// CountTokens: {"input": {"converse": {messages, system, toolConfig,
// additionalModelRequestFields}}} → {"inputTokens": N}, N being the
// inputTokens Converse would report. {"input": {"invokeModel": ...}} and
// models that do not count (Amazon Nova, cross-region inference profiles
// such as us.anthropic...) are a ValidationException, as on AWS.
ConverseAnswer count_tokens(const boost::json::object& req, std::string_view model_id);

// Bedrock's error for an HTTP status: 429 ThrottlingException, 500
// InternalServerException, 503 ServiceUnavailableException, 424
// ModelErrorException, ... `code` overrides: an exception name is used as is,
// and OpenAI's context_length_exceeded becomes Bedrock's "Input is too long".
struct BedrockError {
  int status = 500;
  std::string type;     // as in x-amzn-ErrorType
  std::string message;
};
BedrockError bedrock_error(int status, std::string_view code = {});
// {"message": ...}
std::string bedrock_error_body(std::string_view message);
// The member name a ConverseStream exception event carries (throttlingException
// for ThrottlingException), and its payload.
std::string stream_exception_type(std::string_view error_type);
std::string stream_exception_payload(const BedrockError& e);

}  // namespace torii::mock
