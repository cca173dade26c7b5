#pragma once
// Deterministic answers in the Anthropic Messages, Gemini and Cohere v2 wire
// formats. Each request is read into the equivalent OpenAI chat request and
// answered by mock_llm, so every format gives the same reply text, the same
// tool-call decision and arguments, and the same token counts as the OpenAI
// answer; only the envelope differs. Errors come back in the format's own
// error shape.
#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "providers/mock/mock_llm.hpp"

namespace torii::mock {

// ---------------------------------------------------------------- Anthropic
// POST /v1/messages. The model comes from the body. Streams are SSE events with
// `event:` lines: message_start, content_block_start, ping, content_block_delta...,
// content_block_stop, message_delta, message_stop.
Answer anthropic_messages(const boost::json::object& req, const GenerateOptions& gen = {});
StreamAnswer anthropic_messages_stream(const boost::json::object& req, const GenerateOptions& gen = {},
                                       const StreamOptions& opt = {});
// POST /v1/messages/count_tokens: {"input_tokens":N}.
Answer anthropic_count_tokens(const boost::json::object& req);
// GET /v1/models in the Anthropic shape.
std::string anthropic_model_list();
std::string anthropic_model(std::string_view id);

// The error type Anthropic uses for an HTTP status (529 → overloaded_error, ...).
std::string_view anthropic_error_type(int status);
// {"type":"error","error":{"type","message"},"request_id"}; an empty request_id is left out.
std::string anthropic_error_body(std::string_view type, std::string_view message,
                                 std::string_view request_id = {});
// The in-stream form: "event: error\ndata: {...}\n\n".
std::string anthropic_error_event(std::string_view type, std::string_view message);

// ---------------------------------------------------------------- Gemini
// POST /v1beta/models/{model}:generateContent and :streamGenerateContent?alt=sse.
// Stream chunks are "data: {GenerateContentResponse}\r\n\r\n" with no end marker;
// the last one carries finishReason and the full usageMetadata.
Answer gemini_generate(const boost::json::object& req, std::string_view model, const GenerateOptions& gen = {});
StreamAnswer gemini_generate_stream(const boost::json::object& req, std::string_view model,
                                    const GenerateOptions& gen = {}, const StreamOptions& opt = {});
Answer gemini_count_tokens(const boost::json::object& req, std::string_view model);
// :embedContent → {"embedding":{"values":[...]}}; :batchEmbedContents →
// {"embeddings":[...]}. The vectors are the OpenAI mock's for the same text.
Answer gemini_embed(const boost::json::object& req, std::string_view model);
Answer gemini_batch_embed(const boost::json::object& req, std::string_view model);
std::string gemini_model_list();

// The google.rpc status name Google APIs pair with an HTTP status.
std::string_view gemini_status_name(int status);
// {"error":{"code","message","status"}}; `details_json`, when given, is a JSON
// array added as error.details.
std::string gemini_error_body(int status, std::string_view message, std::string_view status_name = {},
                              std::string_view details_json = {});
// The in-stream form: "data: {\"error\":{...}}\r\n\r\n".
std::string gemini_error_event(int status, std::string_view message, std::string_view status_name = {});

// ---------------------------------------------------------------- Cohere
// POST /v2/chat. Streams are SSE events with `event:` lines whose data carries
// "type": message-start, content-start, content-delta..., content-end (or
// tool-plan-delta..., tool-call-start, tool-call-delta..., tool-call-end),
// message-end.
Answer cohere_chat(const boost::json::object& req, const GenerateOptions& gen = {});
StreamAnswer cohere_chat_stream(const boost::json::object& req, const GenerateOptions& gen = {},
                                const StreamOptions& opt = {});
// {"message": ...}
std::string cohere_error_body(std::string_view message);

// The first field of `o` that `known` does not name ("" when none): what
// the real APIs refuse instead of ignoring, so that a translator sending a
// field the provider does not take fails here as it would there.
template <size_t N>
std::string_view unknown_field(const boost::json::object& o, const std::string_view (&known)[N]) {
  for (const auto& kv : o)
    if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known)) return kv.key();
  return {};
}
// A stream cut short by an error ends with a message-end whose finish_reason is
// ERROR and whose delta carries the message.
std::string cohere_error_event(std::string_view message);

}  // namespace torii::mock
