// Self-test of scripts/check-co-await.mjs: every unsafe form is flagged (with
// the right line and reason), every safe form passes, and the command line
// exits 1 on a bad tree and 0 on a good one.
// Run: node --test scripts/
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkSource, strip } from "./check-co-await.mjs";

const SCRIPT = fileURLToPath(new URL("./check-co-await.mjs", import.meta.url));

// Wraps statements in a coroutine body, as they appear in the tree.
const body = (stmts) => `asio::awaitable<void> handler(Exchange& ex, Request& req) {\n${stmts}\n}\n`;

// The findings for statements placed on line 2 of a coroutine.
const check = (stmts) => checkSource(body(stmts));

// Asserts that `stmts` yields exactly one finding, on line 2 + `lineOffset`,
// with a reason matching `reason`.
function flags(stmts, reason, lineOffset = 0) {
  const f = check(stmts);
  assert.equal(f.length, 1, `expected one finding for:\n${stmts}\ngot: ${JSON.stringify(f, null, 1)}`);
  assert.equal(f[0].line, 2 + lineOffset);
  assert.ok(
    f[0].reasons.some((r) => reason.test(r)),
    `expected a reason matching ${reason} for:\n${stmts}\ngot: ${f[0].reasons.join("; ")}`,
  );
  return f[0];
}

function passes(stmts) {
  const f = check(stmts);
  assert.deepEqual(f, [], `expected no finding for:\n${stmts}\ngot: ${JSON.stringify(f, null, 1)}`);
}

describe("unsafe forms are flagged", () => {
  it("the crash that started it: conditional and concatenation in a nested call", () => {
    const f = flags(`co_await send_error(ex, make_error(400, cond ? "a" : "b" + s));`, /nested call make_error\(\.\.\.\)/);
    assert.ok(f.reasons.includes("conditional ?: operator"));
    assert.ok(f.reasons.includes("binary +"));
    assert.equal(f.expr, `co_await send_error(ex, make_error(400, cond ? "a" : "b" + s))`);
  });
  it("a conditional operator in the arguments", () => {
    flags(`co_await w.send(status, draining ? 503 : 200);`, /^conditional \?: operator$/);
  });
  it("a string concatenation", () => {
    flags(`co_await w.write(prefix + name);`, /^binary \+$/);
    flags(`co_await w.write("a" + name);`, /^binary \+$/);
  });
  it("a nested call building a temporary", () => {
    flags(`co_await w.send(json_response(200, body));`, /^nested call json_response\(\.\.\.\)$/);
    flags(`co_await sleep_ms(w.executor(), 5);`, /^nested call \.executor\(\)$/);
    flags(`co_await f(std::string(path));`, /^nested call std::string\(\.\.\.\)$/);
    flags(`co_await f(std::to_string(port));`, /^nested call std::to_string/);
    flags(`co_await wait_until(c, Clock::now());`, /^nested call Clock::now\(\)$/);
    flags(`co_await f(x.size(1));`, /^nested call \.size\(\.\.\.\)$/);
    flags(`co_await f(std::string_view(body).substr(0, 2));`, /^nested call \.substr/);
  });
  it("a temporary earlier in the awaited call's own chain", () => {
    flags(`co_await make_timer(ex).async_wait(asio::use_awaitable);`, /^nested call make_timer/);
  });
  it("a temporary beside the co_await in an enclosing call", () => {
    flags(`consume(make_key(), co_await read());`, /^nested call make_key\(\)$/);
  });
  it("a lambda in the operand", () => {
    flags(`ec = co_await parse_until(s, b, p, 5, [&] { return p.done(); });`, /^lambda \[&\]$/);
    flags(`ec = co_await parse_until(s, b, p, 5, [=] { return p.done(); });`, /^lambda \[=\]$/);
    flags(`ec = co_await parse_until(s, b, p, 5, [] { return false; });`, /^lambda \[\]$/);
    flags(`co_await run(ex, [this, &x](int n) mutable -> bool { return n > x; });`, /^lambda \[this, &x\]$/);
    flags(`co_await run(ex, [self = shared_from_this()]() {});`, /^lambda \[self = shared_from_this\(\)\]$/);
  });
  it("a braced initializer", () => {
    flags(`co_await f(ex, {1, 2, 3});`, /^braced initializer \{1, 2, 3\}$/);
    flags(`co_await f(ex, {});`, /^braced initializer \{\}$/);
    flags(`co_await f(ex, std::string{"x"});`, /^braced initializer/);
    flags(`Pair p{1, co_await f(ex)};`, /^braced initializer/);
    flags(`return {co_await f(ex), 2};`, /^braced initializer/);
  });
  it("co_await in both arms of a conditional", () => {
    const f = flags(
      `error_code ec = tls ? co_await read_from(*tls, out)\n                   : co_await read_from(*plain, out);`,
      /^2 co_awaits in one full-expression$/,
    );
    assert.ok(f.reasons.includes("conditional ?: operator"));
    assert.equal(f.expr, "error_code ec = tls ? co_await read_from(*tls, out) : co_await read_from(*plain, out)");
  });
  it("co_await nested in another co_await's operand", () => {
    flags(`co_await w.send(co_await build());`, /^2 co_awaits/);
  });
  it("co_await inside an if/while/for/switch condition", () => {
    flags(`if (co_await w.write_chunk(bytes)) return;`, /^co_await inside if \(\.\.\.\)$/);
    flags(`if (!co_await w.write_chunk(bytes)) co_return;`, /^co_await inside if \(\.\.\.\)$/);
    flags(`if constexpr (X) {} else if (bool ok = co_await f(); ok) {}`, /^co_await inside if \(\.\.\.\)$/);
    flags(`while (co_await more(out)) {}`, /^co_await inside while \(\.\.\.\)$/);
    flags(`for (auto& e : co_await list()) use(e);`, /^co_await inside for \(\.\.\.\)$/);
    flags(`for (int i = 0; i < co_await count(); ++i) {}`, /^co_await inside for \(\.\.\.\)$/);
    flags(`switch (co_await kind()) { default: break; }`, /^co_await inside switch \(\.\.\.\)$/);
  });
  it("reports the line of the co_await in a multi-line expression", () => {
    const f = flags(`errors.push_back(\n    co_await parse(s, [&] { return true; }));`, /^lambda/, 1);
    assert.equal(f.expr, "errors.push_back( co_await parse(s, [&] { return true; }))");
  });
  it("each unsafe statement separately, in order", () => {
    const f = check(`co_await a(x + y);\nco_await b(ok);\nco_await c(g());`);
    assert.deepEqual(
      f.map((x) => x.line),
      [2, 4],
    );
  });
});

