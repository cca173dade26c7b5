// Turns the raw records of one bench/run.sh run (JSON lines) into
// results/latest.md and results/latest.json: per-scenario tables, ratios
// against nginx and the direct path, and the targets marked met or missed.
// Usage: node bench/report.mjs RESULTS.jsonl OUT_DIR
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [, , resultsPath, outDir] = process.argv;
const records = readFileSync(resultsPath, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l, i) => {
    try {
      return JSON.parse(l);
    } catch (e) {
      throw new Error(`line ${i + 1} of ${resultsPath}: ${e.message}`);
    }
  });
const meta = records.find((r) => r.kind === "meta") ?? {};
const clk = meta.clk_tck || 100;
const workersList = meta.workers_list ?? [];

// ---------- helpers ----------
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
const us = (x) => (Number.isFinite(x) ? (Math.abs(x) >= 10000 ? `${(x / 1000).toFixed(1)} ms` : `${x.toFixed(0)} µs`) : "n/a");
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
const mib = (kib) => (Number.isFinite(kib) ? kib / 1024 : NaN);

// All wrk rounds of one group, merged: throughput over the summed time, the
// median of the per-round percentiles, CPU over the summed requests.
function wrkGroup(filter) {
  const rs = records.filter((r) => r.kind === "wrk" && r.wrk && r.wrk.requests !== undefined && filter(r));
  if (!rs.length) return null;
  const sum = (f) => rs.reduce((a, r) => a + f(r), 0);
  const requests = sum((r) => r.wrk.requests);
  const seconds = sum((r) => r.wrk.duration_us) / 1e6;
  const cpuS = sum((r) => r.cpu_ticks ?? 0) / clk;
  const e = (k) => sum((r) => r.wrk.errors?.[k] ?? 0);
  return {
    rounds: rs.length,
    requests,
    rps: requests / seconds,
    p50: median(rs.map((r) => r.wrk.latency_us.p50)),
    p90: median(rs.map((r) => r.wrk.latency_us.p90)),
    p99: median(rs.map((r) => r.wrk.latency_us.p99)),
    mean: median(rs.map((r) => r.wrk.latency_us.mean)),
    cpu_us_per_req: requests ? (cpuS * 1e6) / requests : NaN,
    cpu_s: cpuS,
    non2xx: e("status"),
    socket_errors: e("connect") + e("read") + e("write") + e("timeout"),
  };
}
const grp = (scenario, w, target, extra = () => true) =>
  wrkGroup((r) => r.scenario === scenario && r.workers === w && r.target === target && extra(r));

const md = [];
const summary = {};
const targets = [];
function fmtUnit(x, unit) {
  if (unit === "x") return `${fmt(x, 2)}x`;
  if (unit === "%") return `${fmt(x, 1)} %`;
  if (unit === "MiB") return `${fmt(x, 1)} MiB`;
  if (unit === "ms") return `${fmt(x, 1)} ms`;
  if (unit === "µs") return us(x);
  return `${fmt(x, 0)}${unit ? " " + unit : ""}`;
}
function target(name, w, measured, limit, unit, cmp, extra = "") {
  let status = "not measured";
  let margin = "";
  if (Number.isFinite(measured)) {
    const ok = cmp === "<=" ? measured <= limit : measured >= limit;
    status = ok ? "met" : "missed";
    const gap = cmp === "<=" ? measured - limit : limit - measured;
    const show = (x) => fmtUnit(Math.abs(x), unit);
    margin = ok ? (gap === 0 ? "" : `${show(gap)} to spare`) : `${show(gap)} over`;
  }
  const shown = fmtUnit(measured, unit);
  const lim = fmtUnit(limit, unit);
  targets.push({ name, workers: w, measured, limit, unit, cmp, status, margin, note: extra });
  return { name, w, shown, lim: `${cmp === "<=" ? "≤" : "≥"} ${lim}`, status, margin, extra };
}
const targetRows = [];

// ---------- header ----------
md.push("# Torii benchmark");
md.push("");
md.push(
  `${meta.date ?? "?"} · commit ${meta.commit ?? "?"}${meta.dirty ? " (with uncommitted changes in src/ or tools/)" : ""} · ` +
    `${meta.nproc} cores (${meta.cpu}), kernel ${meta.kernel} · load average at start ${meta.loadavg} · nginx ${meta.nginx} · wrk ${meta.wrk}`,
);
md.push("");
md.push(
  `Every scenario runs torii, nginx and the direct path against the same torii-mock processes in the same run. ` +
    `wrk runs are ${meta.duration} s each, ${meta.rounds} interleaved rounds per target (rotated order); ` +
    `throughput is total requests over total time, p50/p99 are the median of the rounds' values, CPU is user+sys of the serving ` +
    `process(es) from /proc/PID/stat over all rounds divided by the requests. ` +
    (meta.pin == 1
      ? `With 1 worker the mocks are pinned to CPU 1 and the proxy under test (torii or nginx) to CPU 0 with taskset; wrk and the stream driver are not pinned. With ${meta.nproc} workers nothing is pinned.`
      : "Nothing is pinned."),
);
md.push("");

// ---------- 1. throughput ----------
const sec1 = [];
for (const w of workersList) {
  const d = grp("throughput", w, "direct"), n = grp("throughput", w, "nginx"), t = grp("throughput", w, "torii");
  if (!d && !n && !t) continue;
  summary.throughput ??= {};
  summary.throughput[w] = { direct: d, nginx: n, torii: t };
  sec1.push(`**workers=${w}**, ${meta.connections} connections:`, "");
  sec1.push("| path | requests/s | p50 | p99 | CPU per request (serving process) | non-2xx / socket errors |", "|---|---|---|---|---|---|");
  for (const [name, g] of [["direct to torii-mock", d], ["through nginx", n], ["through torii", t]])
    if (g) sec1.push(`| ${name} | ${fmtInt(g.rps)} | ${us(g.p50)} | ${us(g.p99)} | ${fmt(g.cpu_us_per_req, 1)} µs | ${g.non2xx} / ${g.socket_errors} |`);
  const thr = ratio(t?.rps, n?.rps), cpu = ratio(t?.cpu_us_per_req, n?.cpu_us_per_req);
  sec1.push("", `torii/nginx: throughput **${fmt(thr, 2)}x**, CPU per request **${fmt(cpu, 2)}x**; torii/direct throughput ${fmt(ratio(t?.rps, d?.rps), 2)}x.`, "");
  targetRows.push(target("CPU per proxied small request vs nginx", w, cpu, 1.5, "x", "<="));
  targetRows.push(target("Throughput vs nginx", w, thr, 0.8, "x", ">="));
}
if (sec1.length) md.push("## 1. Small non-streaming chat", "", ...sec1);

