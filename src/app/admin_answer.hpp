#pragma once
// What the admin API's store work hands back to the worker that answers:
// a status and a JSON body, built on the admin thread. And the few helpers
// every admin resource (keys, teams, users) shares.
#include <cstdint>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "core/errors.hpp"

namespace torii::app {

struct Answer {
  int status = 200;
  std::string body;
};

inline Answer error_answer(int status, std::string message, std::string code, std::string param = "") {
  return {status, openai_error_body(make_error(status, std::move(message), std::move(code), std::move(param)))};
}

inline Answer store_unavailable(const std::string& error) {
  return error_answer(503, "the key store is not available" + (error.empty() ? std::string() : ": " + error),
                      "store_unavailable");
}

inline boost::json::value nullable(const std::string& s) {
  return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

// One admin API call on a resource (/admin/keys, /admin/teams,
// /admin/users), checked on the worker: the method, the id and action from
// the path (/admin/keys/{id}/rotate), and the JSON object body if any.
struct AdminCall {
  std::string method;  // HEAD is GET
  std::string id, action;
  std::optional<boost::json::object> body;
};

// The store work of each resource, run on the admin thread.
Answer keys_on_store(const AdminCall& call);
Answer teams_on_store(const AdminCall& call);
Answer users_on_store(const AdminCall& call);

// "key_", "team_", "user_" and 16 random hex digits.
std::string new_entity_id(const char* prefix);

}  // namespace torii::app
