#pragma once
// Top-level config sections owned by a concern. A concern (a folder under
// src/filters/) registers the sections it reads; the loader hands each
// section's YAML to its parser and keeps the result in Config::sections,
// where the concern finds it again by name. The core settings (listen,
// providers, models, routes...) are read by config.cpp itself.
#include <any>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace torii {
struct Config;
}

namespace torii::config {

class Reader;
struct Field;

struct Section {
  std::string name;  // the top-level key
  // Reads the section; errors go to the reader. The value is stored even
  // when there were errors, but a config with errors is never used.
  std::function<std::any(Reader&, const Field&)> parse;
  // The parsed value for GET /admin/config as JSON text, secrets masked
  // (see mask_secret); none: the section is listed without its contents.
  std::function<std::string(const std::any&)> describe;
};

// "****" and the last four characters of a secret long enough to keep them
// unguessable, else "****".
std::string mask_secret(std::string_view secret);

class Sections {
 public:
  void add(Section s) { all_.push_back(std::move(s)); }
  const Section* find(std::string_view name) const { return find_in(all_, name); }
  const std::vector<Section>& all() const { return all_; }

  // Sections a concern reads inside each `models` entry (a model's own
  // `cache:`), kept in ModelConfig::sections under the same name. Their
  // parser gets the field named by its full path ("models[2].cache"), for
  // its error messages.
  void add_model(Section s) { model_.push_back(std::move(s)); }
  const Section* find_model(std::string_view name) const { return find_in(model_, name); }
  const std::vector<Section>& model_sections() const { return model_; }

  // Checks across sections, run once the whole file is read (a model's
  // `guardrails:` naming rules of the `guardrails` section); they report
  // through the reader, with the lines their sections kept.
  using Check = std::function<void(const Config&, Reader&)>;
  void add_check(Check c) { checks_.push_back(std::move(c)); }
  const std::vector<Check>& checks() const { return checks_; }

 private:
  static const Section* find_in(const std::vector<Section>& list, std::string_view name) {
    for (const auto& s : list)
      if (s.name == name) return &s;
    return nullptr;
  }

  std::vector<Section> all_;
  std::vector<Section> model_;
  std::vector<Check> checks_;
};

// Every concern's sections (registered with the filters, see
// pipeline/filter_chain.hpp).
const Sections& builtin_sections();

}  // namespace torii::config
