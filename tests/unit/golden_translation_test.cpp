// Golden translation tests: every JSON file in tests/unit/data/golden is one
// case whose provider-side JSON was taken from that provider's own
// documentation (its "source" URL), not from Torii's code. A case is
//
//   {"source": URL, "family": anthropic|gemini|bedrock|cohere|responses,
//    "direction": "request" | "answer",
//    "input": {...}, "expected": {...},
//    "options":   {"model": ..., "default_max_tokens": ..., "id": ...},   (optional)
//    "generated": {"path": "string" | "integer" | ...},                     (optional)
//    "ignored":   ["path", ...], "why": "...",                              (optional)
//    "note": "..."}                                                         (optional)
//
// request: `input` is an OpenAI chat request, `expected` the exact body Torii
// must send to the provider. answer: `input` is the provider's answer,
// `expected` the exact OpenAI chat.completion Torii must return. The whole
// object is compared; the only exceptions are the paths in "generated"
// (values Torii makes per request, such as created: they must be present and
// of the named type) and in "ignored" (each with a written reason).
// Paths look like choices[0].message.tool_calls[0].id.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "llm/anthropic_format.hpp"
#include "llm/bedrock_format.hpp"
#include "llm/cohere_format.hpp"
#include "llm/gemini_format.hpp"
#include "llm/responses_format.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

fs::path golden_dir() { return fs::path(TORII_TEST_DATA_DIR) / "golden"; }

std::vector<std::string> case_files() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(golden_dir(), ec))
    if (entry.is_regular_file() && entry.path().extension() == ".json") out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

json::object load_case(const std::string& file, std::string& error) {
  std::ifstream in(golden_dir() / file, std::ios::binary);
  if (!in) {
    error = "cannot open " + file;
    return {};
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  json::error_code ec;
  json::value v = json::parse(buffer.str(), ec);
  if (ec || !v.is_object()) {
    error = file + ": not a JSON object (" + ec.message() + ")";
    return {};
  }
  return std::move(v.as_object());
}

std::string str_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// --- paths -------------------------------------------------------------------

struct Step {
  std::string key;  // object member, or empty for an index
  size_t index = 0;
};

// "choices[0].message.tool_calls[0].id" -> steps; false when malformed.
bool parse_path(std::string_view path, std::vector<Step>& steps) {
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos || close == i + 1) return false;
      Step s;
      for (size_t k = i + 1; k < close; ++k) {
        if (path[k] < '0' || path[k] > '9') return false;
        s.index = s.index * 10 + size_t(path[k] - '0');
      }
      steps.push_back(s);
      i = close + 1;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    if (end == std::string_view::npos) end = path.size();
    steps.push_back(Step{std::string(path.substr(i, end - i))});
    i = end;
  }
  return !steps.empty();
}

// The value at `path`, or nullptr.
json::value* find_path(json::value& root, const std::vector<Step>& steps) {
  json::value* at = &root;
  for (const auto& s : steps) {
    if (!s.key.empty()) {
      if (!at->is_object()) return nullptr;
      at = at->as_object().if_contains(s.key);
    } else {
      if (!at->is_array() || s.index >= at->as_array().size()) return nullptr;
      at = &at->as_array()[s.index];
    }
    if (!at) return nullptr;
  }
  return at;
}

// Removes the member or element at `path` (true when it was there).
bool erase_path(json::value& root, const std::vector<Step>& steps) {
  std::vector<Step> parent_steps(steps.begin(), steps.end() - 1);
  json::value* parent = parent_steps.empty() ? &root : find_path(root, parent_steps);
  if (!parent) return false;
  const Step& last = steps.back();
  if (!last.key.empty()) return parent->is_object() && parent->as_object().erase(last.key) > 0;
  if (!parent->is_array() || last.index >= parent->as_array().size()) return false;
  parent->as_array().erase(parent->as_array().begin() + std::ptrdiff_t(last.index));
  return true;
}

bool has_type(const json::value& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_int64() || v.is_uint64();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_bool();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  return false;
}

// --- comparison --------------------------------------------------------------