describe("safe forms pass", () => {
  it("names, member accesses, std::move, *p, &x and literals", () => {
    passes(`co_await ex.out.send(std::move(r));`);
    passes(`co_await send_error(ex, e);`);
    passes(`co_await w.send(std::move(*denied));`);
    passes(`co_await f(*p, &x, a.b, p->c.d, 42, -1, "text/event-stream", 'x', 1'000, 2.5e+3, !done);`);
    passes(`bool open = co_await ex.out.begin_stream(200, std::move(ex.response_headers), "text/event-stream");`);
    passes(`co_await f(a[i], events[i].data, n / 2, n - 1, n * 2, i++, +x);`);
  });
  it("the allow-listed calls", () => {
    passes(`co_await asio::async_write(s, asio::buffer(data.data(), data.size()), asio::use_awaitable);`);
    passes(`auto [ec, n] = co_await s.async_read_some(buffer.prepare(kReadSize), asio::as_tuple(asio::use_awaitable));`);
    passes(
      `auto [ec, n] = co_await stream.async_read_some(buffer.prepare(read_size), boost::asio::as_tuple(boost::asio::use_awaitable));`,
    );
    passes(`co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));`);
    passes(`co_await write_buffers(std::span<const asio::const_buffer>(bufs.data(), n));`);
    passes(`co_await w.write_chunk(std::string_view(body));`);
    passes(`co_await pause(std::chrono::milliseconds(15));`);
    passes(`co_await f(std::ref(a), std::cref(b));`);
  });
  it("co_await of a name, of this_coro::executor, and of an awaitable call result", () => {
    passes(`co_await task;`);
    passes(`co_await *task;`);
    passes(`asio::steady_timer t(co_await asio::this_coro::executor, d);`);
    passes(`auto race = std::make_shared<HedgeRace>(co_await asio::this_coro::executor);`);
    passes(`co_await router.run();`);
    passes(`co_await f<int>(x);`);
    passes(`co_return co_await prepare_translated(client, req, tr);`);
  });
  it("calls that take the co_await's result (they run after the resumption)", () => {
    passes(`errors.push_back(co_await wire::parse_until(s, buffer, parser, kReadSize, done));`);
    passes(`out = co_await prepare_anthropic(client, request);`);
  });
  it("co_await in the statement under an if/else/while, not in its condition", () => {
    passes(`if (!write_now(bufs, written)) co_await write_rest(bufs, written);`);
    passes(`if (req.path().starts_with("/mock/")) co_await serve_admin(*app, req, w);\nelse co_await serve_api(*app, req, w);`);
    passes(`while (more) more = co_await resp.read_some(incoming, err);`);
    passes(`for (auto& e : list()) { co_await f(e); }`);
    passes(`switch (k) { case 1: co_await f(x); break; default: co_await g(y); }`);
    passes(`if (x) { a = b + c; } co_await f(x);`);
    passes(`label: co_await f(x);`);
  });
  it("temporaries outside the awaited full-expression", () => {
    passes(`auto r = make_error(400, cond ? "a" : "b" + s);\nco_await send_error(ex, std::move(r));`);
    passes(`auto done = [&] { return p.done(); };\nec = co_await parse_until(s, b, p, 5, done);`);
    passes(`std::vector<int> v{1, 2};\nco_await f(v);`);
  });
  it("a coroutine lambda whose own co_await is safe", () => {
    passes(`lb.run([&]() -> asio::awaitable<void> { ec = co_await read_request(lb.server, buffer, parser); });`);
    passes(`spawn([&]() -> asio::awaitable<void> {\n  co_await send_pieces(lb.client, pieces, true);\n});`);
  });
  it("but flags an unsafe co_await inside such a lambda", () => {
    flags(`lb.run([&]() -> asio::awaitable<void> { co_await w.send(json_response(200, body)); });`, /nested call json_response/);
  });
  it("co_await in comments, strings and raw strings is not code", () => {
    passes(`// co_await f(a + b ? c : d);\n/* co_await g([&]{}); */ co_await f(x);`);
    passes(`std::string s = "co_await f(a + b)"; co_await f(s);`);
    passes(`auto j = R"({"x": "co_await f(a + b)"})"; co_await f(j);`);
    passes(`auto j = R"x(a )" co_await f(1 + 2) )x"; co_await f(j);`);
    passes(`char c = '"'; co_await f(c); char d = '\\''; co_await f(d);`);
    passes(`#define AWAIT(x) co_await f(x + 1)\nco_await f(x);`);
  });
  it("operator co_await declarations", () => {
    assert.deepEqual(checkSource(`struct A { auto operator co_await() const { return make(a + b); } };`), []);
  });
});

