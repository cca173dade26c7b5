#pragma once
// Stored Responses API answers (POST /v1/responses with store not false),
// so that previous_response_id continues a conversation on any node and
// with any provider, and GET/DELETE /v1/responses/{id} find them: in the
// embedded SQLite file (table responses), or in PostgreSQL when
// store.postgres is set. Used from the response store's own thread only.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "store/open_stores.hpp"

namespace torii::store {

struct ResponseRow {
  std::string id;           // resp_...
  std::string owner;        // the key that created it ("" on an open gateway); others cannot see it
  int64_t created_us = 0;
  std::string previous_id;  // "" when it started the conversation
  std::string response_json;     // the Response object as answered
  std::string input_items_json;  // the whole conversation's input items (earlier turns inlined)
};

class ResponseStore {
 public:
  virtual ~ResponseStore() = default;
  virtual bool put(const ResponseRow& row, std::string& error) = 0;
  // nullopt with `error` empty: no such response.
  virtual std::optional<ResponseRow> get(const std::string& id, std::string& error) = 0;
  // false with `error` empty: no such response.
  virtual bool remove(const std::string& id, std::string& error) = 0;
};

std::unique_ptr<ResponseStore> open_response_store(const StoreLocation& where, std::string& error);

}  // namespace torii::store
