// Load driver for what wrk cannot measure: many concurrent SSE streams with
// per-event arrival times and byte fidelity, and many idle keep-alive
// connections. One thread, non-blocking sockets, epoll. Prints one JSON object.
//
//   torii-bench-driver stream --port P --streams N [--ramp-ms R] [--model M] [--key K]
//                             [--path /v1/chat/completions] [--hashes-out F] [--hashes-ref F]
//                             [--watch-pids P1,P2] [--timeout-s S]
//   torii-bench-driver idle   --port P --conns N [--hold-s S] [--path /health] [--watch-pids ...]
//   torii-bench-driver free-port
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

struct Options {
  std::string mode;
  std::string host = "127.0.0.1";
  int port = 0;
  int streams = 100;
  int ramp_ms = 1000;
  int conns = 1000;
  int hold_s = 2;
  int timeout_s = 120;
  int max_connecting = 256;
  std::string path;
  std::string model = "mock-1";
  std::string key;
  std::string hashes_out, hashes_ref;
  std::string per_stream;  // file: "index start_us ttft_us" per stream, start from the run's start
  std::vector<int> watch_pids;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "torii-bench-driver: %s\n", why);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  if (argc < 2) usage("mode missing: stream | idle | free-port");
  Options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) usage("flag without value");
    std::string v = argv[++i];
    if (a == "--host") o.host = v;
    else if (a == "--port") o.port = std::atoi(v.c_str());
    else if (a == "--streams") o.streams = std::atoi(v.c_str());
    else if (a == "--ramp-ms") o.ramp_ms = std::atoi(v.c_str());
    else if (a == "--conns") o.conns = std::atoi(v.c_str());
    else if (a == "--hold-s") o.hold_s = std::atoi(v.c_str());
    else if (a == "--timeout-s") o.timeout_s = std::atoi(v.c_str());
    else if (a == "--path") o.path = v;
    else if (a == "--model") o.model = v;
    else if (a == "--key") o.key = v;
    else if (a == "--hashes-out") o.hashes_out = v;
    else if (a == "--hashes-ref") o.hashes_ref = v;
    else if (a == "--per-stream") o.per_stream = v;
    else if (a == "--watch-pids") {
      std::stringstream ss(v);
      std::string p;
      while (std::getline(ss, p, ','))
        if (!p.empty()) o.watch_pids.push_back(std::atoi(p.c_str()));
    } else usage(("unknown flag " + std::string(a)).c_str());
  }
  if (o.path.empty()) o.path = o.mode == "idle" ? "/health" : "/v1/chat/completions";
  return o;
}

// Resident set size in KiB, summed over the watched processes (0 if none).
long rss_kib(const std::vector<int>& pids) {
  long total = 0;
  for (int pid : pids) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("VmRSS:", 0) == 0) total += std::atol(line.c_str() + 6);
  }
  return total;
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Incremental HTTP/1.1 response reader: head, then a chunked, sized or
// close-delimited body, de-chunked into `body`.
struct ResponseReader {
  enum class State { head, chunk_size, chunk_data, chunk_crlf, trailer, sized, until_close, done, error };
  State state = State::head;
  std::string head, line, body;
  int status = 0;
  size_t remaining = 0;
  std::string error;

  bool fail(std::string why) {
    state = State::error;
    error = std::move(why);
    return false;
  }

  bool parse_head() {
    // "HTTP/1.1 200 OK\r\n..." -- headers are matched case-insensitively.
    if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) return fail("bad status line");
    status = std::atoi(head.c_str() + 9);
    std::string lower(head);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      state = State::chunk_size;
    } else if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos) {
      remaining = std::strtoull(lower.c_str() + p + 17, nullptr, 10);
      state = remaining ? State::sized : State::done;
    } else {
      state = State::until_close;
    }
    return true;
  }

  // Consumes bytes; false on a protocol error.
  bool feed(const char* p, size_t n) {
    size_t i = 0;
    while (i < n) {
      switch (state) {
        case State::head: {
          head.push_back(p[i++]);
          if (head.size() > 65536) return fail("head too large");
          if (head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0 && !parse_head()) return false;
          break;
        }
        case State::chunk_size: {
          char c = p[i++];
          if (c != '\n') {
            line.push_back(c);
            if (line.size() > 64) return fail("chunk size line too long");
            break;
          }
          char* end = nullptr;
          remaining = std::strtoull(line.c_str(), &end, 16);
          if (end == line.c_str()) return fail("bad chunk size");
          line.clear();
          state = remaining ? State::chunk_data : State::trailer;
          break;
        }
        case State::chunk_data: {
          size_t take = std::min(remaining, n - i);
          body.append(p + i, take);
          i += take;
          remaining -= take;
          if (!remaining) state = State::chunk_crlf;
          break;
        }
        case State::chunk_crlf: {
          char c = p[i++];
          if (c == '\n') state = State::chunk_size;
          else if (c != '\r') return fail("missing CRLF after chunk");
          break;
        }
        case State::trailer: {
          char c = p[i++];
          if (c != '\n') {
            line.push_back(c);
            break;
          }
          bool blank = line.empty() || line == "\r";
          line.clear();
          if (blank) state = State::done;
          break;
        }
        case State::sized: {
          size_t take = std::min(remaining, n - i);
          body.append(p + i, take);
          i += take;
          remaining -= take;
          if (!remaining) state = State::done;
          break;
        }
        case State::until_close:
          body.append(p + i, n - i);
          i = n;
          break;
        case State::done:
          return fail("bytes after the end of the response");
        case State::error:
          return false;
      }
    }
    return true;
  }
  bool done() const { return state == State::done; }
};

