#pragma once
// The filters of one config snapshot, in order, and the registry they are
// built from. Each concern under src/filters/<name>/ registers a factory with
// its place in the chain; CMake generates the call to every folder's
// registration function, so adding a concern is adding a folder.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/section.hpp"
#include "pipeline/filter.hpp"

namespace torii::pipeline {

// Builds a concern's filter from the config, or nothing when the config does
// not turn the concern on. `index` is the filter's state slot in a
// RequestContext.
using FilterFactory = std::function<std::unique_ptr<Filter>(const Config&, size_t index)>;

struct FilterRegistration {
  std::string name;
  int order = 0;  // lower runs first: auth 100, rate limits 200, budgets 300, ...
  FilterFactory make;
};

class FilterRegistry {
 public:
  void add(FilterRegistration r) { entries_.push_back(std::move(r)); }
  const std::vector<FilterRegistration>& entries() const { return entries_; }
  // The top-level config sections the concerns read themselves.
  void add_section(config::Section s) { sections_.add(std::move(s)); }
  // A field of every `models` entry that a concern reads itself.
  void add_model_section(config::Section s) { sections_.add_model(std::move(s)); }
  void add_check(config::Sections::Check c) { sections_.add_check(std::move(c)); }
  const config::Sections& sections() const { return sections_; }

  // Every registered concern (the generated registrations, once).
  static const FilterRegistry& builtin();

 private:
  std::vector<FilterRegistration> entries_;
  config::Sections sections_;
};

class FilterChain {
 public:
  FilterChain() = default;
  FilterChain(const FilterRegistry& registry, const Config& config);

  // Runs on_request in order; the first error stops the chain.
  std::optional<ApiError> on_request(RequestContext& ctx) const;
  // Runs on_admit of the filters that decide at once, in order; the first
  // error stops it and marks the context. Then on_admit_async runs the
  // filters that wait on a store (when admits_async()).
  std::optional<ApiError> on_admit(RequestContext& ctx, const Admission& a) const;
  bool admits_async() const { return admits_async_; }
  boost::asio::awaitable<std::optional<ApiError>> on_admit_async(RequestContext& ctx, const Admission& a) const;
  bool inspects_input() const { return inspects_input_; }
  std::optional<ApiError> on_input(RequestContext& ctx, Input& in) const;
  bool inspects_input_async() const { return inspects_input_async_; }
  boost::asio::awaitable<std::optional<ApiError>> on_input_async(RequestContext& ctx, Input& in) const;
  std::optional<ApiError> on_answer(RequestContext& ctx, int status, std::string& body) const;
  bool on_events(RequestContext& ctx, std::string& events) const;
  // Runs on_lookup of the filters that look up, in order, until one answers.
  bool looks_up() const { return looks_up_; }
  boost::asio::awaitable<bool> on_lookup(RequestContext& ctx, const Lookup& l) const;
  void on_head(RequestContext& ctx, int status, http::Headers& headers) const;
  void on_chunk(RequestContext& ctx, std::string_view data) const;
  // Every filter, in reverse order (the last to see the request first).
  void on_complete(RequestContext& ctx) const;

  size_t size() const { return filters_.size(); }
  const Filter* find(std::string_view name) const;

 private:
  std::vector<std::unique_ptr<Filter>> filters_;
  bool admits_async_ = false;
  bool looks_up_ = false;
  bool inspects_input_ = false;
  bool inspects_input_async_ = false;
};

}  // namespace torii::pipeline
