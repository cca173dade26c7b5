#pragma once
// The failure-injection and pacing knobs of torii-mock. One definition serves
// both the command line (--kebab-case) and POST /mock/config (snake_case).
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace torii::mock_server {

// truncate: the stream ends cleanly (no TCP reset) but early, so it never
// delivers the event that completes it ([DONE], message_stop, ...).
enum class ResetMode { none, before, during, truncate };

struct Behaviour {
  std::string api_key;          // empty = no authentication
  int latency_ms = 0;
  int ttft_ms = 0;
  int tokens_per_sec = 0;       // 0 = unpaced
  int reply_words = 0;          // 0 = derived from the prompt
  int fail_status = 0;          // 0 = never fail
  int retry_after = -1;         // seconds; -1 = no Retry-After header
  int fail_every = 1;
  std::string fail_code;        // error.code of injected failures; "" = the status's usual code
  ResetMode reset = ResetMode::none;
  int reset_after_events = 2;
  bool malformed = false;
  int malformed_after = 1;      // streams: how many events precede the malformed one
  bool fail_mid_stream = false;  // streams that fail do so after the 200 head (not on OpenAI paths)
  int stall_ms = 0;
  // OpenAI paths refuse top-level fields the API does not document, as
  // api.openai.com does; an OpenAI-compatible host that takes extras (vLLM's
  // top_k, say) is played with this on.
  bool accept_unknown_fields = false;
  // Bedrock paths: SigV4 is verified when both keys are set; the region is
  // used when the Host does not name one; bad_crc ("message"/"prelude")
  // corrupts that CRC of one ConverseStream message.
  std::string aws_access_key_id;
  std::string aws_secret_access_key;
  std::string aws_session_token;
  std::string aws_region = "us-east-1";
  std::string bad_crc;
  // Chaos (the soak, bench/soak): each API request, with this probability in
  // percent, gets one fault drawn from chaos_kinds (comma-separated names of
  // kChaosKinds; empty = all but bad_crc) on top of the settings above.
  int chaos_percent = 0;
  std::string chaos_kinds;
};

// The faults chaos draws from: a 500 or 503; a 429 with Retry-After: 1; a
// reset before the head; a reset mid-stream; a stream cut cleanly short; one
// malformed body or event; a stall (stall_ms, else 3 s); an answer trickled
// at 40 events per second; an in-stream error after the 200 head; a bad
// event-stream CRC (Bedrock streams).
inline constexpr std::string_view kChaosKinds[] = {"5xx",   "429",     "reset_before", "reset_during", "truncate",
                                                   "malformed", "stall", "trickle", "mid_stream", "bad_crc"};

// The behaviour one request gets under chaos: `b` with `kind` applied.
Behaviour with_fault(const Behaviour& b, std::string_view kind, unsigned draw);

// Sets one field by its snake_case name. Returns an error message, or "" on
// success (unknown names are errors so that typos are not silently ignored).
std::string apply_setting(Behaviour& b, std::string_view key, const boost::json::value& value);

// A /mock/config body: every field starts from its default.
// Returns an error message, or "" on success.
std::string behaviour_from_json(const boost::json::object& o, Behaviour& out);
boost::json::object behaviour_to_json(const Behaviour& b);

// Command-line form: `--flag value`, `--flag=value`; boolean flags take no
// value. `name` is the kebab-case name without dashes. Returns an error
// message, or "" on success; `needs_value` tells the caller whether the flag
// consumes the next argument.
bool is_behaviour_flag(std::string_view name, bool& needs_value);
std::string apply_flag(Behaviour& b, std::string_view name, std::string_view value);

}  // namespace torii::mock_server