struct Conn {
  int index = 0;
  int fd = -1;
  enum class Phase { connecting, sending, reading, idle, finished } phase = Phase::connecting;
  std::string request;
  size_t sent = 0;
  ResponseReader rr;
  uint64_t t_start = 0, t_last_event = 0;
  int64_t ttft_ns = -1;
  size_t scan = 0;  // where to resume looking for "\n\n" in the body
  int events = 0;
  bool ok = false;
  std::string error;
};

int open_nonblocking(const Options& o) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(o.port));
  ::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out += c;
  }
  return out;
}

double percentile_us(std::vector<uint64_t>& v, double p) {
  if (v.empty()) return -1;
  size_t rank = size_t(std::max(1.0, std::ceil(p / 100.0 * double(v.size()))));
  std::nth_element(v.begin(), v.begin() + long(rank - 1), v.end());
  return double(v[rank - 1]) / 1000.0;
}

std::string dist_json(std::vector<uint64_t>& v) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "{\"n\":%zu,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}",
                v.size(), percentile_us(v, 50), percentile_us(v, 90), percentile_us(v, 99), percentile_us(v, 99.9),
                percentile_us(v, 100));
  return buf;
}

// Shared event loop for both modes: drives connects, request writes and reads.
class Driver {
 public:
  explicit Driver(const Options& o) : o_(o), ep_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (ep_ < 0) usage("epoll_create1 failed");
  }
  ~Driver() {
    for (auto& c : conns_)
      if (c->fd >= 0) ::close(c->fd);
    ::close(ep_);
  }

  int run_stream();
  int run_idle();

 private:
  Conn& start(int index, std::string request) {
    auto c = std::make_unique<Conn>();
    c->index = index;
    c->request = std::move(request);
    c->t_start = now_ns();
    c->fd = open_nonblocking(o_);
    Conn& ref = *c;
    conns_.push_back(std::move(c));
    if (ref.fd < 0) {
      finish(ref, false, std::string("connect: ") + std::strerror(errno));
      return ref;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.ptr = &ref;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, ref.fd, &ev);
    ++connecting_;
    return ref;
  }

  void finish(Conn& c, bool ok, std::string error = {}) {
    if (c.phase == Conn::Phase::finished) return;
    if (c.phase == Conn::Phase::connecting && c.fd >= 0) --connecting_;
    c.phase = Conn::Phase::finished;
    c.ok = ok;
    c.error = std::move(error);
    if (c.fd >= 0) {
      ::close(c.fd);
      c.fd = -1;
    }
    ++finished_;
    if (!ok && errors_.size() < 5) errors_.push_back(c.error);
  }

  void on_writable(Conn& c) {
    if (c.phase == Conn::Phase::connecting) {
      --connecting_;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) {
        c.phase = Conn::Phase::sending;  // not counted as connecting any more
        finish(c, false, std::string("connect: ") + std::strerror(err));
        return;
      }
      c.phase = Conn::Phase::sending;
    }
    while (c.sent < c.request.size()) {
      ssize_t n = ::send(c.fd, c.request.data() + c.sent, c.request.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN) return;
        finish(c, false, std::string("send: ") + std::strerror(errno));
        return;
      }
      c.sent += size_t(n);
    }
    c.phase = Conn::Phase::reading;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  // Reads what is there; records event arrival times in stream mode.
  void on_readable(Conn& c, bool stream_mode) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      uint64_t t = now_ns();
      if (n < 0) {
        if (errno == EAGAIN) return;
        finish(c, false, std::string("recv: ") + std::strerror(errno));
        return;
      }
      if (n == 0) {
        if (c.phase == Conn::Phase::idle) {
          ++closed_by_server_;
          finish(c, true);
        } else if (c.rr.state == ResponseReader::State::until_close) {
          finish(c, c.rr.status == 200);
        } else {
          finish(c, false, "connection closed before the response ended");
        }
        return;
      }
      if (c.phase == Conn::Phase::idle) {
        finish(c, false, "unexpected bytes on an idle connection");
        return;
      }
      if (!c.rr.feed(buf, size_t(n))) {
        finish(c, false, "bad response: " + c.rr.error);
        return;
      }
      if (stream_mode) {
        const std::string& body = c.rr.body;
        for (;;) {
          size_t p = body.find("\n\n", c.scan);
          if (p == std::string::npos) {
            c.scan = body.size() > 0 ? body.size() - 1 : 0;
            break;
          }
          c.scan = p + 2;
          if (c.events == 0) c.ttft_ns = int64_t(t - c.t_start);
          else gaps_.push_back(t - c.t_last_event);
          c.t_last_event = t;
          ++c.events;
        }
      }
      if (c.rr.done()) {
        if (c.rr.status != 200) {
          finish(c, false, "status " + std::to_string(c.rr.status));
        } else if (stream_mode) {
          finish(c, true);
        } else {
          c.phase = Conn::Phase::idle;
          ++idle_;
        }
        return;
      }
    }
  }

  void poll_once(int timeout_ms, bool stream_mode) {
    epoll_event evs[256];
    int n = ::epoll_wait(ep_, evs, 256, timeout_ms);
    for (int i = 0; i < n; ++i) {
      Conn& c = *static_cast<Conn*>(evs[i].data.ptr);
      if (c.phase == Conn::Phase::finished) continue;
      if (c.phase == Conn::Phase::connecting || c.phase == Conn::Phase::sending) {
        if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable(c);
      } else {
        on_readable(c, stream_mode);
      }
    }
  }

  void sample_rss() {
    if (o_.watch_pids.empty()) return;
    long r = rss_kib(o_.watch_pids);
    rss_max_ = std::max(rss_max_, r);
    rss_last_ = r;
  }

  const Options& o_;
  int ep_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<uint64_t> gaps_;
  std::vector<std::string> errors_;
  int connecting_ = 0, finished_ = 0, idle_ = 0, closed_by_server_ = 0;
  long rss_max_ = 0, rss_last_ = 0;
};