// ---------- 1b. observed: request log with bodies + metrics ----------
const sec1b = [];
for (const w of workersList) {
  const p = grp("observed", w, "torii"), o = grp("observed", w, "torii-observed");
  if (!p || !o) continue;
  const lw = records.find((r) => r.kind === "logwriter" && r.workers === w);
  const written = lw && Number.isFinite(lw.written_after) && Number.isFinite(lw.written_before) ? lw.written_after - lw.written_before : NaN;
  const perSec = lw ? written / lw.seconds : NaN;
  summary.observed ??= {};
  summary.observed[w] = { plain: p, observed: o, log_writer: lw ? { ...lw, written, records_per_second: perSec } : null };
  sec1b.push(`**workers=${w}**, ${meta.connections} connections (the same requests as section 1):`, "");
  sec1b.push("| torii | requests/s | p50 | p99 | CPU per request (whole process, log writer included) | non-2xx / socket errors |", "|---|---|---|---|---|---|");
  for (const [name, g] of [["plain (no request log; metrics on)", p], ["request log with bodies + metrics", o]])
    sec1b.push(`| ${name} | ${fmtInt(g.rps)} | ${us(g.p50)} | ${us(g.p99)} | ${fmt(g.cpu_us_per_req, 1)} µs | ${g.non2xx} / ${g.socket_errors} |`);
  const cpu = ratio(o.cpu_us_per_req, p.cpu_us_per_req), thr = ratio(o.rps, p.rps);
  sec1b.push("", `observed/plain: CPU per request **${fmt(cpu, 2)}x**, throughput **${fmt(thr, 2)}x**.` +
    (lw ? ` The log writer wrote ${fmtInt(written)} records in ${fmt(lw.seconds, 1)} s of rounds (**${fmtInt(perSec)} records/s**, every request of the observed rounds and their warm-up), ${lw.queue_depth} still queued a second later, ${lw.dropped} dropped, ${lw.store_errors} failed writes.` : ""), "");
  targetRows.push(target("Request log (bodies) + metrics: CPU per request vs plain", w, cpu, 1.3, "x", "<="));
  targetRows.push(target("Request log (bodies) + metrics: throughput vs plain", w, thr, 0.85, "x", ">="));
  if (lw) targetRows.push(target("Log writer: records dropped", w, Number(lw.dropped), 0, "records", "<=", `${lw.queue_depth} queued a second after the load`));
}
if (sec1b.length) md.push("## 1b. Request log and metrics on", "", ...sec1b);

// ---------- 1c. governed: virtual key + budget + rate limits ----------
const sec1c = [];
for (const w of workersList) {
  const p = grp("governed", w, "torii"), g = grp("governed", w, "torii-governed");
  if (!p || !g) continue;
  summary.governed ??= {};
  summary.governed[w] = { plain: p, governed: g };
  sec1c.push(`**workers=${w}**, ${meta.connections} connections (the same requests as section 1):`, "");
  sec1c.push("| torii | requests/s | p50 | p99 | CPU per request (whole process) | non-2xx / socket errors |", "|---|---|---|---|---|---|");
  for (const [name, x] of [["plain (static key)", p], ["virtual key + monthly budget + rpm/tpm (embedded store)", g]])
    sec1c.push(`| ${name} | ${fmtInt(x.rps)} | ${us(x.p50)} | ${us(x.p99)} | ${fmt(x.cpu_us_per_req, 1)} µs | ${x.non2xx} / ${x.socket_errors} |`);
  const cpu = ratio(g.cpu_us_per_req, p.cpu_us_per_req), thr = ratio(g.rps, p.rps);
  sec1c.push("", `governed/plain: CPU per request **${fmt(cpu, 2)}x**, throughput **${fmt(thr, 2)}x**.`, "");
  targetRows.push(target("Virtual key + budget + rpm/tpm: CPU per request vs plain", w, cpu, 1.3, "x", "<=",
    g.non2xx ? `${g.non2xx} non-2xx answers on the governed path` : ""));
}
if (sec1c.length) md.push("## 1c. Virtual key, budget and rate limits on every request", "", ...sec1c);

// ---------- 1d. shared counters in Redis ----------
const sec1d = [];
for (const w of workersList) {
  const p = grp("shared", w, "torii"), g = grp("shared", w, "torii-governed"), r = grp("shared", w, "torii-shared");
  if (!p || !r) continue;
  const rtt = records.find((x) => x.kind === "redis_rtt" && x.workers === w);
  summary.shared ??= {};
  summary.shared[w] = { plain: p, governed: g, shared: r, redis_rtt: rtt ?? null };
  sec1d.push(`**workers=${w}**, one connection:`, "");
  sec1d.push("| torii | requests/s | p50 | p99 | CPU per request | non-2xx / socket errors |", "|---|---|---|---|---|---|");
  for (const [name, x] of [["plain (static key)", p], ["governed, embedded counters", g], ["governed, counters in Redis", r]])
    if (x) sec1d.push(`| ${name} | ${fmtInt(x.rps)} | ${us(x.p50)} | ${us(x.p99)} | ${fmt(x.cpu_us_per_req, 1)} µs | ${x.non2xx} / ${x.socket_errors} |`);
  const added = r.p50 - p.p50;
  const rttP50 = Number(rtt?.p50_us);
  sec1d.push("", `Redis adds **${fmt(added, 0)} µs** at p50 over the plain proxy; a Redis PING round trip on the same loopback takes ${fmt(rttP50, 0)} µs (p50, redis-benchmark, one client).`, "");
  targetRows.push(target("Redis-backed limits and budget: added latency p50 vs one Redis round trip + 50 µs", w, added,
    Number.isFinite(rttP50) ? rttP50 + 50 : NaN, "µs", "<=", r.non2xx ? `${r.non2xx} non-2xx answers` : ""));
}
if (sec1d.length) md.push("## 1d. Rate limits and budget in Redis (shared counters)", "", ...sec1d);

