#include "config/config.hpp"
#include "config/reader.hpp"
#include "config/section.hpp"
#include "filters/auth/auth_section.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace torii {
namespace {

// Raw strings in this file start on the line after R"( so that line numbers
// in assertions match what one sees when reading the YAML.
std::string yaml(const char* text) {
  std::string s = text;
  if (!s.empty() && s.front() == '\n') s.erase(0, 1);
  return s;
}

ConfigResult load(const char* text) { return load_config_text(yaml(text), "test.yaml"); }

std::string dump(const ConfigResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += "  " + e.to_string() + "\n";
  return out;
}

// Exactly one error, at `line`, on `key`, whose message contains `text`.
::testing::AssertionResult OneError(const ConfigResult& r, int line, const std::string& key,
                                    const std::string& text) {
  if (r.config) return ::testing::AssertionFailure() << "config set despite errors";
  if (r.errors.size() != 1)
    return ::testing::AssertionFailure() << r.errors.size() << " errors:\n" << dump(r);
  const auto& e = r.errors[0];
  if (e.line != line || e.key != key || e.message.find(text) == std::string::npos ||
      e.file != "test.yaml")
    return ::testing::AssertionFailure()
           << "got: " << e.to_string() << "\nwant line " << line << ", key '" << key
           << "', message containing '" << text << "'";
  return ::testing::AssertionSuccess();
}

// Some error matches; used where one mistake legitimately yields several.
::testing::AssertionResult HasError(const ConfigResult& r, int line, const std::string& key,
                                    const std::string& text) {
  for (const auto& e : r.errors)
    if (e.line == line && e.key == key && e.message.find(text) != std::string::npos)
      return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "no error " << line << " " << key << " '" << text << "' among:\n"
         << dump(r);
}

// By value: callers pass a temporary result.
Config ok(const ConfigResult& r) {
  EXPECT_TRUE(r.errors.empty()) << dump(r);
  return r.config ? *r.config : Config{};
}

class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~EnvVar() { ::unsetenv(name_); }

 private:
  const char* name_;
};

// ---------------------------------------------------------------- valid files

TEST(Config, FullExampleWithEveryProviderType) {
  EnvVar k1("TORII_T_API_KEY", "tk-1"), k2("TORII_T_OPENAI", "sk-o"),
      k3("TORII_T_ANTHROPIC", "sk-a"), k4("TORII_T_AZURE", "az"), k5("TORII_T_AWS_ID", "AKIA"),
      k6("TORII_T_AWS_SECRET", "shh"), k7("TORII_T_GEMINI", "g");
  auto r = load(R"(
listen: 127.0.0.1:4000
workers: 2
max_body_bytes: 33554432
auth:
  keys: [ "${TORII_T_API_KEY}" ]
providers:
  - name: openai
    type: openai
    api_key: ${TORII_T_OPENAI}
    base_url: https://api.openai.com/v1
    headers: { OpenAI-Organization: org-1 }
  - name: claude
    type: anthropic
    api_key: ${TORII_T_ANTHROPIC}
  - name: azure-eu
    type: azure
    base_url: https://my-resource.openai.azure.com
    api_key: ${TORII_T_AZURE}
    api_version: 2024-10-21
  - name: aws
    type: bedrock
    region: us-east-1
    access_key_id: ${TORII_T_AWS_ID}
    secret_access_key: ${TORII_T_AWS_SECRET}
    session_token: tok
    base_url: https://bedrock-runtime.us-east-1.amazonaws.com
  - name: gemini
    type: gemini
    api_key: ${TORII_T_GEMINI}
  - name: co
    type: cohere
    api_key: c
  - name: local
    type: openai-compatible
    base_url: http://127.0.0.1:9000/v1
  - name: fake
    type: mock
  - name: fast
    type: groq
    api_key: gq
models:
  - name: workhorse
    targets:
      - { provider: claude, model: claude-sonnet-4-6 }
      - { provider: openai, model: gpt-5.1 }
  - name: cheap
    targets:
      - provider: fast
        model: llama-3.1-8b-instant
)");
  const Config c = ok(r);
  EXPECT_EQ(c.file, "test.yaml");
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 4000);
  EXPECT_EQ(c.workers, 2);
  EXPECT_EQ(c.max_body_bytes, 33554432u);
  ASSERT_TRUE(filters::auth_section(c));
  EXPECT_EQ(filters::auth_section(c)->keys, std::vector<std::string>{"tk-1"});
  ASSERT_EQ(c.providers.size(), 9u);

  const auto& openai = c.providers[0];
  EXPECT_EQ(openai.name, "openai");
  EXPECT_EQ(openai.type, "openai");
  EXPECT_EQ(openai.preset, "");
  EXPECT_EQ(openai.api_key, "sk-o");
  EXPECT_EQ(openai.base_url, "https://api.openai.com/v1");
  ASSERT_EQ(openai.headers.size(), 1u);
  EXPECT_EQ(openai.headers[0],
            (std::pair<std::string, std::string>{"OpenAI-Organization", "org-1"}));
  EXPECT_EQ(openai.line, 7);

  EXPECT_EQ(c.providers[1].type, "anthropic");
  EXPECT_EQ(c.providers[1].base_url, "https://api.anthropic.com");
  EXPECT_EQ(c.providers[1].line, 12);

  const auto& azure = c.providers[2];
  EXPECT_EQ(azure.type, "azure");
  EXPECT_EQ(azure.base_url, "https://my-resource.openai.azure.com");
  EXPECT_EQ(azure.api_version, "2024-10-21");
  EXPECT_EQ(azure.api_key, "az");

  const auto& aws = c.providers[3];
  EXPECT_EQ(aws.type, "bedrock");
  EXPECT_EQ(aws.region, "us-east-1");
  EXPECT_EQ(aws.access_key_id, "AKIA");
  EXPECT_EQ(aws.secret_access_key, "shh");
  EXPECT_EQ(aws.session_token, "tok");
  EXPECT_EQ(aws.base_url, "https://bedrock-runtime.us-east-1.amazonaws.com");

  EXPECT_EQ(c.providers[4].base_url, "https://generativelanguage.googleapis.com");
  EXPECT_EQ(c.providers[4].api_key, "g");
  EXPECT_EQ(c.providers[5].type, "cohere");
  EXPECT_EQ(c.providers[5].base_url, "https://api.cohere.com");
  EXPECT_EQ(c.providers[6].type, "openai-compatible");
  EXPECT_EQ(c.providers[6].base_url, "http://127.0.0.1:9000/v1");
  EXPECT_EQ(c.providers[7].type, "mock");
  EXPECT_EQ(c.providers[7].base_url, "");
  EXPECT_EQ(c.providers[8].type, "openai-compatible");
  EXPECT_EQ(c.providers[8].preset, "groq");
  EXPECT_EQ(c.providers[8].base_url, "https://api.groq.com/openai/v1");

  ASSERT_EQ(c.models.size(), 2u);
  EXPECT_EQ(c.models[0].name, "workhorse");
  EXPECT_EQ(c.models[0].line, 42);
  ASSERT_EQ(c.models[0].targets.size(), 2u);
  EXPECT_EQ(c.models[0].targets[0].provider, "claude");
  EXPECT_EQ(c.models[0].targets[0].model, "claude-sonnet-4-6");
  EXPECT_EQ(c.models[0].targets[1].provider, "openai");
  EXPECT_EQ(c.models[0].targets[1].model, "gpt-5.1");
  ASSERT_EQ(c.models[1].targets.size(), 1u);
  EXPECT_EQ(c.models[1].targets[0].model, "llama-3.1-8b-instant");
}