std::string stream_request(const Options& o, int index) {
  std::string body = "{\"model\":\"" + o.model +
                     "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Stream number " +
                     std::to_string(index) + ": tell me a long story about a gateway.\"}]}";
  std::string r = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
                  "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n";
  if (!o.key.empty()) r += "Authorization: Bearer " + o.key + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

int Driver::run_stream() {
  const uint64_t t0 = now_ns();
  const uint64_t deadline = t0 + uint64_t(o_.timeout_s) * 1'000'000'000u;
  const uint64_t step = o_.streams > 0 ? uint64_t(o_.ramp_ms) * 1'000'000u / uint64_t(o_.streams) : 0;
  uint64_t next_sample = t0;
  int started = 0;
  size_t peak_open = 0;
  while (finished_ < o_.streams) {
    uint64_t t = now_ns();
    if (t >= deadline) break;
    while (started < o_.streams && t0 + step * uint64_t(started) <= t) {
      start(started, stream_request(o_, started));
      ++started;
    }
    peak_open = std::max(peak_open, size_t(started - finished_));
    if (t >= next_sample) {
      sample_rss();
      next_sample = t + 100'000'000u;
    }
    int timeout_ms = 50;
    if (started < o_.streams) {
      uint64_t due = t0 + step * uint64_t(started);
      timeout_ms = due > t ? int((due - t + 999'999) / 1'000'000) : 0;
    }
    poll_once(timeout_ms, true);
  }
  const double elapsed = double(now_ns() - t0) / 1e9;

  std::vector<uint64_t> ttft;
  int completed = 0, failed = 0, timed_out = 0;
  long events = 0;
  int ev_min = -1, ev_max = 0;
  std::map<int, std::pair<uint64_t, int>> hashes;  // index -> (body hash, events)
  for (auto& c : conns_) {
    if (c->phase != Conn::Phase::finished) {
      ++timed_out;
      continue;
    }
    if (!c->ok) {
      ++failed;
      continue;
    }
    ++completed;
    events += c->events;
    ev_min = ev_min < 0 ? c->events : std::min(ev_min, c->events);
    ev_max = std::max(ev_max, c->events);
    if (c->ttft_ns >= 0) ttft.push_back(uint64_t(c->ttft_ns));
    hashes[c->index] = {fnv1a(c->rr.body), c->events};
  }

  if (!o_.per_stream.empty()) {
    // When each stream started and how long its first event took: whether
    // slow first events cluster at the start of a run (a cold process).
    std::ofstream f(o_.per_stream);
    for (auto& c : conns_)
      f << c->index << ' ' << (c->t_start >= t0 ? (c->t_start - t0) / 1000 : 0) << ' '
        << (c->ttft_ns >= 0 ? c->ttft_ns / 1000 : -1) << '\n';
  }
  if (!o_.hashes_out.empty()) {
    std::ofstream f(o_.hashes_out);
    for (auto& [i, h] : hashes) f << i << ' ' << h.first << ' ' << h.second << '\n';
  }
  int compared = 0, identical = 0;
  if (!o_.hashes_ref.empty()) {
    std::ifstream f(o_.hashes_ref);
    int i, ev;
    uint64_t h;
    std::map<int, uint64_t> ref;
    while (f >> i >> h >> ev) ref[i] = h;
    for (int k = 0; k < o_.streams; ++k) {
      auto r = ref.find(k);
      if (r == ref.end()) continue;  // the reference stream itself failed
      ++compared;
      auto mine = hashes.find(k);
      if (mine != hashes.end() && mine->second.first == r->second) ++identical;
    }
  }

  std::printf("{\"mode\":\"stream\",\"streams\":%d,\"completed\":%d,\"failed\":%d,\"timed_out\":%d,"
              "\"peak_open\":%zu,\"events\":%ld,\"events_min\":%d,\"events_max\":%d,\"elapsed_s\":%.3f,"
              "\"ttft_us\":%s,\"gap_us\":%s,\"fidelity\":{\"compared\":%d,\"identical\":%d},"
              "\"rss_max_kib\":%ld,\"errors\":[",
              o_.streams, completed, failed, timed_out, peak_open, events, ev_min, ev_max, elapsed,
              dist_json(ttft).c_str(), dist_json(gaps_).c_str(), compared, identical, rss_max_);
  for (size_t i = 0; i < errors_.size(); ++i)
    std::printf("%s\"%s\"", i ? "," : "", json_escape(errors_[i]).c_str());
  std::printf("]}\n");
  return completed == o_.streams ? 0 : 1;
}

int Driver::run_idle() {
  const uint64_t t0 = now_ns();
  const uint64_t deadline = t0 + uint64_t(o_.timeout_s) * 1'000'000'000u;
  const std::string request = "GET " + o_.path + " HTTP/1.1\r\nHost: " + o_.host + "\r\n" +
                              (o_.key.empty() ? "" : "Authorization: Bearer " + o_.key + "\r\n") + "\r\n";
  int started = 0;
  // Connect in bounded batches so the listen backlog never overflows.
  while (idle_ + finished_ < o_.conns && now_ns() < deadline) {
    while (started < o_.conns && connecting_ < o_.max_connecting && started - idle_ - finished_ < o_.max_connecting) {
      start(started, request);
      ++started;
    }
    poll_once(20, false);
  }
  const double connect_s = double(now_ns() - t0) / 1e9;
  const int established = idle_;
  sample_rss();
  // Hold the connections idle; watch for the server closing any of them.
  const uint64_t hold_end = now_ns() + uint64_t(o_.hold_s) * 1'000'000'000u;
  uint64_t next_sample = now_ns() + 250'000'000u;
  while (now_ns() < hold_end) {
    poll_once(50, false);
    if (now_ns() >= next_sample) {
      sample_rss();
      next_sample = now_ns() + 250'000'000u;
    }
  }
  sample_rss();
  int failed = 0;
  for (auto& c : conns_)
    if (c->phase == Conn::Phase::finished && !c->ok) ++failed;
  std::printf("{\"mode\":\"idle\",\"conns\":%d,\"established\":%d,\"failed\":%d,\"closed_by_server\":%d,"
              "\"still_open\":%d,\"connect_s\":%.3f,\"rss_max_kib\":%ld,\"rss_last_kib\":%ld,\"errors\":[",
              o_.conns, established, failed, closed_by_server_, established - closed_by_server_, connect_s, rss_max_,
              rss_last_);
  for (size_t i = 0; i < errors_.size(); ++i)
    std::printf("%s\"%s\"", i ? "," : "", json_escape(errors_[i]).c_str());
  std::printf("]}\n");
  return established == o_.conns ? 0 : 1;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    usage("could not bind an ephemeral port");
  std::printf("%d\n", ntohs(addr.sin_port));
  ::close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  if (o.mode == "free-port") return free_port();
  if (o.port <= 0) usage("--port is required");
  Driver d(o);
  if (o.mode == "stream") return d.run_stream();
  if (o.mode == "idle") return d.run_idle();
  usage("unknown mode");
}
