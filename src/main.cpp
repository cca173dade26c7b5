// torii: command line entry point (serve, check, version).
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include "app/runtime.hpp"
#include "filters/logging/log_writer.hpp"
#include "filters/tracing/exporter.hpp"
#include "governance/ledger.hpp"
#include "config/config.hpp"
#include "core/log.hpp"
#include "filters/auth/auth_section.hpp"
#include "http/descriptors.hpp"
#include "http/server.hpp"

namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  torii serve --config FILE [--listen HOST:PORT]   run the gateway\n"
    "  torii check --config FILE                        validate a config file\n"
    "  torii version                                    print the version\n";

struct Args {
  std::string command;
  std::string config;
  std::string listen;
};

bool parse_args(int argc, char** argv, Args& a, std::string& error) {
  if (argc < 2) {
    error = "missing command";
    return false;
  }
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string& out) {
      auto eq = arg.find('=');
      if (eq != std::string::npos) {
        out = arg.substr(eq + 1);
        return true;
      }
      if (i + 1 >= argc) {
        error = "missing value for " + arg;
        return false;
      }
      out = argv[++i];
      return true;
    };
    if (arg == "--config" || arg == "-c" || arg.starts_with("--config=")) {
      if (!value(a.config)) return false;
    } else if (arg == "--listen" || arg.starts_with("--listen=")) {
      if (!value(a.listen)) return false;
    } else {
      error = "unknown argument '" + arg + "'";
      return false;
    }
  }
  return true;
}

std::optional<torii::Config> load(const std::string& path) {
  auto result = torii::load_config_file(path);
  for (const auto& e : result.errors) std::cerr << e.to_string() << "\n";
  return std::move(result.config);
}

std::string host_port(const std::string& host, uint16_t port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

int serve(const Args& args) {
  // First, while the process has one thread (see descriptors.hpp).
  torii::http::prepare_descriptors();
  auto config = load(args.config);
  if (!config) return 1;
  if (!args.listen.empty() && !torii::parse_listen(args.listen, config->listen_host, config->listen_port)) {
    std::cerr << "--listen: expected HOST:PORT, got '" << args.listen << "'\n";
    return 1;
  }
  torii::log::Level level;
  if (torii::log::parse_level(config->log_level, level)) torii::log::set_level(level);
  if (!torii::filters::auth_section(*config) && !config->admin_enabled)
    torii::log::warn("no auth section in {}: the gateway is open to anyone who can reach it", config->file);

  std::string error;
  auto runtime = torii::app::Runtime::create(*config, error);
  if (!runtime) {
    std::cerr << config->file << ": " << error << "\n";
    return 1;
  }

  torii::http::ServerOptions opt;
  opt.host = config->listen_host;
  opt.port = config->listen_port;
  opt.workers = config->workers > 0 ? config->workers : int(std::max(1u, std::thread::hardware_concurrency()));
  opt.max_body_bytes = config->max_body_bytes;
  opt.max_header_bytes = config->max_header_bytes;
  opt.idle_timeout = std::chrono::milliseconds(config->idle_timeout_ms);
  opt.read_timeout = std::chrono::milliseconds(config->read_timeout_ms);
  opt.shutdown_grace = std::chrono::milliseconds(config->shutdown_grace_ms);
  opt.on_hangup = [&runtime] {
    std::vector<std::string> changes;
    runtime->reload(changes);  // logs what changed, or why the file was refused
  };

  // The server lives in this scope: once it is gone its signal handling is
  // too, and the rest of the shutdown must not be cut short by a second signal.
  const int served = [&]() -> int {
    torii::http::Server server(opt, runtime->handler_factory(), torii::app::Gateway::error_responder());
    runtime->set_draining_probe([&server] { return server.draining(); });
    if (config->watch) runtime->start_watching();
    uint16_t port;
    try {
      port = server.bind();
    } catch (const std::exception& e) {
      std::cerr << "cannot listen on " << host_port(opt.host, opt.port) << ": " << e.what() << "\n";
      return 1;
    }
    // Tests and scripts wait for this exact line.
    std::cout << "torii listening on " << host_port(opt.host, port) << std::endl;
    torii::log::info("torii {} serving {} model(s), {} provider(s), {} worker(s)", TORII_VERSION,
                     config->models.size(), config->providers.size(), opt.workers);
    server.run();
    runtime->set_draining_probe([] { return true; });
    return 0;
  }();
  if (served != 0) return served;
  std::signal(SIGTERM, SIG_IGN);
  std::signal(SIGINT, SIG_IGN);
  // Every request the workers finished is in the ledger and the log before the process ends.
  if (auto* ledger = torii::governance::Ledger::running()) ledger->stop();
  if (auto* writer = torii::filters::logging::LogWriter::running()) writer->stop();
  if (auto* exporter = torii::filters::tracing::Exporter::running()) exporter->stop();
  torii::log::info("torii stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  Args args;
  std::string error;
  if (argc >= 2 && (std::strcmp(argv[1], "version") == 0 || std::strcmp(argv[1], "--version") == 0)) {
    std::cout << "torii " << TORII_VERSION << "\n";
    return 0;
  }
  if (argc >= 2 && (std::strcmp(argv[1], "help") == 0 || std::strcmp(argv[1], "--help") == 0 ||
                    std::strcmp(argv[1], "-h") == 0)) {
    std::cout << kUsage;
    return 0;
  }
  if (!parse_args(argc, argv, args, error)) {
    std::cerr << "torii: " << error << "\n" << kUsage;
    return 2;
  }
  if (args.command == "serve" || args.command == "check") {
    if (args.config.empty()) {
      std::cerr << "torii " << args.command << ": --config FILE is required\n";
      return 2;
    }
    if (args.command == "check") {
      auto config = load(args.config);
      if (!config) return 1;
      std::cout << "config OK: " << config->providers.size() << " provider(s), " << config->models.size()
                << " model(s)\n";
      return 0;
    }
    return serve(args);
  }
  std::cerr << "torii: unknown command '" << args.command << "'\n" << kUsage;
  return 2;
}
