#pragma once
// A provider family: the one place that knows which config types it serves,
// what its providers serve, where requests go, how credentials are sent,
// which wire format a client's body can be forwarded to it in untouched, and
// how one attempt is made. The router and the surfaces ask the family; they
// never name one. Each folder under src/providers/ registers its families
// (CMake generates the calls), so a new family is a new folder (and its type
// name in the config's list of types, config/config.cpp, which validates
// the type-specific fields).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "http/percent.hpp"
#include "providers/attempt.hpp"
#include "providers/token_counter.hpp"

namespace torii::providers {

struct Family {
  std::string name;
  std::vector<std::string> types;  // config `type` values served by this family
  // Bodies already in this format go as they are (but for `model`); every
  // other request is translated to the canonical format first.
  std::optional<WireFormat> native;
  bool (*supports)(Endpoint) = nullptr;
  // Path and query of a request for `model` (origin.path included).
  std::string (*target)(const Provider&, Endpoint, std::string_view model, bool stream) = nullptr;
  // Puts the credentials of the config into the provider (headers, keys).
  void (*credentials)(Provider&, const ProviderConfig&) = nullptr;
  bool needs_base_url = true;  // false: answered in-process
  boost::asio::awaitable<AttemptOutcome> (*prepare)(http::UpstreamClient&, const AttemptRequest&) = nullptr;
  // Counts a prompt's tokens upstream (count_tokens); null: Torii estimates.
  const TokenCounter* counter = nullptr;
};

class FamilyRegistry {
 public:
  void add(Family f) { families_.push_back(std::move(f)); }
  const Family* find(std::string_view type) const;
  // Every folder's families (the generated registrations, once).
  static const FamilyRegistry& builtin();

 private:
  std::vector<Family> families_;
};

// The credentials most OpenAI-like hosts take: Authorization: Bearer KEY.
void bearer_credentials(Provider& p, const ProviderConfig& cfg);
bool serves_everything(Endpoint);
bool serves_chat_only(Endpoint e);
bool serves_all_but_legacy_completions(Endpoint e);

}  // namespace torii::providers
