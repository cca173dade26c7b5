// The request scanner (src/llm/json_scan.*): the single-pass validator that
// finds `model`, `stream`, `stream_options`, `user`, `metadata` and the
// output caps of every request body, the model rewrite that pass-through
// bodies get, the stream-usage insertion, body_user and is_usage_only_chunk.
//
// Properties:
// - it never throws (every surface scans the body first);
// - the scanner accepts what boost::json accepts (and what it accepts,
//   boost::json parses, but for lone surrogate escapes and exponents beyond
//   an int, which boost refuses);
// - the model it routes on is the `model` an upstream parser sees (the
//   last one, whatever its spelling);
// - replace_model changes only the model token: every other byte is the
//   same, the result is valid JSON and its model is the new one;
// - with_stream_usage gives valid JSON with stream_options.include_usage true.
#include "fuzz.hpp"
#include "llm/json_scan.hpp"

namespace {

using namespace torii::llm;

bool has_lone_surrogate_escape(std::string_view s) {
  // Conservative: any \uD800-\uDFFF escape at all.
  for (size_t i = 0; i + 5 < s.size(); ++i)
    if (s[i] == '\\' && s[i + 1] == 'u' && (s[i + 2] == 'd' || s[i + 2] == 'D') &&
        std::string_view("89abAB89abcdefCDEF").find(s[i + 3]) != std::string_view::npos)
      return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = fuzz::text_of(data, size);
  RequestScan scan = fuzz::must_not_throw("scan_request", [&] { return scan_request(body); });

  boost::json::error_code ec;
  boost::json::parse_options deep;
  deep.max_depth = 128;  // the scanner's limit: 128 levels in all
  boost::json::value parsed = boost::json::parse(body, ec, {}, deep);
  if (!ec) FUZZ_CHECK(scan.valid);
  // boost::json also refuses numbers whose exponent overflows an int
  // (1e2147483648), which the JSON grammar allows.
  if (scan.valid && !has_lone_surrogate_escape(body) && ec != boost::json::error::exponent_overflow)
    FUZZ_CHECK(!ec);
  // The same grammar, but that scan_request also refuses a model naming a
  // lone surrogate, which decodes to no string.
  const bool grammar = is_valid_json(body, nullptr, 128);
  FUZZ_CHECK(scan.valid == grammar || (grammar && has_lone_surrogate_escape(body)));
  if (!scan.valid) {
    FUZZ_CHECK(!scan.error.empty());
    return 0;
  }
  // Lone surrogates, huge exponents: the translating paths answer 400
  // (invalid JSON); pass-through forwards them as they are.
  if (ec) return 0;
  FUZZ_CHECK(scan.is_object == parsed.is_object());
  if (!parsed.is_object()) return 0;
  const boost::json::object& obj = parsed.get_object();

  // What routing reads is what the upstream will read.
  const boost::json::value* model = obj.if_contains("model");
  FUZZ_CHECK(scan.has_model == (model != nullptr));
  if (model) {
    FUZZ_CHECK(scan.model_is_string == model->is_string());
    if (model->is_string()) FUZZ_CHECK(scan.model == std::string_view(model->get_string()));
  }
  const boost::json::value* stream = obj.if_contains("stream");
  FUZZ_CHECK(scan.stream == (stream && stream->is_bool() && stream->get_bool()));
  FUZZ_CHECK(scan.choices >= 1 || scan.choices == -1);
  FUZZ_CHECK(scan.max_output_tokens >= -1 && scan.max_output_tokens <= 1'000'000'000'000);
  for (Span s : {scan.model_token, scan.stream_options_token, scan.user_token, scan.metadata_token, scan.usage_token}) {
    FUZZ_CHECK(s.begin <= s.end && s.end <= body.size());
    if (!s.empty()) FUZZ_CHECK(is_valid_json(body.substr(s.begin, s.end - s.begin)));
  }
  (void)body_user(body, scan);
  (void)is_usage_only_chunk(body);

  if (scan.has_model) {
    for (std::string_view m : {std::string_view("gpt-4o-mini"), std::string_view("a\"b\\c\n\x01\xe2\x82\xac"),
                               std::string_view(scan.model)}) {
      std::string out = replace_model(body, scan, m);
      std::string token;
      append_json_string(token, m);
      const Span t = scan.model_token;
      FUZZ_CHECK(out.size() == body.size() - (t.end - t.begin) + token.size());
      FUZZ_CHECK(std::string_view(out).substr(0, t.begin) == body.substr(0, t.begin));
      FUZZ_CHECK(std::string_view(out).substr(t.begin, token.size()) == token);
      FUZZ_CHECK(std::string_view(out).substr(t.begin + token.size()) == body.substr(t.end));
      RequestScan again = scan_request(out);
      FUZZ_CHECK(again.valid && again.is_object && again.model_is_string);
      FUZZ_CHECK(again.model == m);
      boost::json::value reparsed = boost::json::parse(out, ec, {}, deep);
      FUZZ_CHECK(!ec);
      FUZZ_CHECK(reparsed.get_object().at("model").get_string() == m);
    }
  }

  std::string with_usage;
  if (with_stream_usage(body, scan, with_usage)) {
    boost::json::value v = boost::json::parse(with_usage, ec, {}, deep);
    FUZZ_CHECK(!ec && v.is_object());
    const boost::json::value* so = v.get_object().if_contains("stream_options");
    FUZZ_CHECK(so && so->is_object());
    const boost::json::value* iu = so->get_object().if_contains("include_usage");
    FUZZ_CHECK(iu && iu->is_bool() && iu->get_bool());
    RequestScan again = scan_request(with_usage);
    FUZZ_CHECK(again.valid && again.model == scan.model);
  } else {
    FUZZ_CHECK(with_usage.empty());
  }
  return 0;
}