// ---------- 1e. exact-cache hits ----------
const sec1e = [];
for (const w of workersList) {
  for (const [scenario, label] of [["cached", `${meta.connections} connections`], ["cached-c1", "one connection"]]) {
    const n = grp(scenario, w, "nginx-static"), c = grp(scenario, w, "torii-cached");
    if (!n || !c) continue;
    summary.cached ??= {};
    (summary.cached[w] ??= {})[scenario] = { nginx_static: n, torii_cached: c };
    sec1e.push(`**workers=${w}**, ${label}:`, "");
    sec1e.push("| server | requests/s | p50 | p99 | CPU per request | non-2xx / socket errors |", "|---|---|---|---|---|---|");
    for (const [name, x] of [["nginx, the same answer from its config (`return 200`)", n], ["torii, exact-cache hit (memory)", c]])
      sec1e.push(`| ${name} | ${fmtInt(x.rps)} | ${us(x.p50)} | ${us(x.p99)} | ${fmt(x.cpu_us_per_req, 1)} µs | ${x.non2xx} / ${x.socket_errors} |`);
    const cpu = ratio(c.cpu_us_per_req, n.cpu_us_per_req);
    sec1e.push("", `cache hit / nginx static: CPU per request **${fmt(cpu, 2)}x**, throughput **${fmt(ratio(c.rps, n.rps), 2)}x**, p50 ${us(c.p50)} vs ${us(n.p50)}.`, "");
    if (scenario === "cached")
      targetRows.push(target("Exact-cache hit: CPU per request vs nginx serving a static answer", w, cpu, 2.0, "x", "<=",
        c.non2xx ? `${c.non2xx} non-2xx answers` : ""));
  }
}
if (sec1e.length) md.push("## 1e. Exact-cache hits", "", ...sec1e);

// ---------- 1f. guardrails ----------
const sec1f = [];
for (const w of workersList) {
  const p = grp("guarded", w, "torii"), g = grp("guarded", w, "torii-guarded");
  if (!p || !g) continue;
  const sp = streamGroup(w, "guarded-torii")?.driver, sg = streamGroup(w, "guarded-torii-guarded")?.driver;
  summary.guarded ??= {};
  summary.guarded[w] = { plain: p, guarded: g, streams_plain: sp, streams_guarded: sg };
  sec1f.push(`**workers=${w}**, ${meta.connections} connections (the requests of section 1), the full PII detector set redacting input and output:`, "");
  sec1f.push("| torii | requests/s | p50 | p99 | CPU per request | non-2xx / socket errors |", "|---|---|---|---|---|---|");
  for (const [name, x] of [["plain", p], ["guardrails: PII on input and output", g]])
    sec1f.push(`| ${name} | ${fmtInt(x.rps)} | ${us(x.p50)} | ${us(x.p99)} | ${fmt(x.cpu_us_per_req, 1)} µs | ${x.non2xx} / ${x.socket_errors} |`);
  const cpu = ratio(g.cpu_us_per_req, p.cpu_us_per_req);
  sec1f.push("", `guarded/plain: CPU per request **${fmt(cpu, 2)}x**, throughput **${fmt(ratio(g.rps, p.rps), 2)}x**.`, "");
  targetRows.push(target("Guardrails (PII in and out): CPU per request vs plain", w, cpu, 1.5, "x", "<=",
    g.non2xx ? `${g.non2xx} non-2xx answers` : ""));
  if (sp?.ttft_us && sg?.ttft_us) {
    const added = sg.ttft_us.p99 - sp.ttft_us.p99;
    sec1f.push(`Streams (${sg.streams} per round, ${meta.stream_events} events each): TTFT p50 ${us(sp.ttft_us.p50)} plain vs ${us(sg.ttft_us.p50)} guarded, p99 ${us(sp.ttft_us.p99)} vs ${us(sg.ttft_us.p99)} (**${us(added)}** added); ${sg.completed}/${sg.streams} guarded streams completed.`, "");
    targetRows.push(target("Guardrails on streams: added TTFT p99", w, added, 1000, "µs", "<="));
  }
}
if (sec1f.length) md.push("## 1f. Guardrails on every request", "", ...sec1f);

// ---------- 2. latency ----------
const sec2 = [];
for (const w of workersList) {
  for (const c of [1, 16]) {
    const f = (r) => r.conns === c;
    const d = grp("latency", w, "direct", f), n = grp("latency", w, "nginx", f), t = grp("latency", w, "torii", f);
    if (!d || !t) continue;
    summary.latency ??= {};
    (summary.latency[w] ??= {})[c] = {
      direct: d, nginx: n, torii: t,
      torii_added_p50: t.p50 - d.p50, torii_added_p99: t.p99 - d.p99,
      nginx_added_p50: n ? n.p50 - d.p50 : null, nginx_added_p99: n ? n.p99 - d.p99 : null,
    };
    sec2.push(`**workers=${w}, concurrency ${c}:**`, "");
    sec2.push("| path | p50 | p90 | p99 | added p50 | added p99 | requests/s |", "|---|---|---|---|---|---|---|");
    sec2.push(`| direct | ${us(d.p50)} | ${us(d.p90)} | ${us(d.p99)} | | | ${fmtInt(d.rps)} |`);
    if (n) sec2.push(`| nginx | ${us(n.p50)} | ${us(n.p90)} | ${us(n.p99)} | ${us(n.p50 - d.p50)} | ${us(n.p99 - d.p99)} | ${fmtInt(n.rps)} |`);
    sec2.push(`| torii | ${us(t.p50)} | ${us(t.p90)} | ${us(t.p99)} | ${us(t.p50 - d.p50)} | ${us(t.p99 - d.p99)} | ${fmtInt(t.rps)} |`, "");
    if (c === 1) {
      targetRows.push(target("Added latency at concurrency 1, p50", w, t.p50 - d.p50, 50, "µs", "<="));
      targetRows.push(target("Added latency at concurrency 1, p99", w, t.p99 - d.p99, 200, "µs", "<="));
    }
  }
}
if (sec2.length) md.push("## 2. Latency at low load", "", ...sec2);