std::string show(const json::value& v) {
  std::string s = json::serialize(v);
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

// The first difference between `expected` and `actual` (empty when equal):
// its path, and what each side holds there. Object member order does not
// matter; numbers compare by value (1 and 1.0 are equal).
std::string first_difference(const json::value& expected, const json::value& actual, const std::string& path) {
  const std::string where = path.empty() ? "(root)" : path;
  if (expected.is_number() && actual.is_number()) {
    bool equal = (expected.is_double() || actual.is_double())
                     ? expected.to_number<double>() == actual.to_number<double>()
                     : (expected.is_int64() && actual.is_int64()    ? expected.get_int64() == actual.get_int64()
                        : expected.is_uint64() && actual.is_uint64() ? expected.get_uint64() == actual.get_uint64()
                                                                     : expected.to_number<double>() == actual.to_number<double>());
    return equal ? std::string() : where + ": expected " + show(expected) + ", got " + show(actual);
  }
  if (expected.kind() != actual.kind() && !(expected.is_number() && actual.is_number()))
    return where + ": expected " + show(expected) + ", got " + show(actual);
  if (expected.is_object()) {
    const auto& e = expected.get_object();
    const auto& a = actual.get_object();
    for (const auto& [key, value] : e) {
      const std::string sub = path.empty() ? std::string(key) : path + "." + std::string(key);
      const auto* other = a.if_contains(key);
      if (!other) return sub + ": expected " + show(value) + ", missing from Torii's output";
      if (auto d = first_difference(value, *other, sub); !d.empty()) return d;
    }
    for (const auto& [key, value] : a)
      if (!e.contains(key)) {
        const std::string sub = path.empty() ? std::string(key) : path + "." + std::string(key);
        return sub + ": not expected, Torii's output has " + show(value);
      }
    return {};
  }
  if (expected.is_array()) {
    const auto& e = expected.get_array();
    const auto& a = actual.get_array();
    for (size_t i = 0; i < std::min(e.size(), a.size()); ++i)
      if (auto d = first_difference(e[i], a[i], path + "[" + std::to_string(i) + "]"); !d.empty()) return d;
    if (e.size() != a.size())
      return where + ": expected " + std::to_string(e.size()) + " elements, got " + std::to_string(a.size()) + " (" +
             show(actual) + ")";
    return {};
  }
  return expected == actual ? std::string() : where + ": expected " + show(expected) + ", got " + show(actual);
}

// --- running a case ----------------------------------------------------------

// Runs the translator the case names; `error` is set when it refused or the
// case names no translator.
json::object run_case(const json::object& c, std::string& error) {
  const std::string family = str_of(c, "family"), direction = str_of(c, "direction");
  const json::object* input = c.contains("input") && c.at("input").is_object() ? &c.at("input").get_object() : nullptr;
  if (!input) {
    error = "the case has no input object";
    return {};
  }
  json::object options;
  if (auto* o = c.if_contains("options"); o && o->is_object()) options = o->get_object();
  const std::string model = str_of(options, "model");
  int default_max_tokens = 4096;
  if (auto* d = options.if_contains("default_max_tokens"); d && d->is_int64()) default_max_tokens = int(d->get_int64());

  using namespace torii::llm;
  if (family == "anthropic" && direction == "request")
    return openai_to_anthropic_request(*input, model, default_max_tokens, error);
  if (family == "anthropic" && direction == "answer") return anthropic_to_openai_response(*input, model);
  if (family == "gemini" && direction == "request") return openai_to_gemini_request(*input, error);
  if (family == "gemini" && direction == "answer") return gemini_to_openai_response(*input, model);
  if (family == "bedrock" && direction == "request") return openai_to_converse_request(*input, error, model);
  if (family == "bedrock" && direction == "answer")
    return converse_to_openai_response(*input, model, str_of(options, "id"), {});
  if (family == "cohere" && direction == "request") return openai_to_cohere_request(*input, model, error);
  if (family == "cohere" && direction == "answer") return cohere_to_openai_response(*input, model);
  if (family == "responses" && direction == "request") {
    ResponsesRefusal refusal;
    json::array items = responses_input_items(*input, "golden", refusal);
    json::object out;
    if (!refusal.refused()) out = responses_to_chat_request(*input, items, refusal);
    if (refusal.refused()) error = refusal.message + " (" + refusal.param + ")";
    return out;
  }
  if (family == "responses" && direction == "answer") {
    const json::object* request = nullptr;
    if (auto* r = options.if_contains("request"); r && r->is_object()) request = &r->get_object();
    ResponseIdentity who{str_of(options, "id"), 0, request};
    return chat_to_response(*input, who);
  }
  error = "no translator for family '" + family + "' and direction '" + direction + "'";
  return {};
}

class GoldenTranslation : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTranslation, MatchesProviderDocs) {
  std::string error;
  json::object c = load_case(GetParam(), error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_TRUE(str_of(c, "source").starts_with("https://")) << "a case must name the doc page it was taken from";
  ASSERT_TRUE(c.contains("expected") && c.at("expected").is_object()) << "the case has no expected object";

  json::value actual = run_case(c, error);
  ASSERT_TRUE(error.empty()) << "the translator refused the case: " << error;
  json::value expected = c.at("expected");

  // Generated values: present, of the named type, then out of the comparison.
  if (auto* g = c.if_contains("generated")) {
    ASSERT_TRUE(g->is_object()) << "generated must map paths to types";
    for (const auto& [path, type] : g->get_object()) {
      std::vector<Step> steps;
      ASSERT_TRUE(parse_path(path, steps)) << "bad path '" << path << "'";
      ASSERT_TRUE(type.is_string()) << "generated." << path << " must name a type";
      const json::value* v = find_path(actual, steps);
      ASSERT_NE(v, nullptr) << path << ": Torii must generate it, but its output has none";
      EXPECT_TRUE(has_type(*v, type.get_string())) << path << ": expected a " << type.get_string() << ", got " << show(*v);
      erase_path(actual, steps);
      erase_path(expected, steps);
    }
  }
  // Ignored paths: only with a reason.
  if (auto* ig = c.if_contains("ignored")) {
    ASSERT_TRUE(ig->is_array()) << "ignored must be a list of paths";
    ASSERT_FALSE(str_of(c, "why").empty()) << "an ignored path needs a written reason (\"why\")";
    for (const auto& p : ig->get_array()) {
      std::vector<Step> steps;
      ASSERT_TRUE(p.is_string() && parse_path(p.get_string(), steps)) << "bad ignored path " << show(p);
      erase_path(actual, steps);
      erase_path(expected, steps);
    }
  }

  const std::string diff = first_difference(expected, actual, "");
  EXPECT_TRUE(diff.empty()) << GetParam() << " (" << str_of(c, "source") << ")\n  first difference at " << diff
                            << "\n  Torii's whole output: " << json::serialize(actual);
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.size() - 5);  // drop ".json"
  for (auto& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenTranslation, ::testing::ValuesIn(case_files()), case_name);

// Every family has its cases: at least two requests and two answers each.
TEST(GoldenTranslationCoverage, TwoRequestsAndTwoAnswersPerFamily) {
  std::map<std::string, int> counts;
  for (const auto& file : case_files()) {
    std::string error;
    json::object c = load_case(file, error);
    ASSERT_TRUE(error.empty()) << error;
    counts[str_of(c, "family") + "/" + str_of(c, "direction")]++;
  }
  for (const char* family : {"anthropic", "gemini", "bedrock", "cohere"})
    for (const char* direction : {"request", "answer"})
      EXPECT_GE(counts[std::string(family) + "/" + direction], 2) << family << " " << direction << " cases";
}

// The comparison itself: it must report the first difference by path.
TEST(GoldenTranslationCoverage, DiffNamesThePathOfTheFirstDifference) {
  json::value e = json::parse(R"({"a":{"b":[1,{"c":"x"}]},"n":1})");
  EXPECT_EQ(first_difference(e, json::parse(R"({"n":1.0,"a":{"b":[1,{"c":"x"}]}})"), ""), "");
  EXPECT_EQ(first_difference(e, json::parse(R"({"a":{"b":[1,{"c":"y"}]},"n":1})"), ""),
            R"(a.b[1].c: expected "x", got "y")");
  EXPECT_EQ(first_difference(e, json::parse(R"({"a":{"b":[1,{"c":"x"}]},"n":1,"z":0})"), ""),
            "z: not expected, Torii's output has 0");
  EXPECT_EQ(first_difference(e, json::parse(R"({"a":{"b":[1]},"n":1})"), ""), "a.b: expected 2 elements, got 1 ([1])");
}

}  // namespace
