// The request translators (src/llm/*_format.*), on a client body parsed as
// the gateway parses it (llm::parse_json):
// - as an OpenAI chat request, toward Anthropic, Gemini, Cohere and Bedrock
//   Converse (fuzz/family_requests.hpp);
// - as an Anthropic Messages request, into the canonical form
//   (anthropic_to_openai_request, what /v1/messages does for a target of
//   another family), and that canonical form on toward every family.
//
// Properties: no translator throws; every body serialises to valid JSON;
// unaccepted requests are refused through `error`; an accepted request
// gives each family alternating, non-empty turns; the canonical form of an
// Anthropic request passes the request scanner (llm/json_scan) as a JSON
// object with the request's model, and streams with usage when the
// request streams.
#include "family_requests.hpp"
#include "llm/json_scan.hpp"

namespace {

namespace llm = torii::llm;

void from_anthropic(const boost::json::object& request) {
  std::string error;
  auto canonical = fuzz::must_not_throw("anthropic_to_openai_request",
                                        [&] { return llm::anthropic_to_openai_request(request, error); });
  const std::string text = fuzz::serialized(canonical);
  if (!error.empty()) return;

  llm::RequestScan scan = llm::scan_request(text, 512);
  FUZZ_CHECK(scan.valid && scan.is_object && scan.model_is_string);
  FUZZ_CHECK(scan.model == llm::get::str(request, "model"));
  const boost::json::value* stream = request.if_contains("stream");
  const bool streams = stream && stream->is_bool() && stream->get_bool();
  FUZZ_CHECK(scan.stream == streams);
  if (streams) FUZZ_CHECK(llm::get::wants_stream_usage(canonical));

  // As prepare_translated gets it: the serialised text, parsed again.
  boost::json::value again = fuzz::parse_or_null(text);
  FUZZ_CHECK(again.is_object());
  fuzz::to_every_family(again.get_object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  boost::json::value body = fuzz::parse_or_null(fuzz::text_of(data, size));
  if (!body.is_object()) return 0;  // the gateway answers 400 before any translator
  fuzz::to_every_family(body.get_object());
  from_anthropic(body.get_object());
  return 0;
}