// ---------- 3. streaming ----------
// The rounds of one path merged into the driver's result shape.
function streamGroup(w, target) {
  const rs = records.filter((r) => r.kind === "stream" && r.workers === w && r.target === target && r.driver?.mode);
  if (!rs.length) return null;
  const xs = rs.map((r) => r.driver);
  const sum = (f) => xs.reduce((a, x) => a + (f(x) ?? 0), 0);
  const best = (k, p) => Math.min(...xs.map((x) => x[k]?.[p]).filter((v) => Number.isFinite(v) && v >= 0));
  const dist = (k) => ({ p50: best(k, "p50"), p90: best(k, "p90"), p99: best(k, "p99"), p999: best(k, "p999"), max: best(k, "max") });
  return {
    rounds: rs.length,
    cpu_ticks: rs.reduce((a, r) => a + (r.cpu_ticks ?? 0), 0),
    driver: {
      streams: sum((x) => x.streams), completed: sum((x) => x.completed), failed: sum((x) => x.failed),
      events: sum((x) => x.events), events_min: Math.min(...xs.map((x) => x.events_min)), events_max: Math.max(...xs.map((x) => x.events_max)),
      peak_open: Math.max(...xs.map((x) => x.peak_open ?? 0)),
      ttft_us: dist("ttft_us"), gap_us: dist("gap_us"),
      fidelity: { compared: sum((x) => x.fidelity?.compared), identical: sum((x) => x.fidelity?.identical) },
      rss_max_kib: Math.max(...xs.map((x) => x.rss_max_kib ?? 0)),
      errors: xs.flatMap((x) => x.errors ?? []).slice(0, 5),
      per_round: xs.map((x) => ({ ttft_us: x.ttft_us, gap_us: x.gap_us, completed: x.completed, fidelity: x.fidelity })),
    },
  };
}
const sec3 = [];
for (const w of workersList) {
  const get = (t) => streamGroup(w, t);
  const d = get("direct"), n = get("nginx"), t = get("torii");
  if (!d || !t) continue;
  const row = (name, r) => {
    const x = r.driver ?? {};
    const fid = name === "direct" && !x.fidelity?.compared ? "reference" : x.fidelity?.compared ? `${x.fidelity.identical}/${x.fidelity.compared}` : "n/a";
    const cpuPerEvent = x.events ? ((r.cpu_ticks / clk) * 1e6) / x.events : NaN;
    return `| ${name} | ${x.completed ?? "n/a"}/${x.streams ?? "?"} | ${fmtInt(x.events)} (${x.events_min}–${x.events_max} per stream) | ${us(x.ttft_us?.p50)} | ${us(x.ttft_us?.p99)} | ${us(x.gap_us?.p50)} | ${us(x.gap_us?.p99)} | ${us(x.gap_us?.p999)} | ${fid} | ${fmt(cpuPerEvent, 2)} µs | ${fmt(mib(x.rss_max_kib), 1)} MiB |`;
  };
  const D = d.driver ?? {}, T = t.driver ?? {}, N = n?.driver ?? {};
  const addedTtft99 = T.ttft_us?.p99 - D.ttft_us?.p99, addedGap99 = T.gap_us?.p99 - D.gap_us?.p99;
  const fidelity = T.streams ? (100 * (T.fidelity?.identical ?? 0)) / T.streams : NaN;
  summary.streaming ??= {};
  summary.streaming[w] = {
    direct: D, nginx: N, torii: T,
    torii_added_ttft_p50: T.ttft_us?.p50 - D.ttft_us?.p50, torii_added_ttft_p99: addedTtft99,
    torii_added_gap_p50: T.gap_us?.p50 - D.gap_us?.p50, torii_added_gap_p99: addedGap99,
    nginx_added_ttft_p99: N.ttft_us?.p99 - D.ttft_us?.p99, nginx_added_gap_p99: N.gap_us?.p99 - D.gap_us?.p99,
    torii_fidelity_pct: fidelity,
  };
  sec3.push(`**workers=${w}**: ${meta.streams} concurrent streams (${meta.streams_note}) of ${meta.stream_events} events, content paced at ${meta.stream_tps}/s, started over ${meta.stream_ramp_ms} ms; ${d.rounds} rounds per path (peak open: torii ${T.peak_open}, direct ${D.peak_open}). Percentiles are the best of the rounds (interference from other load only adds latency; every round's figures are in latest.json), counts and CPU are summed.`, "");
  sec3.push("| path | completed | events | TTFT p50 | TTFT p99 | gap p50 | gap p99 | gap p99.9 | byte-identical to direct | serving process CPU per event | serving process RSS peak |", "|---|---|---|---|---|---|---|---|---|---|---|");
  sec3.push(row("direct", d));
  if (n) sec3.push(row("nginx", n));
  sec3.push(row("torii", t), "");
  sec3.push(
    `Added by torii: TTFT p50 ${us(T.ttft_us?.p50 - D.ttft_us?.p50)}, p99 **${us(addedTtft99)}**; inter-event gap p50 ${us(T.gap_us?.p50 - D.gap_us?.p50)}, p99 **${us(addedGap99)}**. ` +
      (n ? `Added by nginx: TTFT p99 ${us(N.ttft_us?.p99 - D.ttft_us?.p99)}, gap p99 ${us(N.gap_us?.p99 - D.gap_us?.p99)}. ` : "") +
      `(The gap is the time between consecutive events of one stream as the client sees them; the mock paces content events ${fmt(1000 / meta.stream_tps, 0)} ms apart. "CPU per event" is the serving process's CPU over the run divided by the events delivered.)`,
    "",
  );
  if ((T.errors ?? []).length) sec3.push(`torii stream errors (first ${T.errors.length}): ${T.errors.join("; ")}`, "");
  targetRows.push(target("Streaming: added TTFT p99", w, addedTtft99, 1000, "µs", "<="));
  targetRows.push(target("Streaming: added inter-event p99", w, addedGap99, 1000, "µs", "<="));
  targetRows.push(target("Streaming: fidelity (streams complete and byte-identical)", w, fidelity, 100, "%", ">="));
}
if (sec3.length) md.push("## 3. Streaming", "", ...sec3);