TEST(Config, DefaultsWhenKeysAreAbsent) {
  const Config c = ok(load("providers: []\n"));
  const Config d;
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 4000);
  EXPECT_EQ(c.workers, 0);
  EXPECT_EQ(c.max_body_bytes, d.max_body_bytes);
  EXPECT_EQ(c.max_header_bytes, d.max_header_bytes);
  EXPECT_EQ(c.idle_timeout_ms, d.idle_timeout_ms);
  EXPECT_EQ(c.read_timeout_ms, d.read_timeout_ms);
  EXPECT_EQ(c.shutdown_grace_ms, d.shutdown_grace_ms);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_FALSE(filters::auth_section(c));
  EXPECT_TRUE(c.providers.empty());
  EXPECT_TRUE(c.models.empty());
}

TEST(Config, EmptyListsMayBeLeftBlank) {
  const Config c = ok(load("providers:\nmodels:\n"));
  EXPECT_TRUE(c.providers.empty());
  EXPECT_TRUE(c.models.empty());
}

TEST(Config, AllServerSettings) {
  const Config c = ok(load(R"(
listen: "0.0.0.0:8080"
workers: 0
max_body_bytes: 1
max_header_bytes: 1024
idle_timeout_ms: 5
read_timeout_ms: 6
shutdown_grace_ms: "7"
log_level: debug
)"));
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.workers, 0);
  EXPECT_EQ(c.max_body_bytes, 1u);
  EXPECT_EQ(c.max_header_bytes, 1024u);
  EXPECT_EQ(c.idle_timeout_ms, 5u);
  EXPECT_EQ(c.read_timeout_ms, 6u);
  EXPECT_EQ(c.shutdown_grace_ms, 7u);
  EXPECT_EQ(c.log_level, "debug");
}

