#pragma once
// One stored answer: the complete JSON answer in its surface's format (a
// stream is stored as the answer it adds up to), who produced it, and its
// usage and cost, so that a hit can say what it saved.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "llm/usage.hpp"

namespace torii::filters::cache {

struct CachedAnswer {
  std::string body;
  std::string provider, upstream_model;
  llm::Usage usage;
  std::optional<double> cost_usd;  // unset: the price was unknown
  int64_t created_us = 0;          // Unix time it was stored
  double similarity = 1;           // set on a semantic hit (not stored)

  size_t footprint() const { return sizeof(*this) + body.size() + provider.size() + upstream_model.size(); }
};

// The form kept in Redis: one line of JSON metadata, then the body as is.
std::string encode(const CachedAnswer& a);
bool decode(std::string_view text, CachedAnswer& a);

}  // namespace torii::filters::cache