// ---------- 4. large bodies ----------
const sec4 = [];
for (const w of workersList) {
  const sizes = [...new Set(records.filter((r) => r.scenario === "large" && r.workers === w).map((r) => Number(r.env_BENCH_BODY_BYTES)))].sort((a, b) => a - b);
  if (!sizes.length) continue;
  const rows = [];
  for (const s of sizes) {
    const f = (r) => Number(r.env_BENCH_BODY_BYTES) === s;
    const d = grp("large", w, "direct", f), n = grp("large", w, "nginx", f), t = grp("large", w, "torii", f);
    rows.push({ size: s, d, n, t });
  }
  summary.large ??= {};
  summary.large[w] = rows.map((r) => ({
    size: r.size, direct: r.d, nginx: r.n, torii: r.t,
    torii_added_p50: r.t?.p50 - r.d?.p50, torii_added_p99: r.t?.p99 - r.d?.p99, nginx_added_p50: r.n?.p50 - r.d?.p50,
  }));
  sec4.push(`**workers=${w}**, concurrency 1:`, "");
  sec4.push("| body | direct p50 | nginx p50 | torii p50 | torii added p50 / p99 | nginx added p50 | torii CPU/request | nginx CPU/request | torii CPU per KiB |", "|---|---|---|---|---|---|---|---|---|");
  for (const { size, d, n, t } of rows)
    sec4.push(`| ${fmt(size / 1024, 0)} KiB | ${us(d?.p50)} | ${us(n?.p50)} | ${us(t?.p50)} | ${us(t?.p50 - d?.p50)} / ${us(t?.p99 - d?.p99)} | ${us(n?.p50 - d?.p50)} | ${fmt(t?.cpu_us_per_req, 1)} µs | ${fmt(n?.cpu_us_per_req, 1)} µs | ${fmt(t?.cpu_us_per_req / (size / 1024), 2)} µs |`);
  // Linearity: the marginal cost per KiB between consecutive sizes.
  const slopes = [];
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1], b = rows[i];
    const kib = (b.size - a.size) / 1024;
    slopes.push({
      from: a.size, to: b.size,
      cpu_us_per_kib: (b.t?.cpu_us_per_req - a.t?.cpu_us_per_req) / kib,
      added_us_per_kib: (b.t?.p50 - b.d?.p50 - (a.t?.p50 - a.d?.p50)) / kib,
      nginx_cpu_us_per_kib: (b.n?.cpu_us_per_req - a.n?.cpu_us_per_req) / kib,
    });
  }
  summary.large_slopes ??= {};
  summary.large_slopes[w] = slopes;
  if (slopes.length) {
    sec4.push("", "Marginal cost per extra KiB of body (linear growth keeps these close to constant; the small-size step is noisier):", "");
    sec4.push("| step | torii CPU per KiB | torii added latency per KiB | nginx CPU per KiB |", "|---|---|---|---|");
    for (const s of slopes)
      sec4.push(`| ${fmt(s.from / 1024, 0)} → ${fmt(s.to / 1024, 0)} KiB | ${fmt(s.cpu_us_per_kib, 3)} µs | ${fmt(s.added_us_per_kib, 3)} µs | ${fmt(s.nginx_cpu_us_per_kib, 3)} µs |`);
    const last = slopes[slopes.length - 1], first = slopes[0];
    // The first step is small next to the fixed per-request cost, so it is
    // the noisy one: growth counts as linear while the per-KiB cost of the
    // largest step stays within 2x of it.
    const linear = slopes.length > 1 && Number.isFinite(first.cpu_us_per_kib) && first.cpu_us_per_kib > 0
      ? last.cpu_us_per_kib <= 2 * first.cpu_us_per_kib
      : null;
    summary.large_linear ??= {};
    summary.large_linear[w] = linear;
    if (linear !== null)
      sec4.push("", `Verdict: ${linear ? "linear within noise" : "**faster than linear**"}: torii's CPU per extra KiB is ${fmt(last.cpu_us_per_kib, 3)} µs on the largest step vs ${fmt(first.cpu_us_per_kib, 3)} µs on the first (limit for "linear": 2x).`);
  }
  sec4.push("");
  const big = rows.find((r) => r.size >= 400 * 1024) ?? rows[rows.length - 1];
  targetRows.push(target(`${fmt(big.size / 1024, 0)} KiB body: added latency p50`, w, big.t?.p50 - big.d?.p50, 2000, "µs", "<="));
}
if (sec4.length) md.push("## 4. Large request bodies", "", ...sec4);