TEST(Config, ProviderDefaultsAndTimeouts) {
  const Config c = ok(load(R"(
providers:
  - name: a
    type: openai
  - name: b
    type: anthropic
    timeout_ms: 1500
    connect_timeout_ms: 250
)"));
  ASSERT_EQ(c.providers.size(), 2u);
  EXPECT_EQ(c.providers[0].timeout_ms, 600'000u);
  EXPECT_EQ(c.providers[0].connect_timeout_ms, 10'000u);
  EXPECT_EQ(c.providers[0].api_key, "");
  EXPECT_EQ(c.providers[1].timeout_ms, 1500u);
  EXPECT_EQ(c.providers[1].connect_timeout_ms, 250u);
}

TEST(Config, DefaultBaseUrlTable) {
  EXPECT_EQ(default_base_url("openai"), "https://api.openai.com/v1");
  EXPECT_EQ(default_base_url("anthropic"), "https://api.anthropic.com");
  EXPECT_EQ(default_base_url("gemini"), "https://generativelanguage.googleapis.com");
  EXPECT_EQ(default_base_url("cohere"), "https://api.cohere.com");
  EXPECT_EQ(default_base_url("openai-compatible"), "");
  EXPECT_EQ(default_base_url("azure"), "");
  EXPECT_EQ(default_base_url("mock"), "");
  EXPECT_EQ(provider_types().size(), 8u);
}

TEST(Config, EveryPresetResolvesToOpenAICompatible) {
  ASSERT_EQ(provider_presets().size(), 10u);
  for (const Preset& p : provider_presets()) {
    std::string text = "providers:\n  - name: p\n    type: " + std::string(p.name) + "\n";
    auto r = load_config_text(text, "test.yaml");
    ASSERT_TRUE(r.config) << p.name << "\n" << dump(r);
    const auto& pc = r.config->providers.at(0);
    EXPECT_EQ(pc.type, "openai-compatible") << p.name;
    EXPECT_EQ(pc.preset, p.name);
    EXPECT_EQ(pc.base_url, p.base_url);
  }
  EXPECT_EQ(std::string(provider_presets()[0].name), "groq");
}

TEST(Config, PresetBaseUrlCanBeOverridden) {
  const Config c = ok(load(R"(
providers:
  - name: llm
    type: ollama
    base_url: http://gpu-box:11434/v1/
)"));
  EXPECT_EQ(c.providers[0].preset, "ollama");
  EXPECT_EQ(c.providers[0].base_url, "http://gpu-box:11434/v1");
}

TEST(Config, BaseUrlTrailingSlashesStrippedAndSchemeLowered) {
  const Config c = ok(load(R"(
providers:
  - name: a
    type: openai-compatible
    base_url: HTTPS://Example.com/v1//
)"));
  EXPECT_EQ(c.providers[0].base_url, "https://Example.com/v1");
}

TEST(Config, BedrockBaseUrlDerivedFromRegion) {
  const Config c = ok(load(R"(
providers:
  - name: aws
    type: bedrock
    region: eu-west-3
)"));
  EXPECT_EQ(c.providers[0].base_url, "https://bedrock-runtime.eu-west-3.amazonaws.com");
}

TEST(Config, HeadersKeepFileOrderAndExpand) {
  EnvVar k("TORII_T_HDR", "secret");
  const Config c = ok(load(R"(
providers:
  - name: a
    type: openai
    headers:
      X-Zeta: "1"
      Authorization: Bearer ${TORII_T_HDR}
      X-Alpha: "3"
)"));
  const auto& h = c.providers[0].headers;
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].first, "X-Zeta");
  EXPECT_EQ(h[1], (std::pair<std::string, std::string>{"Authorization", "Bearer secret"}));
  EXPECT_EQ(h[2].first, "X-Alpha");
}

TEST(Config, ModelNameMayContainSlashAndProvidersMayComeLater) {
  const Config c = ok(load(R"(
models:
  - name: team/gpt
    targets: [ { provider: o, model: gpt-5 } ]
providers:
  - { name: o, type: openai }
)"));
  EXPECT_EQ(c.models[0].name, "team/gpt");
  EXPECT_EQ(c.models[0].targets[0].provider, "o");
}

// --------------------------------------------------------- env expansion

TEST(ConfigEnv, ExpansionForms) {
  EnvVar a("TORII_T_A", "alpha"), b("TORII_T_B", "beta"), e("TORII_T_EMPTY", ""),
      u("TORII_T_UNSET", nullptr);
  const Config c = ok(load(R"(
auth:
  keys:
    - ${TORII_T_A}
    - "Bearer ${TORII_T_A}-${TORII_T_B}!"
    - ${TORII_T_UNSET:-fallback}
    - ${TORII_T_EMPTY:-used-when-empty}
    - pre${TORII_T_UNSET:-}post
    - ${TORII_T_UNSET:-${TORII_T_B}}
    - cost $$5 and $HOME and $
)"));
  EXPECT_EQ(filters::auth_section(c)->keys,
            (std::vector<std::string>{"alpha", "Bearer alpha-beta!", "fallback", "used-when-empty",
                                      "prepost", "beta", "cost $5 and $HOME and $"}));
}

TEST(ConfigEnv, SetButEmptyAndEmptyDefaultYieldEmptyString) {
  EnvVar e("TORII_T_EMPTY", ""), u("TORII_T_UNSET", nullptr);
  const Config c = ok(load(R"(
providers:
  - name: a
    type: openai
    api_key: ${TORII_T_EMPTY}
    api_version: ${TORII_T_UNSET:-}
)"));
  EXPECT_EQ(c.providers[0].api_key, "");
  EXPECT_EQ(c.providers[0].api_version, "");
}

TEST(ConfigEnv, ValuesFromEnvironmentAreNotRescanned) {
  EnvVar a("TORII_T_A", "x${TORII_T_UNSET}y"), u("TORII_T_UNSET", nullptr);
  const Config c = ok(load("auth: { keys: [ \"${TORII_T_A}\" ] }\n"));
  EXPECT_EQ(filters::auth_section(c)->keys[0], "x${TORII_T_UNSET}y");
}

TEST(ConfigEnv, ExpandsIntegersAndEmptyBaseUrlMeansDefault) {
  EnvVar w("TORII_T_WORKERS", "6"), u("TORII_T_UNSET", nullptr);
  const Config c = ok(load(R"(
workers: ${TORII_T_WORKERS}
read_timeout_ms: ${TORII_T_UNSET:-1234}
providers:
  - name: a
    type: openai
    base_url: ${TORII_T_UNSET:-}
)"));
  EXPECT_EQ(c.workers, 6);
  EXPECT_EQ(c.read_timeout_ms, 1234u);
  EXPECT_EQ(c.providers[0].base_url, "https://api.openai.com/v1");
}

TEST(ConfigEnv, UnsetVariableIsAnErrorNamingIt) {
  EnvVar u("TORII_T_OPENAI_KEY", nullptr);
  auto r = load(R"(
providers:
  - name: openai
    type: openai
    api_key: ${TORII_T_OPENAI_KEY}
)");
  EXPECT_TRUE(OneError(r, 4, "providers[0].api_key",
                       "environment variable TORII_T_OPENAI_KEY is not set (use "
                       "${TORII_T_OPENAI_KEY:-default} to make it optional)"));
}

TEST(ConfigEnv, EveryUnsetVariableInOneValueIsReported) {
  EnvVar u1("TORII_T_U1", nullptr), u2("TORII_T_U2", nullptr);
  auto r = load("listen: \"${TORII_T_U1}:${TORII_T_U2}\"\n");
  ASSERT_EQ(r.errors.size(), 2u) << dump(r);
  EXPECT_TRUE(HasError(r, 1, "listen", "TORII_T_U1 is not set"));
  EXPECT_TRUE(HasError(r, 1, "listen", "TORII_T_U2 is not set"));
}

TEST(ConfigEnv, MalformedReferences) {
  EXPECT_TRUE(OneError(load("log_level: ${TORII_T_A\n"), 1, "log_level", "unterminated '${'"));
  EXPECT_TRUE(OneError(load("log_level: \"${}\"\n"), 1, "log_level",
                       "invalid environment variable name ''"));
  EXPECT_TRUE(OneError(load("log_level: ${1X}\n"), 1, "log_level",
                       "invalid environment variable name '1X'"));
}

TEST(ConfigEnv, KeysAreNotExpanded) {
  EnvVar a("TORII_T_A", "listen");
  EXPECT_TRUE(OneError(load("${TORII_T_A}: 1\n"), 1, "${TORII_T_A}", "unknown key"));
}

// -------------------------------------------------------------- listen

TEST(ParseListen, AcceptedForms) {
  std::string host;
  uint16_t port = 1;
  ASSERT_TRUE(parse_listen("127.0.0.1:4000", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 4000);
  ASSERT_TRUE(parse_listen("localhost:65535", host, port));
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, 65535);
  ASSERT_TRUE(parse_listen("[::1]:4000", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 4000);
  ASSERT_TRUE(parse_listen("[::]:0", host, port));
  EXPECT_EQ(host, "::");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(parse_listen(":8080", host, port));
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 8080);
}

TEST(ParseListen, RejectedFormsLeaveOutputsAlone) {
  for (const char* bad :
       {"", "4000", "host:", "host:65536", "host:99999999", "host:-1", "host:40a0", "::1:4000",
        "[::1]4000", "[::1]", "[]:80", "[::1:80", "a b:80", ":", "host:4000 "}) {
    std::string host = "unchanged";
    uint16_t port = 7;
    EXPECT_FALSE(parse_listen(bad, host, port)) << bad;
    EXPECT_EQ(host, "unchanged") << bad;
    EXPECT_EQ(port, 7) << bad;
  }
}

TEST(Config, ListenIPv6AndPortOnly) {
  EXPECT_EQ(ok(load("listen: \"[::1]:4001\"\n")).listen_host, "::1");
  const Config c = ok(load("listen: :9000\n"));
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000);
}

TEST(Config, InvalidListen) {
  EXPECT_TRUE(OneError(load("workers: 1\nlisten: localhost:http\n"), 2, "listen",
                       "invalid address 'localhost:http'"));
  EXPECT_TRUE(OneError(load("listen: [ \"::1\" ]\n"), 1, "listen", "quote IPv6 addresses"));
}

// ------------------------------------------------------------ unknown keys

TEST(ConfigErrors, UnknownTopLevelKeySuggestsClosest) {
  EXPECT_TRUE(OneError(load("workers: 1\nlisen: 127.0.0.1:4000\n"), 2, "lisen",
                       "unknown key 'lisen' (did you mean 'listen'?)"));
  // A swap of two letters counts as one edit.
  EXPECT_TRUE(OneError(load("lsiten: :1\n"), 1, "lsiten", "did you mean 'listen'?"));
}

TEST(ConfigErrors, UnknownKeyWithoutCloseMatchHasNoSuggestion) {
  auto r = load("frobnicate: true\n");
  ASSERT_TRUE(OneError(r, 1, "frobnicate", "unknown key 'frobnicate'"));
  EXPECT_EQ(r.errors[0].message.find("did you mean"), std::string::npos);
}

TEST(ConfigErrors, UnknownNestedKeysCarryTheirPath) {
  auto r = load(R"(
auth:
  key: [ a ]
  keys: [ b ]
providers:
  - name: a
    type: openai
    api_kye: x
models:
  - name: m
    targets:
      - provider: a
        modle: gpt
)");
  ASSERT_EQ(r.errors.size(), 4u) << dump(r);
  EXPECT_TRUE(HasError(r, 2, "auth.key", "did you mean 'keys'?"));
  EXPECT_TRUE(
      HasError(r, 7, "providers[0].api_kye", "unknown key 'api_kye' (did you mean 'api_key'?)"));
  EXPECT_TRUE(HasError(r, 12, "models[0].targets[0].modle", "did you mean 'model'?"));
  EXPECT_TRUE(HasError(r, 11, "models[0].targets[0].model", "is required"));
}

TEST(ConfigErrors, DuplicateKeyInOneMap) {
  EXPECT_TRUE(OneError(load("workers: 1\nlog_level: info\nworkers: 2\n"), 3, "workers",
                       "duplicate key 'workers' (first set at line 1)"));
}

// ------------------------------------------------------------ wrong types

TEST(ConfigErrors, IntegersMustBeIntegersInRange) {
  EXPECT_TRUE(OneError(load("workers: abc\n"), 1, "workers", "expected an integer, got 'abc'"));
  EXPECT_TRUE(OneError(load("workers: -1\n"), 1, "workers", "must not be negative"));
  EXPECT_TRUE(OneError(load("workers: 1.5\n"), 1, "workers", "expected an integer"));
  EXPECT_TRUE(OneError(load("max_body_bytes: 0\n"), 1, "max_body_bytes", "must be greater than 0"));
  EXPECT_TRUE(OneError(load("max_body_bytes: -5\n"), 1, "max_body_bytes",
                       "must be greater than 0, got '-5'"));
  EXPECT_TRUE(OneError(load("max_body_bytes: 99999999999999999999999\n"), 1, "max_body_bytes",
                       "must be at most"));
  EXPECT_TRUE(
      OneError(load("max_header_bytes: 512\n"), 1, "max_header_bytes", "must be at least 1024"));
  EXPECT_TRUE(OneError(load("idle_timeout_ms: 0\n"), 1, "idle_timeout_ms", "greater than 0"));
  EXPECT_TRUE(OneError(load("read_timeout_ms: 4294967296\n"), 1, "read_timeout_ms",
                       "must be at most 4294967295"));
  EXPECT_TRUE(OneError(load("shutdown_grace_ms: [1]\n"), 1, "shutdown_grace_ms",
                       "expected a string, got a list"));
}

TEST(ConfigErrors, ProviderTimeoutsValidated) {
  auto r = load(R"(
providers:
  - name: a
    type: openai
    timeout_ms: 0
    connect_timeout_ms: soon
)");
  ASSERT_EQ(r.errors.size(), 2u) << dump(r);
  EXPECT_TRUE(HasError(r, 4, "providers[0].timeout_ms", "greater than 0"));
  EXPECT_TRUE(HasError(r, 5, "providers[0].connect_timeout_ms", "expected an integer, got 'soon'"));
}

TEST(ConfigErrors, StringsMustBeScalars) {
  EXPECT_TRUE(OneError(load(R"(
providers:
  - name: { first: a }
    type: openai
)"),
                       2, "providers[0].name", "expected a string, got a map"));
  EXPECT_TRUE(OneError(load(R"(
providers:
  - name: a
    type: openai
    api_key:
)"),
                       4, "providers[0].api_key", "has no value"));
}

TEST(ConfigErrors, LogLevel) {
  EXPECT_TRUE(OneError(load("log_level: verbose\n"), 1, "log_level",
                       "invalid log level 'verbose' (expected debug, info, warn or error)"));
}

// -------------------------------------------------------------------- auth

TEST(ConfigAuth, EmptyKeysAreDropped) {
  EnvVar u("TORII_T_UNSET", nullptr);
  const Config c = ok(load("auth:\n  keys: [ k1, \"\", \"${TORII_T_UNSET:-}\", k2 ]\n"));
  ASSERT_TRUE(filters::auth_section(c));
  EXPECT_EQ(filters::auth_section(c)->keys, (std::vector<std::string>{"k1", "k2"}));
}

TEST(ConfigAuth, SectionWithoutUsableKeyIsAnError) {
  EnvVar u("TORII_T_UNSET", nullptr);
  EXPECT_TRUE(OneError(load("workers: 1\nauth:\n  keys: [ \"${TORII_T_UNSET:-}\" ]\n"), 3,
                       "auth.keys", "no key configured"));
  EXPECT_TRUE(OneError(load("auth:\n  keys: []\n"), 2, "auth.keys", "no key configured"));
  EXPECT_TRUE(OneError(load("auth: {}\n"), 1, "auth.keys", "no key configured"));
  EXPECT_TRUE(OneError(load("auth:\n"), 1, "auth.keys", "no key configured"));
}

TEST(ConfigAuth, WrongShapes) {
  EXPECT_TRUE(OneError(load("auth: secret\n"), 1, "auth", "expected a map with 'keys'"));
  EXPECT_TRUE(OneError(load("auth:\n  keys: secret\n"), 2, "auth.keys", "expected a list"));
  EXPECT_TRUE(OneError(load("auth:\n  keys:\n    - ok\n    - [ nested ]\n"), 4, "auth.keys[1]",
                       "expected a string, got a list"));
}

TEST(ConfigAuth, UnsetVariableDoesNotAlsoReportMissingKey) {
  EnvVar u("TORII_T_UNSET", nullptr);
  EXPECT_TRUE(OneError(load("auth:\n  keys: [ \"${TORII_T_UNSET}\" ]\n"), 2, "auth.keys[0]",
                       "TORII_T_UNSET is not set"));
}

// --------------------------------------------------------------- providers

TEST(ConfigProviders, NameRules) {
  EXPECT_TRUE(
      OneError(load("providers:\n  - type: openai\n"), 2, "providers[0].name", "is required"));
  EXPECT_TRUE(OneError(load("providers:\n  - name: \"\"\n    type: openai\n"), 2,
                       "providers[0].name", "must not be empty"));
  EXPECT_TRUE(OneError(load("providers:\n  - name: a/b\n    type: openai\n"), 2,
                       "providers[0].name", "must not contain '/'"));
}

TEST(ConfigProviders, DuplicateNameNamesFirstLine) {
  EXPECT_TRUE(OneError(load(R"(
providers:
  - name: a
    type: openai
  - type: anthropic
    name: a
)"),
                       5, "providers[1].name",
                       "duplicate provider name 'a' (first defined at line 2)"));
}

TEST(ConfigProviders, TypeRules) {
  EXPECT_TRUE(OneError(load("providers:\n  - name: a\n"), 2, "providers[0].type", "is required"));
  EXPECT_TRUE(OneError(load("providers:\n  - name: a\n    type: opnai\n"), 3, "providers[0].type",
                       "unknown provider type 'opnai' (did you mean 'openai'?)"));
  EXPECT_TRUE(OneError(load("providers:\n  - name: a\n    type: OpenAI\n"), 3, "providers[0].type",
                       "did you mean 'openai'?"));
  auto r = load("providers:\n  - name: a\n    type: watson\n");
  ASSERT_TRUE(
      OneError(r, 3, "providers[0].type", "unknown provider type 'watson' (expected one of:"));
  EXPECT_NE(r.errors[0].message.find("bedrock"), std::string::npos);
  EXPECT_NE(r.errors[0].message.find("openrouter"), std::string::npos);
}

TEST(ConfigProviders, TypeSpecificRequirements) {
  EXPECT_TRUE(OneError(load("providers:\n  - name: a\n    type: openai-compatible\n"), 2,
                       "providers[0].base_url", "is required for type 'openai-compatible'"));
  auto r = load("providers:\n  - name: a\n    type: azure\n");
  ASSERT_EQ(r.errors.size(), 2u) << dump(r);
  EXPECT_TRUE(HasError(r, 2, "providers[0].base_url", "is required for type 'azure'"));
  EXPECT_TRUE(HasError(r, 2, "providers[0].api_version", "is required for type 'azure'"));
  EXPECT_TRUE(OneError(load("providers:\n  - name: a\n    type: bedrock\n"), 2,
                       "providers[0].region", "is required for type 'bedrock'"));
  EXPECT_TRUE(OneError(load("providers:\n  - name: a\n    type: bedrock\n    region: x/y\n"), 2,
                       "providers[0].region", "invalid region 'x/y'"));
}

TEST(ConfigProviders, BaseUrlMustBeHttp) {
  EXPECT_TRUE(OneError(load(R"(
providers:
  - name: a
    type: openai
    base_url: ftp://example.com
)"),
                       4, "providers[0].base_url", "invalid URL 'ftp://example.com'"));
  EXPECT_TRUE(OneError(load("providers:\n  - { name: a, type: openai, base_url: \"https://\" }\n"),
                       2, "providers[0].base_url", "invalid URL"));
}

TEST(ConfigProviders, HeaderErrors) {
  EnvVar inj("TORII_T_INJECT", "a\r\nX-Evil: 1");
  auto r = load(R"(
providers:
  - name: a
    type: openai
    headers:
      X-Ok: fine
      X-List: [ 1, 2 ]
      "Bad Name": v
      X-Inject: ${TORII_T_INJECT}
  - name: b
    type: openai
    headers: [ X-A ]
)");
  ASSERT_EQ(r.errors.size(), 4u) << dump(r);
  EXPECT_TRUE(HasError(r, 6, "providers[0].headers.X-List", "expected a string, got a list"));
  EXPECT_TRUE(HasError(r, 7, "providers[0].headers.Bad Name", "invalid header name"));
  EXPECT_TRUE(HasError(r, 8, "providers[0].headers.X-Inject", "line breaks"));
  EXPECT_TRUE(HasError(r, 11, "providers[1].headers", "expected a map of header names"));
}

TEST(ConfigProviders, SectionShape) {
  EXPECT_TRUE(
      OneError(load("providers: { name: a }\n"), 1, "providers", "expected a list, got a map"));
  EXPECT_TRUE(OneError(load("providers:\n  - openai\n"), 2, "providers[0]",
                       "expected a map with at least name and type, got a scalar"));
}

// ------------------------------------------------------------------ models

TEST(ConfigModels, NameRules) {
  const char* base = "providers: [ { name: p, type: mock } ]\nmodels:\n";
  auto with = [&](const char* models) {
    return load_config_text(std::string(base) + models, "test.yaml");
  };
  EXPECT_TRUE(OneError(with("  - targets: [ { provider: p, model: x } ]\n"), 3, "models[0].name",
                       "is required"));
  EXPECT_TRUE(OneError(with("  - name: \"\"\n    targets: [ { provider: p, model: x } ]\n"), 3,
                       "models[0].name", "must not be empty"));
  EXPECT_TRUE(OneError(with("  - name: m\n    targets: [ { provider: p, model: x } ]\n"
                            "  - name: m\n    targets: [ { provider: p, model: y } ]\n"),
                       5, "models[1].name", "duplicate model name 'm' (first defined at line 3)"));
}

TEST(ConfigModels, TargetsRules) {
  const char* base = "providers: [ { name: p, type: mock } ]\nmodels:\n";
  auto with = [&](const char* models) {
    return load_config_text(std::string(base) + models, "test.yaml");
  };
  EXPECT_TRUE(OneError(with("  - name: m\n"), 3, "models[0].targets", "is required"));
  EXPECT_TRUE(OneError(with("  - name: m\n    targets: []\n"), 4, "models[0].targets",
                       "must list at least one target"));
  EXPECT_TRUE(OneError(with("  - name: m\n    targets:\n"), 4, "models[0].targets",
                       "must list at least one target"));
  EXPECT_TRUE(OneError(with("  - name: m\n    targets: p\n"), 4, "models[0].targets",
                       "expected a list of {provider, model}"));
  EXPECT_TRUE(OneError(with("  - name: m\n    targets: [ p/x ]\n"), 4, "models[0].targets[0]",
                       "expected a map with provider and model"));
  EXPECT_TRUE(OneError(with("  - name: m\n    targets:\n      - { provider: p, model: a }\n"
                            "      - { model: b }\n"),
                       6, "models[0].targets[1].provider", "is required"));
  EXPECT_TRUE(OneError(with("  - name: m\n    targets: [ { provider: p, model: \"\" } ]\n"), 4,
                       "models[0].targets[0].model", "must not be empty"));
  EXPECT_TRUE(
      OneError(with("  - [ m ]\n"), 3, "models[0]", "expected a map with name and targets"));
}

TEST(ConfigModels, UnknownProvider) {
  auto r = load(R"(
providers:
  - { name: openai, type: openai }
  - { name: claude, type: anthropic }
models:
  - name: m
    targets:
      - { provider: openai, model: a }
      - { provider: claude, model: b }
      - provider: opena
        model: c
      - provider: x
        model: d
)");
  ASSERT_EQ(r.errors.size(), 2u) << dump(r);
  EXPECT_TRUE(HasError(r, 9, "models[0].targets[2].provider",
                       "unknown provider 'opena' (did you mean 'openai'?)"));
  EXPECT_TRUE(HasError(r, 11, "models[0].targets[3].provider",
                       "unknown provider 'x' (configured providers: openai, claude)"));
}

TEST(ConfigModels, BrokenProviderDoesNotCascadeIntoTargets) {
  auto r = load(R"(
providers:
  - name: p
    type: nope
models:
  - name: m
    targets: [ { provider: p, model: x } ]
)");
  EXPECT_TRUE(OneError(r, 3, "providers[0].type", "unknown provider type 'nope'"));
}

// -------------------------------------------------------- whole-file errors

TEST(ConfigErrors, AllErrorsAreCollectedInLineOrder) {
  EnvVar u("TORII_T_UNSET", nullptr);
  auto r = load(R"(
models:
  - name: m
    targets: [ { provider: ghost, model: x } ]
lisen: :1
workers: many
providers:
  - name: a
    type: azure
    api_key: ${TORII_T_UNSET}
log_level: loud
)");
  ASSERT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 7u) << dump(r);
  std::vector<int> lines;
  for (const auto& e : r.errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<int>{3, 4, 5, 7, 7, 9, 10}));
  EXPECT_TRUE(HasError(r, 3, "models[0].targets[0].provider", "unknown provider 'ghost'"));
  EXPECT_TRUE(HasError(r, 4, "lisen", "did you mean 'listen'?"));
  EXPECT_TRUE(HasError(r, 5, "workers", "expected an integer"));
  EXPECT_TRUE(HasError(r, 7, "providers[0].base_url", "is required"));
  EXPECT_TRUE(HasError(r, 7, "providers[0].api_version", "is required"));
  EXPECT_TRUE(HasError(r, 9, "providers[0].api_key", "TORII_T_UNSET is not set"));
  EXPECT_TRUE(HasError(r, 10, "log_level", "invalid log level"));
}

TEST(ConfigErrors, YamlSyntaxErrorIsASingleErrorWithItsLine) {
  auto r = load(R"(
workers: 2
providers:
  - name: a
    type: [openai
models: x
)");
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.errors[0].key, "");
  EXPECT_EQ(r.errors[0].line, 5);  // where yaml-cpp notices the unclosed "["
  EXPECT_NE(r.errors[0].message.find("invalid YAML"), std::string::npos);
  // Unquoted IPv6 is the classic way to hit this.
  EXPECT_TRUE(OneError(load("workers: 1\nlisten: [::1]:4000\n"), 2, "", "invalid YAML"));
}

TEST(ConfigErrors, DocumentMustBeOneMap) {
  EXPECT_TRUE(OneError(load(""), 1, "", "config is empty"));
  EXPECT_TRUE(OneError(load("# nothing yet\n\n"), 1, "", "config is empty"));
  EXPECT_TRUE(OneError(load_config_text("\n\n- listen\n", "test.yaml"), 3, "",
                       "must be a map of settings, got a list"));
  EXPECT_TRUE(OneError(load("just text\n"), 1, "", "must be a map of settings, got a scalar"));
  EXPECT_TRUE(
      OneError(load("workers: 1\n---\nworkers: 2\n"), 3, "", "more than one YAML document"));
  EXPECT_TRUE(ok(load("workers: 1\n---\n")).workers == 1);
}

TEST(ConfigErrors, ToStringFormat) {
  ConfigError e{"torii.yaml", 12, "providers[1].type", "unknown provider type 'x'"};
  EXPECT_EQ(e.to_string(), "torii.yaml:12: providers[1].type: unknown provider type 'x'");
  ConfigError no_key{"torii.yaml", 3, "", "invalid YAML: oops"};
  EXPECT_EQ(no_key.to_string(), "torii.yaml:3: invalid YAML: oops");
  ConfigError no_line{"missing.yaml", 0, "", "cannot read config file: No such file or directory"};
  EXPECT_EQ(no_line.to_string(),
            "missing.yaml: cannot read config file: No such file or directory");
}

// ------------------------------------------------------------------- files

TEST(ConfigFile, NotFoundIsLineZero) {
  auto r = load_config_file("/nonexistent/dir/torii.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.errors[0].file, "/nonexistent/dir/torii.yaml");
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("No such file"), std::string::npos) << r.errors[0].message;
}

TEST(ConfigFile, DirectoryIsAnError) {
  auto r = load_config_file(std::filesystem::temp_directory_path().string());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("cannot read"), std::string::npos);
}

TEST(ConfigFile, LoadsARealFileAndReportsItsPath) {
  auto path = std::filesystem::temp_directory_path() /
              ("torii_config_test_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << "listen: 127.0.0.1:4100\nproviders:\n  - name: m\n    type: mock\n"
           "models:\n  - name: echo\n    targets: [ { provider: m, model: echo } ]\n";
  }
  auto r = load_config_file(path.string());
  ASSERT_TRUE(r.config) << dump(r);
  EXPECT_EQ(r.config->file, path.string());
  EXPECT_EQ(r.config->listen_port, 4100);
  EXPECT_EQ(r.config->models.at(0).targets.at(0).provider, "m");

  {
    std::ofstream out(path);
    out << "workers: 1\nlog_level: loud\n";
  }
  r = load_config_file(path.string());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(),
            path.string() +
                ":2: log_level: invalid log level 'loud' (expected debug, info, warn or error)");
  std::filesystem::remove(path);
}

// A concern's own section: read by its parser with the generic reader's
// errors, found again by name, and offered as a suggestion for a typo.
struct GreetingSection {
  std::string text = "hello";
  uint64_t times = 1;
};

config::Sections greeting_sections() {
  config::Sections sections;
  sections.add({"greeting", [](config::Reader& r, const config::Field& f) -> std::any {
                  GreetingSection g;
                  if (!r.is_map(f, "")) return g;
                  for (const auto& x : r.fields(f.value, "greeting", {"text", "times"})) {
                    if (x.name == "text") {
                      if (auto s = r.string_field(x, "greeting")) g.text = *s;
                    } else {
                      r.set_uint(x, "greeting", g.times, 1, 10);
                    }
                  }
                  return g;
                }});
  return sections;
}

TEST(ConfigSections, AConcernReadsItsOwnSection) {
  auto sections = greeting_sections();
  auto r = load_config_text("greeting:\n  text: hi\n  times: 3\n", "test.yaml", sections);
  ASSERT_TRUE(r.config) << dump(r);
  const auto* g = r.config->section<GreetingSection>("greeting");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->text, "hi");
  EXPECT_EQ(g->times, 3u);
  EXPECT_NE(r.config->section_sources.at("greeting").find("times: 3"), std::string::npos);

  r = load_config_text("workers: 1\n", "test.yaml", sections);
  ASSERT_TRUE(r.config) << dump(r);
  EXPECT_EQ(r.config->section<GreetingSection>("greeting"), nullptr);
}

TEST(ConfigSections, ErrorsInASectionNameFileLineAndKey) {
  auto sections = greeting_sections();
  auto r = load_config_text("workers: 1\ngreeting:\n  times: 11\n  txt: hi\n", "test.yaml", sections);
  ASSERT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 2u) << dump(r);
  EXPECT_EQ(r.errors[0].to_string(), "test.yaml:3: greeting.times: must be at most 10, got '11'");
  EXPECT_EQ(r.errors[1].to_string(), "test.yaml:4: greeting.txt: unknown key 'txt' (did you mean 'text'?)");

  r = load_config_text("greting: {}\n", "test.yaml", sections);
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_EQ(r.errors[0].to_string(), "test.yaml:1: greting: unknown key 'greting' (did you mean 'greeting'?)");
  // Without the registration, the section is unknown.
  r = load_config_text("greeting: {}\n", "test.yaml", config::Sections{});
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
}

}  // namespace
}  // namespace torii