describe("strip", () => {
  it("keeps every position and line", () => {
    const text = `a /* x\ny */ "s\\"t" R"d(\n)")d" 'c' // z\n#include "q"\nb`;
    const { code, display } = strip(text);
    assert.equal(code.length, text.length);
    assert.equal(display.length, text.length);
    assert.deepEqual(code.split("\n").length, text.split("\n").length);
    assert.equal(code.replace(/\s+/g, " ").trim(), `a " " R" " ' ' b`);
    assert.equal(display.replace(/\s+/g, " ").trim(), `a "s\\"t" R"d( )")d" 'c' b`);
  });
});

describe("command line", () => {
  const run = (...args) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8" });
  const tree = (files) => {
    const dir = mkdtempSync(join(tmpdir(), "check-co-await-"));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  };

  it("exits 1 and prints file:line: reason: expression on a bad tree", () => {
    const dir = tree({
      "a/good.cpp": body(`co_await ex.out.send(std::move(r));`),
      "a/bad.hpp": body(`auto r = 1;\nco_await w.send(error(404, "x" + s));`),
      "notes.txt": `co_await f(a + b);`,
    });
    try {
      const r = run(dir);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(
        r.stdout,
        `${join(dir, "a/bad.hpp")}:3: nested call error(...); binary +: co_await w.send(error(404, "x" + s))\n`,
      );
      assert.match(r.stderr, /1 unsafe co_await expression in 2 files/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 0 and prints nothing on a good tree", () => {
    const dir = tree({ "good.cpp": body(`auto r = error(404, "x" + s);\nco_await w.send(std::move(r));`) });
    try {
      const r = run(dir);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.equal(r.stdout, "");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 on a missing path", () => {
    assert.equal(run(join(tmpdir(), "no-such-dir-for-check-co-await")).status, 2);
  });
});