// ---------- 5. memory ----------
const rss = (target, phase) => records.find((r) => r.kind === "rss" && r.target === target && r.phase === phase);
const idleT = records.find((r) => r.kind === "idle" && r.target === "torii");
const idleN = records.find((r) => r.kind === "idle" && r.target === "nginx");
if (rss("torii", "idle") || idleT) {
  const w = rss("torii", "idle")?.workers ?? idleT?.workers;
  const idle = rss("torii", "idle")?.rss_kib, warm = rss("torii", "warm")?.rss_kib, soak = rss("torii", "soak");
  const nIdle = rss("nginx", "idle")?.rss_kib;
  const growth = soak && warm ? soak.rss_kib - warm : NaN;
  const st = summary.streaming?.[w]?.torii, sn = summary.streaming?.[w]?.nginx;
  const conns = idleT?.driver?.conns;
  const perConn = (x) => (x?.driver?.established ? ((x.driver.rss_max_kib - x.rss_before_kib) * 1024) / x.driver.established : NaN);
  const msTr = records.find((r) => r.kind === "memstreams" && r.target === "torii");
  const msNr = records.find((r) => r.kind === "memstreams" && r.target === "nginx");
  const msT = msTr?.driver, msN = msNr?.driver;
  summary.memory = {
    workers: w, torii_idle_kib: idle, torii_warm_kib: warm, torii_soak_kib: soak?.rss_kib, torii_soak_growth_kib: growth,
    soak_samples_kib: soak?.samples, soak_wrk: soak?.wrk, nginx_idle_kib: nIdle,
    idle_conns: { torii: idleT?.driver, nginx: idleN?.driver },
    live_streams: { torii: msT, nginx: msN },
    scenario3_streams_rss_kib: { torii: st?.rss_max_kib, nginx: sn?.rss_max_kib },
  };
  md.push("## 5. Connections and memory", "");
  md.push(`workers=${w}. RSS is VmRSS from /proc (nginx: master + workers).`, "");
  md.push("| state | torii RSS | nginx RSS |", "|---|---|---|");
  md.push(`| idle, after start | ${fmt(mib(idle), 1)} MiB | ${fmt(mib(nIdle), 1)} MiB |`);
  md.push(`| after ${meta.soak_warmup} s warm-up of mixed traffic | ${fmt(mib(warm), 1)} MiB | |`);
  md.push(`| after ${meta.soak_seconds} s soak of the same traffic | ${fmt(mib(soak?.rss_kib), 1)} MiB (growth ${fmt(growth / 1024, 2)} MiB) | |`);
  const streamsCell = (r) => {
    const x = r?.driver;
    if (!x?.streams) return "n/a";
    const per = x.peak_open ? ((x.rss_max_kib - r.rss_before_kib) * 1024) / x.peak_open : NaN;
    return `${fmt(mib(x.rss_max_kib), 1)} MiB (${x.completed}/${x.streams} completed, peak ${x.peak_open} open; ${fmt(per / 1024, 1)} KiB per stream above the RSS before)`;
  };
  const idleCell = (x) => (x ? `${fmt(mib(x.driver?.rss_max_kib), 1)} MiB (${x.driver?.established ?? 0} established, ${x.driver?.still_open ?? 0} still open after the hold; ${fmt(perConn(x), 0)} B per connection above the RSS before)` : "n/a");
  if (idleT) md.push(`| ${fmtInt(conns)} idle keep-alive connections | ${idleCell(idleT)} | ${idleCell(idleN)} |`);
  if (msT) md.push(`| ${fmtInt(meta.mem_streams)} live streams (40 events at 10/s each; fresh processes; peak RSS) | ${streamsCell(msTr)} | ${streamsCell(msNr)} |`);
  if (st) md.push(`| ${fmtInt(meta.streams)} live streams of scenario 3 (peak RSS) | ${fmt(mib(st.rss_max_kib), 1)} MiB | ${fmt(mib(sn?.rss_max_kib), 1)} MiB |`);
  md.push("");
  if (soak?.samples?.length) md.push(`RSS during the soak (KiB, evenly spaced): ${soak.samples.join(", ")}. Soak traffic: ${fmtInt(soak.wrk?.requests)} requests (small, 40 KB, streaming, invalid-key and failover requests in rotation), ${soak.wrk?.errors?.status ?? "?"} non-2xx (the invalid-key share), ${(soak.wrk?.errors?.connect ?? 0) + (soak.wrk?.errors?.read ?? 0) + (soak.wrk?.errors?.timeout ?? 0)} socket errors.`, "");
  targetRows.push(target("RSS idle", w, mib(idle), 40, "MiB", "<="));
  const allUp = idleT?.driver?.established === conns;
  targetRows.push(target(`RSS with ${fmtInt(conns)} idle connections`, w, allUp ? mib(idleT?.driver?.rss_max_kib) : NaN, 200, "MiB", "<=", allUp ? "" : `only ${idleT?.driver?.established} connections established`));
  targetRows.push(target(`RSS growth over the ${meta.soak_seconds} s soak (tolerance 2 MiB)`, w, growth / 1024, 2, "MiB", "<="));
}

// ---------- 6. failover ----------
const sec6 = [];
for (const w of workersList) {
  const g = (t) => grp("failover", w, t);
  const fail = g("direct-fail"), t = g("torii"), tf = g("torii-failover"), n = g("nginx"), nf = g("nginx-failover");
  if (!fail || !t || !tf) continue;
  const extra50 = tf.p50 - t.p50, extra99 = tf.p99 - t.p99;
  const over50 = extra50 - fail.p50, over99 = extra99 - fail.p99;
  summary.failover ??= {};
  summary.failover[w] = {
    failing_mock: fail, torii: t, torii_failover: tf, nginx: n, nginx_failover: nf,
    torii_extra_p50: extra50, torii_extra_p99: extra99, torii_beyond_mock_p50: over50, torii_beyond_mock_p99: over99,
    nginx_extra_p50: n && nf ? nf.p50 - n.p50 : null, nginx_beyond_mock_p50: n && nf ? nf.p50 - n.p50 - fail.p50 : null,
  };
  sec6.push(`**workers=${w}**, concurrency 1:`, "");
  sec6.push("| path | p50 | p99 | non-2xx |", "|---|---|---|---|");
  sec6.push(`| failing mock directly (503 at once) | ${us(fail.p50)} | ${us(fail.p99)} | ${fail.non2xx} of ${fmtInt(fail.requests)} |`);
  sec6.push(`| torii, plain model | ${us(t.p50)} | ${us(t.p99)} | ${t.non2xx} |`);
  sec6.push(`| torii, [failing, good] with circuit_breaker: off | ${us(tf.p50)} | ${us(tf.p99)} | ${tf.non2xx} |`);
  if (n) sec6.push(`| nginx, plain | ${us(n.p50)} | ${us(n.p99)} | ${n.non2xx} |`);
  if (nf) sec6.push(`| nginx, upstream [failing, good backup], proxy_next_upstream http_503 | ${us(nf.p50)} | ${us(nf.p99)} | ${nf.non2xx} |`);
  sec6.push(
    "",
    `One failed attempt costs torii ${us(extra50)} at p50 (${us(extra99)} at p99); beyond the failing mock's own ${us(fail.p50)}: **${us(over50)}** (p99 ${us(over99)}).` +
      (n && nf ? ` nginx: ${us(nf.p50 - n.p50)} extra, ${us(nf.p50 - n.p50 - fail.p50)} beyond the mock.` : ""),
    "",
  );
  targetRows.push(target("Failover: one failed attempt beyond the mock's own time, p50", w, over50, 1000, "µs", "<=", tf.non2xx ? `${tf.non2xx} non-2xx on the failover path` : ""));
}
if (sec6.length) md.push("## 6. Failover path", "", ...sec6);

// ---------- 7. key flood ----------
const sec7 = [];
for (const w of workersList) {
  const inv = grp("keyflood", w, "torii-invalid"), val = grp("keyflood", w, "torii-valid"), ninv = grp("keyflood", w, "nginx-invalid");
  if (!inv || !val) continue;
  const ups = records.filter((r) => r.kind === "upstream" && r.workers === w);
  const delta = (t) => ups.filter((r) => r.target === t).reduce((a, r) => a + (r.upstream_after - r.upstream_before), 0);
  const invDelta = delta("torii-invalid"), valDelta = delta("torii-valid"), nDelta = delta("nginx-invalid");
  summary.keyflood ??= {};
  summary.keyflood[w] = { torii_invalid: inv, torii_valid: val, nginx_invalid: ninv, upstream_delta: { torii_invalid: invDelta, torii_valid: valDelta, nginx_invalid: nDelta } };
  sec7.push(`**workers=${w}**, ${meta.connections} connections:`, "");
  sec7.push("| requests | answered/s | p50 | p99 | rejected (401) | CPU per request | reached the upstream |", "|---|---|---|---|---|---|---|");
  sec7.push(`| torii, invalid key | ${fmtInt(inv.rps)} | ${us(inv.p50)} | ${us(inv.p99)} | ${fmtInt(inv.non2xx)} of ${fmtInt(inv.requests)} | ${fmt(inv.cpu_us_per_req, 1)} µs | ${invDelta} |`);
  sec7.push(`| torii, valid key | ${fmtInt(val.rps)} | ${us(val.p50)} | ${us(val.p99)} | ${fmtInt(val.non2xx)} | ${fmt(val.cpu_us_per_req, 1)} µs | ${valDelta} (${fmtInt(val.requests)} answered) |`);
  if (ninv) sec7.push(`| nginx, invalid key (map + return 401) | ${fmtInt(ninv.rps)} | ${us(ninv.p50)} | ${us(ninv.p99)} | ${fmtInt(ninv.non2xx)} of ${fmtInt(ninv.requests)} | ${fmt(ninv.cpu_us_per_req, 1)} µs | ${nDelta} |`);
  const allRejected = inv.non2xx === inv.requests;
  targetRows.push(target("Key flood: invalid-key requests that reached the upstream", w, invDelta, 0, "requests", "<=", allRejected ? "" : `${inv.requests - inv.non2xx} invalid-key requests were not rejected`));
  const ginv = grp("keyflood", w, "governed-invalid"), gval = grp("keyflood", w, "governed-valid");
  if (ginv && gval) {
    const gDelta = delta("governed-invalid");
    summary.keyflood[w].governed = { invalid: ginv, valid: gval, upstream_delta: gDelta };
    sec7.push("| governed torii, invalid virtual key (tk-...) | " + `${fmtInt(ginv.rps)} | ${us(ginv.p50)} | ${us(ginv.p99)} | ${fmtInt(ginv.non2xx)} of ${fmtInt(ginv.requests)} | ${fmt(ginv.cpu_us_per_req, 1)} µs | ${gDelta} |`);
    sec7.push("| governed torii, valid virtual key | " + `${fmtInt(gval.rps)} | ${us(gval.p50)} | ${us(gval.p99)} | ${fmtInt(gval.non2xx)} | ${fmt(gval.cpu_us_per_req, 1)} µs | ${delta("governed-valid")} (${fmtInt(gval.requests)} answered) |`);
    targetRows.push(target("Key flood, virtual keys: CPU per invalid-key request vs a valid one", w, ratio(ginv.cpu_us_per_req, gval.cpu_us_per_req), 1, "x", "<=",
      ginv.non2xx === ginv.requests ? (gDelta ? `${gDelta} reached the upstream` : "") : `${ginv.requests - ginv.non2xx} were not rejected`));
  }
  sec7.push("", `Rejections run at **${fmt(ratio(inv.rps, val.rps), 2)}x** the rate of valid requests (${fmt(ratio(inv.rps, ninv?.rps), 2)}x nginx's rejection rate).`, "");

}
if (sec7.length) md.push("## 7. Invalid-key flood", "", ...sec7);

// ---------- request log at scale ----------
const stores = records.filter((r) => r.kind === "logstore").map((r) => r.report);
if (stores.length) {
  md.push("## Request log at scale (SQLite, bench/logstore.cpp)", "");
  for (const s of stores) {
    md.push(`**${fmtInt(s.rows)} requests over 30 days, ${s.bodies ? "with" : "without"} bodies:** ${fmt(s.bytes / 1048576, 1)} MiB on disk ` +
      `(${fmt(s.bytes / s.rows, 0)} bytes per request); written at **${fmtInt(s.records_per_second)} records/s** through the writer's insert path (batches of 2048, one thread).`, "");
    md.push("| query | median | slowest of 5 | status |", "|---|---|---|---|");
    for (const q of s.queries) md.push(`| ${q.name} | ${fmt(q.median_ms, 1)} ms | ${fmt(q.max_ms, 1)} ms | ${q.status} |`);
    md.push("");
    const worst = Math.max(...s.queries.map((q) => q.median_ms));
    const tag = s.bodies ? "with bodies" : "without bodies";
    targetRows.push(target(`Request log, ${fmtInt(s.rows)} rows ${tag}: slowest query (median)`, "-", worst, 100, "ms", "<="));
    targetRows.push(target(`Request log writes ${tag}`, "-", s.records_per_second, 20000, "records/s", ">="));
  }
  summary.logstore = stores;
}

// ---------- the cache's stores at scale ----------
const cs = records.find((r) => r.kind === "cachestore")?.report;
if (cs) {
  md.push("## The cache's stores at scale (bench/cache.cpp)", "");
  md.push(`**Semantic index, ${fmtInt(cs.entries)} vectors of ${cs.dimensions} dimensions in one partition** (the worst case: every lookup searches them all), filled in ${fmt(cs.fill_seconds, 1)} s. Lookups, without the embedding call:`, "");
  md.push("| query | p50 | p99 |", "|---|---|---|");
  md.push(`| near a stored vector (a paraphrase; ${fmtInt(cs.near_found)} of ${fmtInt(cs.lookups / 2)} found at similarity > 0.95) | ${fmt(cs.near_p50_us, 1)} µs | ${fmt(cs.near_p99_us, 1)} µs |`);
  md.push(`| far from all (a new question) | ${fmt(cs.far_p50_us, 1)} µs | ${fmt(cs.far_p99_us, 1)} µs |`, "");
  md.push(`Memory per ${fmtInt(cs.entries)} entries: the semantic index **${fmt(cs.index_rss_bytes / 1048576, 1)} MiB** (resident, vectors and graph); ` +
    `the exact store holding as many 600-byte answers **${fmt(cs.store_rss_bytes / 1048576, 1)} MiB** resident (${fmt(cs.store_accounted_bytes / 1048576, 1)} MiB counted against \`max_bytes\`).`, "");
  targetRows.push(target(`Semantic lookup p99, ${fmtInt(cs.entries)} entries (no embedding call)`, "-",
    Math.max(cs.near_p99_us, cs.far_p99_us) / 1000, 1, "ms", "<="));
  summary.cachestore = cs;
}

// ---------- micro ----------
const micro = records.find((r) => r.kind === "micro")?.report;
if (micro?.benchmarks?.length) {
  const scale = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };
  md.push("## Micro-benchmarks (Google Benchmark, bench/micro/)", "");
  md.push("| benchmark | time per call | throughput | detail |", "|---|---|---|---|");
  const rowsMicro = [];
  for (const b of micro.benchmarks) {
    if (b.run_type && b.run_type !== "iteration") continue;
    const ns = b.real_time * (scale[b.time_unit] ?? 1);
    const t = ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
    const thr = b.bytes_per_second ? `${(b.bytes_per_second / 1e6).toFixed(0)} MB/s` : b.items_per_second ? `${(b.items_per_second / 1e6).toFixed(1)} M items/s` : "";
    const detail = [b.body_bytes ? `body ${fmtInt(b.body_bytes)} B` : "", b.items_per_second ? `${(b.items_per_second / 1e6).toFixed(1)} M events/s` : "", b.label ?? ""].filter(Boolean).join(", ");
    md.push(`| ${b.name} | ${t} | ${thr} | ${detail} |`);
    rowsMicro.push({ name: b.name, ns_per_call: ns, bytes_per_second: b.bytes_per_second ?? null, items_per_second: b.items_per_second ?? null });
  }
  summary.micro = rowsMicro;
  const pii = rowsMicro.find((r) => r.name === "BM_PiiScan/65536");
  if (pii) targetRows.push(target("Guardrails: PII scan throughput (all detectors, one core)", "-", pii.bytes_per_second / 1e6, 500, "MB/s", ">="));
  md.push("", `BM_SseSplitter/N: a 200-event stream fed in reads of N bytes (0: one event per read). Context: ${micro.context?.num_cpus} CPUs, library build type ${micro.context?.library_build_type}.`, "");
}

// ---------- targets first ----------
const tgt = ["## Targets", "", "| target | workers | measured | limit | status | margin |", "|---|---|---|---|---|---|"];
for (const r of targetRows) tgt.push(`| ${r.name} | ${r.w} | ${r.shown} | ${r.lim} | ${r.status === "met" ? "met" : `**${r.status}**`} | ${r.margin}${r.extra ? `; ${r.extra}` : ""} |`);
const met = targets.filter((t) => t.status === "met").length;
tgt.push("", `${met} of ${targets.length} targets met.`, "");
md.splice(6, 0, ...tgt);

const crashes = records.filter((r) => r.kind === "crash");
if (crashes.length) {
  const lines = ["## Processes that died during the run", "", "The stack was restarted after each; figures of the scenario named may be incomplete.", "", "| process | workers | during | exit status | last output |", "|---|---|---|---|---|"];
  for (const c of crashes) lines.push(`| ${c.process.toLowerCase()} | ${c.workers} | ${c.scenario} | ${c.status}${c.status > 128 ? ` (signal ${c.status - 128})` : ""} | ${String(c.output ?? "").replace(/\|/g, "\\|").slice(0, 300)} |`);
  md.splice(6, 0, ...lines, "");
}
const timings = records.filter((r) => r.kind === "timing");
if (timings.length)
  md.push(
    "## Run time",
    "",
    "Seconds per scenario, with the machine's 1-minute load average when it ended. The benchmark's own processes account for about 2–3 of it; more means other work shared the machine. With one worker the proxy under test is pinned to CPU 0 and cannot move away from a busy neighbour: that shows as p90/p99 outliers for nginx and torii alike while the direct path (mock on CPU 1) stays clean.",
    "",
    timings.map((t) => `${t.scenario}: ${t.seconds} s${t.loadavg ? ` (load ${String(t.loadavg).split(" ")[0]})` : ""}`).join(" · "),
    "",
  );

writeFileSync(join(outDir, "latest.md"), md.join("\n"));
writeFileSync(join(outDir, "latest.json"), JSON.stringify({ meta, targets, summary, records }, null, 1) + "\n");
