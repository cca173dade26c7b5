// Turns the raw records of one bench/run.sh run (JSON lines) into
// results/latest.md and results/latest.json: per-scenario tables, ratios
// against nginx and the direct path, and the targets marked met, missed or
// failed; appends the run's target statuses to results/history.json (the
// last HISTORY_RUNS runs) and shows each target's pass rate over them.
// Usage: node bench/report.mjs RESULTS.jsonl|latest.json OUT_DIR
//   (a latest.json re-renders that run from its raw records; a run already in
//   the history, same date and commit, is replaced rather than added again)
//
// Rules (bench/README.md, "How the report counts"):
// - round 0 of every round-based scenario is a warm-up (warmup: true) and is
//   left out; the figures are medians over the measured rounds;
// - a target comparing two paths is the median of its per-round ratios or
//   differences (the paths ran interleaved in the same round); a negative
//   difference is shown as "within noise";
// - a target passes ("met") only with a numeric value, every expected round
//   present and zero errors in the measurements it is computed from (non-2xx
//   answers, socket errors, failed or unfinished streams, unreadable
//   counters, a process that died during the scenario); otherwise "failed".
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const HISTORY_RUNS = 10;
const [, , resultsPath, outDir] = process.argv;
const raw = readFileSync(resultsPath, "utf8");
const fromJson = (() => {
  try {
    const j = JSON.parse(raw);
    return j && Array.isArray(j.records) ? j.records : null;
  } catch {
    return null;
  }
})();
const records =
  fromJson ??
  raw
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
// Warm-up rounds are kept in latest.json but never counted.
const measured = records.filter((r) => r.warmup !== true);
const expectedRounds = Number(meta.rounds) || 0;
const expectedStreamRounds = Number(meta.stream_rounds) || 0;

// ---------- helpers ----------
// A counter is a JSON number; null, "" or a missing field is not 0.
const num = (x) => (typeof x === "number" && Number.isFinite(x) ? x : NaN);
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
const us = (x) => (Number.isFinite(x) ? (Math.abs(x) >= 10000 ? `${(x / 1000).toFixed(1)} ms` : `${x.toFixed(0)} µs`) : "n/a");
// A difference against a baseline measured in the same rounds: below zero it
// is noise, not a saving.
const added = (x) => (Number.isFinite(x) && x < 0 ? "within noise" : us(x));
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
const mib = (kib) => (Number.isFinite(kib) ? kib / 1024 : NaN);
const plural = (n, one, many = `${one}s`) => `${fmtInt(n)} ${n === 1 ? one : many}`;

// All measured wrk rounds of one group: per-round figures and their medians
// (requests/s, percentiles, CPU per request), error counts summed. A round
// whose wrk run produced no result counts as missing.
function wrkGroup(filter) {
  const all = measured.filter((r) => r.kind === "wrk" && filter(r));
  if (!all.length) return null;
  const ok = all.filter((r) => Number.isFinite(num(r.wrk?.requests)) && num(r.wrk?.duration_us) > 0 && r.wrk?.latency_us);
  let unreadable = 0;
  const per = ok.map((r) => {
    const e = r.wrk.errors ?? {}, te = r.wrk.text_errors ?? {};
    const keys = ["connect", "read", "write", "timeout"];
    if (![e.status, ...keys.map((k) => e[k])].every((v) => Number.isFinite(num(v)))) unreadable++;
    const z = (v) => (Number.isFinite(num(v)) ? v : 0);
    // The script's counters and wrk's own "Non-2xx or 3xx responses" /
    // "Socket errors" lines count the same thing; the larger one is taken.
    const non2xx = Math.max(z(e.status), z(te.non2xx));
    const socket = Math.max(keys.reduce((a, k) => a + z(e[k]), 0), keys.reduce((a, k) => a + z(te[k]), 0));
    const requests = r.wrk.requests, seconds = r.wrk.duration_us / 1e6;
    const cpuS = num(r.cpu_ticks) / clk;
    return {
      round: r.round, requests, seconds, rps: requests / seconds,
      p50: num(r.wrk.latency_us.p50), p90: num(r.wrk.latency_us.p90), p99: num(r.wrk.latency_us.p99), mean: num(r.wrk.latency_us.mean),
      cpu_us_per_req: requests ? (cpuS * 1e6) / requests : NaN, cpu_s: cpuS, non2xx, socket_errors: socket,
    };
  });
  const sum = (f) => per.reduce((a, x) => a + (Number.isFinite(f(x)) ? f(x) : 0), 0);
  const med = (k) => median(per.map((x) => x[k]));
  return {
    rounds: per.length,
    missing: all.length - per.length,
    unreadable,
    empty_rounds: per.filter((x) => !x.requests).length,
    requests: sum((x) => x.requests),
    rps: med("rps"),
    p50: med("p50"),
    p90: med("p90"),
    p99: med("p99"),
    mean: med("mean"),
    cpu_us_per_req: med("cpu_us_per_req"),
    cpu_s: sum((x) => x.cpu_s),
    non2xx: sum((x) => x.non2xx),
    socket_errors: sum((x) => x.socket_errors),
    per_round: per,
  };
}
const grp = (scenario, w, target, extra = () => true) =>
  wrkGroup((r) => r.scenario === scenario && r.workers === w && r.target === target && extra(r));

// The median over the rounds present in every group of f(round of group 1,
// round of group 2, ...): paired per-round ratios and differences.
function paired(groups, f) {
  if (groups.some((g) => !g?.per_round?.length)) return { value: NaN, per_round: [] };
  const vals = [];
  for (const r0 of groups[0].per_round) {
    const rs = groups.map((g) => g.per_round.find((x) => x.round === r0.round));
    if (rs.every(Boolean)) vals.push(f(...rs));
  }
  return { value: median(vals), per_round: vals };
}

// What makes a wrk group's figures unusable for a target. expect: "2xx"
// (every answer 2xx) or "rejected" (every answer non-2xx: invalid keys, the
// failing mock); socket errors always count.
function wrkErrors(label, g, expect = "2xx", rounds = expectedRounds) {
  if (!g) return [`${label}: not measured`];
  const e = [];
  if (g.missing) e.push(`${label}: ${plural(g.missing, "round")} without a wrk result`);
  if (rounds && g.rounds + g.missing < rounds) e.push(`${label}: ${g.rounds + g.missing} of ${rounds} rounds`);
  if (g.unreadable) e.push(`${label}: error counters unreadable in ${plural(g.unreadable, "round")}`);
  if (g.empty_rounds) e.push(`${label}: no answer in ${plural(g.empty_rounds, "round")}`);
  if (expect === "2xx" && g.non2xx) e.push(`${label}: ${fmtInt(g.non2xx)} non-2xx`);
  if (expect === "rejected" && g.non2xx !== g.requests) e.push(`${label}: ${fmtInt(g.requests - g.non2xx)} of ${fmtInt(g.requests)} not rejected`);
  if (g.socket_errors) e.push(`${label}: ${fmtInt(g.socket_errors)} socket errors`);
  return e;
}

const md = [];
const summary = {};
const targets = [];
function fmtUnit(x, unit) {
  if (!Number.isFinite(x)) return "n/a";
  if (unit === "x") return `${fmt(x, 2)}x`;
  if (unit === "%") return `${fmt(x, 1)} %`;
  if (unit === "MiB") return `${fmt(x, 1)} MiB`;
  if (unit === "ms") return `${fmt(x, Math.abs(x) < 10 ? 2 : 1)} ms`;
  if (unit === "µs") return us(x);
  return `${fmt(x, 0)}${unit ? " " + unit : ""}`;
}
const crashes = records.filter((r) => r.kind === "crash");
// target(name, workers, value, limit, unit, cmp, note, opts): one row of the
// targets table. opts.errors: reasons the value cannot count (the target
// fails); opts.diff: the value is a difference against a baseline (below 0:
// "within noise"); opts.scenario: a process that died during it fails the
// target; opts.per_round: the per-round values the median came from.
function target(name, w, value, limit, unit, cmp, extra = "", opts = {}) {
  const errors = [...(opts.errors ?? [])];
  if (opts.scenario)
    for (const c of crashes)
      if (String(c.scenario).split(" ")[0] === opts.scenario && (c.workers === w || w === "-"))
        errors.push(`${String(c.process).toLowerCase()} died during the scenario`);
  if (!Number.isFinite(value) && !errors.length) errors.push(opts.why ?? "no numeric value");
  const noise = opts.diff && Number.isFinite(value) && value < 0;
  let status, margin = "";
  if (errors.length) {
    status = "failed";
    margin = errors.join("; ");
  } else {
    const v = noise ? 0 : value;
    const ok = cmp === "<=" ? v <= limit : v >= limit;
    status = ok ? "met" : "missed";
    const gap = cmp === "<=" ? v - limit : limit - v;
    const show = (x) => fmtUnit(Math.abs(x), unit);
    margin = ok ? (gap === 0 ? "" : `${show(gap)} to spare`) : `${show(gap)} over`;
    if (noise) margin += `${margin ? "; " : ""}median difference ${unit === "µs" ? us(value) : fmtUnit(value, unit)}`;
  }
  const shown = noise ? "within noise" : fmtUnit(value, unit);
  const lim = fmtUnit(limit, unit);
  targets.push({
    name, workers: w, measured: value, limit, unit, cmp, status, margin, note: extra, errors,
    within_noise: noise, per_round: opts.per_round ?? null,
  });
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
const warmups = records.filter((r) => r.warmup === true).length;
md.push(
  `Every scenario runs torii, nginx and the direct path against the same torii-mock processes in the same run. ` +
    `wrk runs are ${meta.duration} s each, ${plural(Number(meta.rounds), "interleaved round")} per target in rotated order` +
    (warmups ? `, after one warm-up round per scenario that is left out (${warmups} warm-up runs dropped)` : " (this run recorded no warm-up round)") +
    `; streams: ${plural(Number(meta.stream_rounds), "round")} per path, the same way. ` +
    `Every figure is the median of the rounds' values: requests/s, p50/p99 and CPU per request (user+sys of the serving ` +
    `process(es) from /proc/PID/stat over the round, divided by its requests); error counts are summed. ` +
    `A target comparing two paths is the median of its per-round ratios or differences (both paths ran in the same round); ` +
    `a difference below zero reads "within noise". A target is met only with a numeric value, every round present and no errors ` +
    `in what it is computed from (non-2xx answers, socket errors, failed or unfinished streams, unreadable counters, a process that died); ` +
    `otherwise it is **failed**, with the reason. ` +
    (meta.pin == 1
      ? `With 1 worker the mocks are pinned to CPU 1 and the proxy under test (torii or nginx) to CPU 0 with taskset; wrk and the stream driver are not pinned. With ${meta.nproc} workers nothing is pinned.`
      : "Nothing is pinned."),
);
md.push("");

// One row of a wrk table: medians over the rounds, errors summed.
const errCell = (g) => `${fmtInt(g.non2xx)} / ${fmtInt(g.socket_errors)}${g.missing ? ` (${plural(g.missing, "round")} without a result)` : ""}`;
const wrkRow = (name, g) => `| ${name} | ${fmtInt(g.rps)} | ${us(g.p50)} | ${us(g.p99)} | ${fmt(g.cpu_us_per_req, 1)} µs | ${errCell(g)} |`;
const cpuRatio = (a, b) => paired([a, b], (x, y) => ratio(x.cpu_us_per_req, y.cpu_us_per_req));
const rpsRatio = (a, b) => paired([a, b], (x, y) => ratio(x.rps, y.rps));
const pDiff = (a, b, k) => paired([a, b], (x, y) => x[k] - y[k]);

// ---------- 1. throughput ----------
const sec1 = [];
for (const w of workersList) {
  const d = grp("throughput", w, "direct"), n = grp("throughput", w, "nginx"), t = grp("throughput", w, "torii");
  if (!d && !n && !t) continue;
  const thr = rpsRatio(t, n), cpu = cpuRatio(t, n), thrDirect = rpsRatio(t, d);
  summary.throughput ??= {};
  summary.throughput[w] = { direct: d, nginx: n, torii: t, torii_nginx_rps: thr, torii_nginx_cpu: cpu };
  sec1.push(`**workers=${w}**, ${meta.connections} connections:`, "");
  sec1.push("| path | requests/s | p50 | p99 | CPU per request (serving process) | non-2xx / socket errors |", "|---|---|---|---|---|---|");
  for (const [name, g] of [["direct to torii-mock", d], ["through nginx", n], ["through torii", t]]) if (g) sec1.push(wrkRow(name, g));
  sec1.push("", `torii/nginx (median of the per-round ratios): throughput **${fmt(thr.value, 2)}x**, CPU per request **${fmt(cpu.value, 2)}x**; torii/direct throughput ${fmt(thrDirect.value, 2)}x.`, "");
  const errors = [...wrkErrors("torii", t), ...wrkErrors("nginx", n)];
  targetRows.push(target("CPU per proxied small request vs nginx", w, cpu.value, 1.5, "x", "<=", "", { errors, scenario: "throughput", per_round: cpu.per_round }));
  targetRows.push(target("Throughput vs nginx", w, thr.value, 0.8, "x", ">=", "", { errors, scenario: "throughput", per_round: thr.per_round }));
}
if (sec1.length) md.push("## 1. Small non-streaming chat", "", ...sec1);

// ---------- 1b. observed: request log with bodies + metrics ----------
const sec1b = [];
for (const w of workersList) {
  const p = grp("observed", w, "torii"), o = grp("observed", w, "torii-observed");
  if (!p || !o) continue;
  const lw = measured.find((r) => r.kind === "logwriter" && r.workers === w);
  const written = lw ? num(lw.written_after) - num(lw.written_before) : NaN;
  const perSec = lw ? written / num(lw.seconds) : NaN;
  const cpu = cpuRatio(o, p), thr = rpsRatio(o, p);
  summary.observed ??= {};
  summary.observed[w] = { plain: p, observed: o, cpu_ratio: cpu, rps_ratio: thr, log_writer: lw ? { ...lw, written, records_per_second: perSec } : null };
  sec1b.push(`**workers=${w}**, ${meta.connections} connections (the same requests as section 1):`, "");
  sec1b.push("| torii | requests/s | p50 | p99 | CPU per request (whole process, log writer included) | non-2xx / socket errors |", "|---|---|---|---|---|---|");
  for (const [name, g] of [["plain (no request log; metrics on)", p], ["request log with bodies + metrics + tracing (ratio 1.0)", o]]) sec1b.push(wrkRow(name, g));
  const shown = (v) => (Number.isFinite(num(v)) ? fmtInt(v) : "n/a (unreadable)");
  sec1b.push("", `observed/plain (median of the per-round ratios): CPU per request **${fmt(cpu.value, 2)}x**, throughput **${fmt(thr.value, 2)}x**.` +
    (lw ? ` The log writer wrote ${Number.isFinite(written) ? fmtInt(written) : "n/a (counter unreadable)"} records in ${fmt(num(lw.seconds), 1)} s of rounds (**${fmtInt(perSec)} records/s**, every request of the observed rounds and their warm-up round), ${shown(lw.queue_depth)} still queued a second later, ${shown(lw.dropped)} dropped, ${shown(lw.store_errors)} failed writes.` +
      ` The trace exporter had ${shown(num(lw.spans_after) - num(lw.spans_before))} spans accepted by the collector in that time, ${shown(lw.spans_dropped)} dropped, ${shown(lw.export_failures)} failed exports.` : ""), "");
  const errors = [...wrkErrors("plain", p), ...wrkErrors("observed", o)];
  targetRows.push(target("Request log (bodies) + metrics + tracing: CPU per request vs plain", w, cpu.value, 1.3, "x", "<=", "", { errors, scenario: "observed", per_round: cpu.per_round }));
  targetRows.push(target("Request log (bodies) + metrics + tracing: throughput vs plain", w, thr.value, 0.85, "x", ">=", "", { errors, scenario: "observed", per_round: thr.per_round }));
  if (lw) {
    const lwErrors = [];
    if (!Number.isFinite(num(lw.dropped))) lwErrors.push("torii_log_dropped_total unreadable");
    if (!Number.isFinite(written)) lwErrors.push("torii_log_written_total unreadable");
    else if (written <= 0) lwErrors.push("no record written");
    if (!Number.isFinite(num(lw.store_errors))) lwErrors.push("torii_log_store_errors_total unreadable");
    else if (lw.store_errors > 0) lwErrors.push(`${fmtInt(lw.store_errors)} failed writes`);
    targetRows.push(target("Log writer: records dropped", w, num(lw.dropped), 0, "records", "<=", `${shown(lw.queue_depth)} queued a second after the load`,
      { errors: lwErrors, scenario: "observed" }));
    const exported = num(lw.spans_after) - num(lw.spans_before);
    const spanErrors = [];
    if (!Number.isFinite(exported)) spanErrors.push("torii_trace_spans_exported_total unreadable");
    else if (exported <= 0) spanErrors.push("no span exported");
    if (!Number.isFinite(num(lw.export_failures))) spanErrors.push("torii_trace_export_failures_total unreadable");
    else if (lw.export_failures > 0) spanErrors.push(`${fmtInt(lw.export_failures)} failed exports`);
    targetRows.push(target("Trace exporter: spans dropped", w, num(lw.spans_dropped), 0, "spans", "<=", "",
      { errors: spanErrors, scenario: "observed" }));
  }
}
if (sec1b.length) md.push("## 1b. Request log and metrics on", "", ...sec1b);

// ---------- 1c. governed: virtual key + budget + rate limits ----------
const sec1c = [];
for (const w of workersList) {
  const p = grp("governed", w, "torii"), g = grp("governed", w, "torii-governed");
  if (!p || !g) continue;
  const cpu = cpuRatio(g, p), thr = rpsRatio(g, p);
  summary.governed ??= {};
  summary.governed[w] = { plain: p, governed: g, cpu_ratio: cpu, rps_ratio: thr };
  sec1c.push(`**workers=${w}**, ${meta.connections} connections (the same requests as section 1):`, "");
  sec1c.push("| torii | requests/s | p50 | p99 | CPU per request (whole process) | non-2xx / socket errors |", "|---|---|---|---|---|---|");
  for (const [name, x] of [["plain (static key)", p], ["virtual key + monthly budget + rpm/tpm (embedded store)", g]]) sec1c.push(wrkRow(name, x));
  sec1c.push("", `governed/plain (median of the per-round ratios): CPU per request **${fmt(cpu.value, 2)}x**, throughput **${fmt(thr.value, 2)}x**.`, "");
  targetRows.push(target("Virtual key + budget + rpm/tpm: CPU per request vs plain", w, cpu.value, 1.3, "x", "<=", "",
    { errors: [...wrkErrors("plain", p), ...wrkErrors("governed", g)], scenario: "governed", per_round: cpu.per_round }));
}
if (sec1c.length) md.push("## 1c. Virtual key, budget and rate limits on every request", "", ...sec1c);

// ---------- 1d. shared counters in Redis ----------
const sec1d = [];
for (const w of workersList) {
  const p = grp("shared", w, "torii"), g = grp("shared", w, "torii-governed"), r = grp("shared", w, "torii-shared");
  if (!p || !r) continue;
  const rtt = measured.find((x) => x.kind === "redis_rtt" && x.workers === w);
  const add = pDiff(r, p, "p50");
  // redis-benchmark's p50 is never 0 on a real round trip: 0 or no line is
  // a failed measurement.
  const rttP50 = num(rtt?.p50_us) > 0 ? rtt.p50_us : NaN;
  summary.shared ??= {};
  summary.shared[w] = { plain: p, governed: g, shared: r, added_p50: add, redis_rtt: rtt ?? null };
  sec1d.push(`**workers=${w}**, one connection:`, "");
  sec1d.push("| torii | requests/s | p50 | p99 | CPU per request | non-2xx / socket errors |", "|---|---|---|---|---|---|");
  for (const [name, x] of [["plain (static key)", p], ["governed, embedded counters", g], ["governed, counters in Redis", r]]) if (x) sec1d.push(wrkRow(name, x));
  sec1d.push("", `Redis adds **${added(add.value)}** at p50 over the plain proxy (median of the per-round differences); a Redis PING round trip on the same loopback takes ${Number.isFinite(rttP50) ? `${fmt(rttP50, 0)} µs` : "n/a (redis-benchmark gave no figure)"} (p50, redis-benchmark, one client).`, "");
  const errors = [...wrkErrors("plain", p), ...wrkErrors("Redis-backed", r)];
  if (!Number.isFinite(rttP50)) errors.push("Redis round trip not measured");
  targetRows.push(target("Redis-backed limits and budget: added latency p50 vs one Redis round trip + 50 µs", w, add.value,
    rttP50 + 50, "µs", "<=", "", { errors, diff: true, scenario: "shared", per_round: add.per_round }));
}
if (sec1d.length) md.push("## 1d. Rate limits and budget in Redis (shared counters)", "", ...sec1d);

// ---------- 1e. exact-cache hits ----------
const sec1e = [];
for (const w of workersList) {
  for (const [scenario, label] of [["cached", `${meta.connections} connections`], ["cached-c1", "one connection"]]) {
    const n = grp(scenario, w, "nginx-static"), c = grp(scenario, w, "torii-cached");
    if (!n || !c) continue;
    const cpu = cpuRatio(c, n), thr = rpsRatio(c, n);
    summary.cached ??= {};
    (summary.cached[w] ??= {})[scenario] = { nginx_static: n, torii_cached: c, cpu_ratio: cpu, rps_ratio: thr };
    sec1e.push(`**workers=${w}**, ${label}:`, "");
    sec1e.push("| server | requests/s | p50 | p99 | CPU per request | non-2xx / socket errors |", "|---|---|---|---|---|---|");
    for (const [name, x] of [["nginx, the same answer from its config (`return 200`)", n], ["torii, exact-cache hit (memory)", c]]) sec1e.push(wrkRow(name, x));
    sec1e.push("", `cache hit / nginx static (median of the per-round ratios): CPU per request **${fmt(cpu.value, 2)}x**, throughput **${fmt(thr.value, 2)}x**, p50 ${us(c.p50)} vs ${us(n.p50)}.`, "");
    if (scenario === "cached")
      targetRows.push(target("Exact-cache hit: CPU per request vs nginx serving a static answer", w, cpu.value, 2.0, "x", "<=", "",
        { errors: [...wrkErrors("torii", c), ...wrkErrors("nginx", n)], scenario: "cached", per_round: cpu.per_round }));
  }
}
if (sec1e.length) md.push("## 1e. Exact-cache hits", "", ...sec1e);

// ---------- 1f. guardrails ----------
const sec1f = [];
for (const w of workersList) {
  const p = grp("guarded", w, "torii"), g = grp("guarded", w, "torii-guarded");
  if (!p || !g) continue;
  const spg = streamGroup(w, "guarded-torii"), sgg = streamGroup(w, "guarded-torii-guarded");
  const sp = spg?.driver, sg = sgg?.driver;
  const cpu = cpuRatio(g, p), thr = rpsRatio(g, p);
  summary.guarded ??= {};
  summary.guarded[w] = { plain: p, guarded: g, cpu_ratio: cpu, rps_ratio: thr, streams_plain: sp, streams_guarded: sg };
  sec1f.push(`**workers=${w}**, ${meta.connections} connections (the requests of section 1), the full PII detector set redacting input and output:`, "");
  sec1f.push("| torii | requests/s | p50 | p99 | CPU per request | non-2xx / socket errors |", "|---|---|---|---|---|---|");
  for (const [name, x] of [["plain", p], ["guardrails: PII on input and output", g]]) sec1f.push(wrkRow(name, x));
  sec1f.push("", `guarded/plain (median of the per-round ratios): CPU per request **${fmt(cpu.value, 2)}x**, throughput **${fmt(thr.value, 2)}x**.`, "");
  targetRows.push(target("Guardrails (PII in and out): CPU per request vs plain", w, cpu.value, 1.5, "x", "<=", "",
    { errors: [...wrkErrors("plain", p), ...wrkErrors("guarded", g)], scenario: "guarded", per_round: cpu.per_round }));
  if (spg || sgg) {
    const add = paired([sgg, spg], (a, b) => a.ttft_us.p99 - b.ttft_us.p99);
    summary.guarded[w].streams_added_ttft_p99 = add;
    sec1f.push(`Streams (${sg?.streams ?? "?"} over ${plural(sgg?.rounds ?? 0, "round")}, ${meta.stream_events} events each; medians of the rounds): TTFT p50 ${us(sp?.ttft_us?.p50)} plain vs ${us(sg?.ttft_us?.p50)} guarded, p99 ${us(sp?.ttft_us?.p99)} vs ${us(sg?.ttft_us?.p99)} (**${added(add.value)}** added, median of the per-round differences); ${sg?.completed ?? 0}/${sg?.streams ?? 0} guarded streams completed.`, "");
    targetRows.push(target("Guardrails on streams: added TTFT p99", w, add.value, 1000, "µs", "<=", "",
      { errors: [...streamErrors("plain streams", spg), ...streamErrors("guarded streams", sgg)], diff: true, scenario: "guarded", per_round: add.per_round }));
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
    const t50 = pDiff(t, d, "p50"), t99 = pDiff(t, d, "p99"), n50 = pDiff(n, d, "p50"), n99 = pDiff(n, d, "p99");
    summary.latency ??= {};
    (summary.latency[w] ??= {})[c] = {
      direct: d, nginx: n, torii: t,
      torii_added_p50: t50.value, torii_added_p99: t99.value,
      nginx_added_p50: n ? n50.value : null, nginx_added_p99: n ? n99.value : null,
    };
    sec2.push(`**workers=${w}, concurrency ${c}:**`, "");
    sec2.push("| path | p50 | p90 | p99 | added p50 | added p99 | requests/s | non-2xx / socket errors |", "|---|---|---|---|---|---|---|---|");
    sec2.push(`| direct | ${us(d.p50)} | ${us(d.p90)} | ${us(d.p99)} | | | ${fmtInt(d.rps)} | ${errCell(d)} |`);
    if (n) sec2.push(`| nginx | ${us(n.p50)} | ${us(n.p90)} | ${us(n.p99)} | ${added(n50.value)} | ${added(n99.value)} | ${fmtInt(n.rps)} | ${errCell(n)} |`);
    sec2.push(`| torii | ${us(t.p50)} | ${us(t.p90)} | ${us(t.p99)} | ${added(t50.value)} | ${added(t99.value)} | ${fmtInt(t.rps)} | ${errCell(t)} |`, "");
    if (c === 1) {
      const errors = [...wrkErrors("torii", t), ...wrkErrors("direct", d)];
      targetRows.push(target("Added latency at concurrency 1, p50", w, t50.value, 50, "µs", "<=", "", { errors, diff: true, scenario: "latency", per_round: t50.per_round }));
      targetRows.push(target("Added latency at concurrency 1, p99", w, t99.value, 200, "µs", "<=", "", { errors, diff: true, scenario: "latency", per_round: t99.per_round }));
    }
  }
}
if (sec2.length) md.push("## 2. Latency at low load", "", "Percentiles are the medians of the rounds; added: the median of the per-round differences against direct.", "", ...sec2);

// ---------- 3. streaming ----------
// The measured rounds of one path merged into the driver's result shape:
// each percentile the median of the rounds' values (a round with no timed
// event, -1 from the driver, is left out of it), counts and CPU summed. A
// round whose driver produced no result counts as missing.
function streamGroup(w, target) {
  const all = measured.filter((r) => r.kind === "stream" && r.workers === w && r.target === target);
  if (!all.length) return null;
  const rs = all.filter((r) => r.driver?.mode);
  const xs = rs.map((r) => r.driver);
  const sum = (f) => xs.reduce((a, x) => a + (Number.isFinite(num(f(x))) ? f(x) : 0), 0);
  const pct = (d, p) => (num(d?.[p]) >= 0 ? d[p] : NaN);
  const med = (k, p) => median(xs.map((x) => pct(x[k], p)));
  const dist = (k) => ({ p50: med(k, "p50"), p90: med(k, "p90"), p99: med(k, "p99"), p999: med(k, "p999"), max: med(k, "max") });
  const per = rs.map((r) => {
    const x = r.driver;
    const d = (k) => ({ n: num(x[k]?.n), p50: pct(x[k], "p50"), p90: pct(x[k], "p90"), p99: pct(x[k], "p99"), p999: pct(x[k], "p999"), max: pct(x[k], "max") });
    return { round: r.round, streams: x.streams, completed: x.completed, failed: x.failed, timed_out: x.timed_out, ttft_us: d("ttft_us"), gap_us: d("gap_us"), fidelity: x.fidelity, cpu_ticks: r.cpu_ticks };
  });
  const finite = (v) => v.filter((x) => Number.isFinite(num(x)));
  return {
    rounds: rs.length,
    missing: all.length - rs.length,
    cpu_ticks: rs.reduce((a, r) => a + (num(r.cpu_ticks) || 0), 0),
    per_round: per,
    driver: {
      streams: sum((x) => x.streams), completed: sum((x) => x.completed), failed: sum((x) => x.failed), timed_out: sum((x) => x.timed_out),
      events: sum((x) => x.events), events_min: Math.min(...finite(xs.map((x) => x.events_min))), events_max: Math.max(...finite(xs.map((x) => x.events_max))),
      peak_open: Math.max(0, ...finite(xs.map((x) => x.peak_open))),
      ttft_us: dist("ttft_us"), gap_us: dist("gap_us"),
      fidelity: { compared: sum((x) => x.fidelity?.compared), identical: sum((x) => x.fidelity?.identical) },
      rss_max_kib: Math.max(0, ...finite(xs.map((x) => x.rss_max_kib))),
      errors: xs.flatMap((x) => x.errors ?? []).slice(0, 5),
      per_round: per,
    },
  };
}
// What makes a path's streams unusable for a target: missing rounds, and
// the driver's own counts (failed, timed_out, completed < streams), or a
// round in which no event was timed.
function streamErrors(label, g, rounds = expectedStreamRounds) {
  if (!g) return [`${label}: not measured`];
  const e = [];
  if (g.missing) e.push(`${label}: ${plural(g.missing, "round")} without a driver result`);
  if (rounds && g.rounds + g.missing < rounds) e.push(`${label}: ${g.rounds + g.missing} of ${rounds} rounds`);
  for (const x of g.per_round) {
    const counts = [x.streams, x.completed, x.failed, x.timed_out].map(num);
    if (!counts.every(Number.isFinite)) { e.push(`${label}: stream counts unreadable in round ${x.round}`); continue; }
    if (x.failed) e.push(`${label}: ${plural(x.failed, "failed stream")} in round ${x.round}`);
    if (x.timed_out) e.push(`${label}: ${plural(x.timed_out, "unfinished stream")} in round ${x.round}`);
    const other = x.streams - x.completed - x.failed - x.timed_out;
    if (other > 0) e.push(`${label}: ${plural(other, "stream")} not completed in round ${x.round}`);
    if (!x.streams) e.push(`${label}: no stream in round ${x.round}`);
    else if (!(x.ttft_us.n > 0)) e.push(`${label}: no event timed in round ${x.round}`);
  }
  if (g.driver.errors.length) e.push(`${label}: driver errors: ${g.driver.errors.slice(0, 2).join(", ")}`);
  return e;
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
    const notDone = (x.failed ?? 0) + (x.timed_out ?? 0);
    return `| ${name} | ${x.completed ?? "n/a"}/${x.streams ?? "?"}${notDone ? ` (${x.failed} failed, ${x.timed_out} unfinished)` : ""}${r.missing ? `; ${plural(r.missing, "round")} without a result` : ""} | ${fmtInt(x.events)} (${x.events_min}–${x.events_max} per stream) | ${us(x.ttft_us?.p50)} | ${us(x.ttft_us?.p99)} | ${us(x.gap_us?.p50)} | ${us(x.gap_us?.p99)} | ${us(x.gap_us?.p999)} | ${fid} | ${fmt(cpuPerEvent, 2)} µs | ${fmt(mib(x.rss_max_kib), 1)} MiB |`;
  };
  const D = d.driver ?? {}, T = t.driver ?? {}, N = n?.driver ?? {};
  const diff = (a, b, k, p) => paired([a, b], (x, y) => x[k][p] - y[k][p]);
  const ttft50 = diff(t, d, "ttft_us", "p50"), ttft99 = diff(t, d, "ttft_us", "p99");
  const gap50 = diff(t, d, "gap_us", "p50"), gap99 = diff(t, d, "gap_us", "p99");
  const nTtft99 = diff(n, d, "ttft_us", "p99"), nGap99 = diff(n, d, "gap_us", "p99");
  const fidelity = T.streams ? (100 * (T.fidelity?.identical ?? 0)) / T.streams : NaN;
  summary.streaming ??= {};
  summary.streaming[w] = {
    direct: D, nginx: N, torii: T,
    torii_added_ttft_p50: ttft50.value, torii_added_ttft_p99: ttft99.value,
    torii_added_gap_p50: gap50.value, torii_added_gap_p99: gap99.value,
    nginx_added_ttft_p99: nTtft99.value, nginx_added_gap_p99: nGap99.value,
    torii_fidelity_pct: fidelity,
  };
  sec3.push(`**workers=${w}**: ${meta.streams} concurrent streams (${meta.streams_note}) of ${meta.stream_events} events, content paced at ${meta.stream_tps}/s, started over ${meta.stream_ramp_ms} ms; ${plural(d.rounds, "measured round")} per path${warmups ? " after a warm-up round" : " (no warm-up round recorded)"} (peak open: torii ${T.peak_open}, direct ${D.peak_open}). Percentiles are the median of the rounds' values, added figures the median of the per-round differences against direct (every round's figures are in latest.json); counts and CPU are summed.${warmups ? " Fidelity compares every measured round, direct included, with the warm-up round's direct streams." : ""}`, "");
  sec3.push("| path | completed | events | TTFT p50 | TTFT p99 | gap p50 | gap p99 | gap p99.9 | byte-identical to direct | serving process CPU per event | serving process RSS peak |", "|---|---|---|---|---|---|---|---|---|---|---|");
  sec3.push(row("direct", d));
  if (n) sec3.push(row("nginx", n));
  sec3.push(row("torii", t), "");
  sec3.push(
    `Added by torii: TTFT p50 ${added(ttft50.value)}, p99 **${added(ttft99.value)}**; inter-event gap p50 ${added(gap50.value)}, p99 **${added(gap99.value)}**. ` +
      (n ? `Added by nginx: TTFT p99 ${added(nTtft99.value)}, gap p99 ${added(nGap99.value)}. ` : "") +
      `(The gap is the time between consecutive events of one stream as the client sees them; the mock paces content events ${fmt(1000 / meta.stream_tps, 0)} ms apart. "CPU per event" is the serving process's CPU over the run divided by the events delivered.)`,
    "",
  );
  if ((T.errors ?? []).length) sec3.push(`torii stream errors (first ${T.errors.length}): ${T.errors.join("; ")}`, "");
  const errors = [...streamErrors("torii", t), ...streamErrors("direct", d)];
  targetRows.push(target("Streaming: added TTFT p99", w, ttft99.value, 1000, "µs", "<=", "", { errors, diff: true, scenario: "streaming", per_round: ttft99.per_round }));
  targetRows.push(target("Streaming: added inter-event p99", w, gap99.value, 1000, "µs", "<=", "", { errors, diff: true, scenario: "streaming", per_round: gap99.per_round }));
  targetRows.push(target("Streaming: fidelity (streams complete and byte-identical)", w, fidelity, 100, "%", ">=", "", { errors: streamErrors("torii", t), scenario: "streaming" }));
}
if (sec3.length) md.push("## 3. Streaming", "", ...sec3);

// ---------- 4. large bodies ----------
const sec4 = [];
for (const w of workersList) {
  const sizes = [...new Set(measured.filter((r) => r.scenario === "large" && r.workers === w).map((r) => Number(r.env_BENCH_BODY_BYTES)))].sort((a, b) => a - b);
  if (!sizes.length) continue;
  const rows = [];
  for (const s of sizes) {
    const f = (r) => Number(r.env_BENCH_BODY_BYTES) === s;
    const d = grp("large", w, "direct", f), n = grp("large", w, "nginx", f), t = grp("large", w, "torii", f);
    rows.push({ size: s, d, n, t });
  }
  for (const r of rows) {
    r.t50 = pDiff(r.t, r.d, "p50");
    r.t99 = pDiff(r.t, r.d, "p99");
    r.n50 = pDiff(r.n, r.d, "p50");
  }
  summary.large ??= {};
  summary.large[w] = rows.map((r) => ({
    size: r.size, direct: r.d, nginx: r.n, torii: r.t,
    torii_added_p50: r.t50.value, torii_added_p99: r.t99.value, nginx_added_p50: r.n50.value,
  }));
  sec4.push(`**workers=${w}**, concurrency 1 (medians of the rounds; added: the median of the per-round differences against direct):`, "");
  sec4.push("| body | direct p50 | nginx p50 | torii p50 | torii added p50 / p99 | nginx added p50 | torii CPU/request | nginx CPU/request | torii CPU per KiB | torii non-2xx / socket errors |", "|---|---|---|---|---|---|---|---|---|---|");
  for (const { size, d, n, t, t50, t99, n50 } of rows)
    sec4.push(`| ${fmt(size / 1024, 0)} KiB | ${us(d?.p50)} | ${us(n?.p50)} | ${us(t?.p50)} | ${added(t50.value)} / ${added(t99.value)} | ${added(n50.value)} | ${fmt(t?.cpu_us_per_req, 1)} µs | ${fmt(n?.cpu_us_per_req, 1)} µs | ${fmt(t?.cpu_us_per_req / (size / 1024), 2)} µs | ${t ? errCell(t) : "n/a"} |`);
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
  targetRows.push(target(`${fmt(big.size / 1024, 0)} KiB body: added latency p50`, w, big.t50.value, 2000, "µs", "<=", "",
    { errors: [...wrkErrors("torii", big.t), ...wrkErrors("direct", big.d)], diff: true, scenario: "large", per_round: big.t50.per_round }));
}
if (sec4.length) md.push("## 4. Large request bodies", "", ...sec4);

// ---------- 5. memory ----------
// rss_kib reads 0 for a process that is gone: 0 is no reading.
const rss = (target, phase) => {
  const r = records.find((x) => x.kind === "rss" && x.target === target && x.phase === phase);
  return r ? { ...r, rss_kib: num(r.rss_kib) > 0 ? r.rss_kib : NaN } : undefined;
};
const idleT = records.find((r) => r.kind === "idle" && r.target === "torii");
const idleN = records.find((r) => r.kind === "idle" && r.target === "nginx");
if (rss("torii", "idle") || idleT) {
  const w = rss("torii", "idle")?.workers ?? idleT?.workers;
  const idle = rss("torii", "idle")?.rss_kib, warm = rss("torii", "warm")?.rss_kib, soak = rss("torii", "soak");
  const nIdle = rss("nginx", "idle")?.rss_kib;
  const growth = soak && warm ? soak.rss_kib - warm : NaN;
  // The soak's rotation sends one request in six with an invalid key: more
  // non-2xx than that share (plus what was in flight), or any socket error,
  // means the soak traffic itself failed.
  const soakErrors = [];
  const sw = soak?.wrk;
  if (soak && !Number.isFinite(num(sw?.requests))) soakErrors.push("soak: no wrk result");
  else if (soak) {
    const e = sw.errors ?? {}, te = sw.text_errors ?? {};
    const z = (v) => num(v) || 0;
    const sock = Math.max(z(e.connect) + z(e.read) + z(e.write) + z(e.timeout), z(te.connect) + z(te.read) + z(te.write) + z(te.timeout));
    const non2xx = Math.max(z(e.status), z(te.non2xx));
    if (sock) soakErrors.push(`soak: ${fmtInt(sock)} socket errors`);
    if (non2xx > Math.ceil(sw.requests / 6) + 32) soakErrors.push(`soak: ${fmtInt(non2xx)} non-2xx, more than the invalid-key share of ${fmtInt(Math.ceil(sw.requests / 6))}`);
  }
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
  if (soak?.samples?.length) md.push(`RSS during the soak (KiB, evenly spaced): ${soak.samples.join(", ")}. Soak traffic: ${fmtInt(soak.wrk?.requests)} requests (small, 40 KB, streaming, invalid-key and failover requests in rotation), ${soak.wrk?.errors?.status ?? "?"} non-2xx (the invalid-key share), ${(soak.wrk?.errors?.connect ?? 0) + (soak.wrk?.errors?.read ?? 0) + (soak.wrk?.errors?.write ?? 0) + (soak.wrk?.errors?.timeout ?? 0)} socket errors.`, "");
  targetRows.push(target("RSS idle", w, mib(idle), 40, "MiB", "<=", "", { scenario: "memory", why: "RSS unreadable" }));
  const allUp = Number.isFinite(num(conns)) && idleT?.driver?.established === conns;
  const idleRss = num(idleT?.driver?.rss_max_kib) > 0 ? idleT.driver.rss_max_kib : NaN;
  targetRows.push(target(`RSS with ${fmtInt(conns)} idle connections`, w, mib(idleRss), 200, "MiB", "<=", "",
    { errors: allUp ? [] : [`only ${idleT?.driver?.established ?? 0} of ${fmtInt(conns)} connections established`], scenario: "memory", why: "RSS unreadable" }));
  targetRows.push(target(`RSS growth over the ${meta.soak_seconds} s soak (tolerance 2 MiB)`, w, growth / 1024, 2, "MiB", "<=", "",
    { errors: soakErrors, diff: true, scenario: "memory", why: "RSS unreadable" }));
}

// ---------- 6. failover ----------
const sec6 = [];
for (const w of workersList) {
  const g = (t) => grp("failover", w, t);
  const fail = g("direct-fail"), t = g("torii"), tf = g("torii-failover"), n = g("nginx"), nf = g("nginx-failover");
  if (!fail || !t || !tf) continue;
  const extra50 = pDiff(tf, t, "p50"), extra99 = pDiff(tf, t, "p99");
  const over50 = paired([tf, t, fail], (a, b, c) => a.p50 - b.p50 - c.p50), over99 = paired([tf, t, fail], (a, b, c) => a.p99 - b.p99 - c.p99);
  const nExtra50 = pDiff(nf, n, "p50"), nOver50 = paired([nf, n, fail], (a, b, c) => a.p50 - b.p50 - c.p50);
  summary.failover ??= {};
  summary.failover[w] = {
    failing_mock: fail, torii: t, torii_failover: tf, nginx: n, nginx_failover: nf,
    torii_extra_p50: extra50.value, torii_extra_p99: extra99.value, torii_beyond_mock_p50: over50.value, torii_beyond_mock_p99: over99.value,
    nginx_extra_p50: n && nf ? nExtra50.value : null, nginx_beyond_mock_p50: n && nf ? nOver50.value : null,
  };
  const of = (x) => `${fmtInt(x.non2xx)} of ${fmtInt(x.requests)}${x.socket_errors ? `, ${fmtInt(x.socket_errors)} socket errors` : ""}${x.missing ? `, ${plural(x.missing, "round")} without a result` : ""}`;
  sec6.push(`**workers=${w}**, concurrency 1 (medians of the rounds; the extra times are medians of the per-round differences):`, "");
  sec6.push("| path | p50 | p99 | non-2xx |", "|---|---|---|---|");
  sec6.push(`| failing mock directly (503 at once) | ${us(fail.p50)} | ${us(fail.p99)} | ${of(fail)} |`);
  sec6.push(`| torii, plain model | ${us(t.p50)} | ${us(t.p99)} | ${of(t)} |`);
  sec6.push(`| torii, [failing, good] with circuit_breaker: off | ${us(tf.p50)} | ${us(tf.p99)} | ${of(tf)} |`);
  if (n) sec6.push(`| nginx, plain | ${us(n.p50)} | ${us(n.p99)} | ${of(n)} |`);
  if (nf) sec6.push(`| nginx, upstream [failing, good backup], proxy_next_upstream http_503 | ${us(nf.p50)} | ${us(nf.p99)} | ${of(nf)} |`);
  sec6.push(
    "",
    `One failed attempt costs torii ${added(extra50.value)} at p50 (${added(extra99.value)} at p99); beyond the failing mock's own ${us(fail.p50)}: **${added(over50.value)}** (p99 ${added(over99.value)}).` +
      (n && nf ? ` nginx: ${added(nExtra50.value)} extra, ${added(nOver50.value)} beyond the mock.` : ""),
    "",
  );
  // The fallback must have answered every request (a non-2xx on the
  // failover path is the failing mock's 503 passed through), and the failing
  // mock must really have failed every request it got.
  const errors = [...wrkErrors("failover path (fallback did not answer)", tf), ...wrkErrors("plain path", t), ...wrkErrors("failing mock", fail, "rejected")];
  targetRows.push(target("Failover: one failed attempt beyond the mock's own time, p50", w, over50.value, 1000, "µs", "<=", "",
    { errors, diff: true, scenario: "failover", per_round: over50.per_round }));
}
if (sec6.length) md.push("## 6. Failover path", "", ...sec6);

// ---------- 7. key flood ----------
const sec7 = [];
for (const w of workersList) {
  const inv = grp("keyflood", w, "torii-invalid"), val = grp("keyflood", w, "torii-valid"), ninv = grp("keyflood", w, "nginx-invalid");
  if (!inv || !val) continue;
  const ups = measured.filter((r) => r.kind === "upstream" && r.workers === w);
  // The mock's request counter before and after each measured round; a
  // round whose counter could not be read (null) makes the delta NaN, never 0.
  const delta = (t) => {
    const rs = ups.filter((r) => r.target === t);
    if (!rs.length) return NaN;
    return rs.reduce((a, r) => a + (num(r.upstream_after) - num(r.upstream_before)), 0);
  };
  const unread = (t) => ups.filter((r) => r.target === t && !(Number.isFinite(num(r.upstream_after)) && Number.isFinite(num(r.upstream_before)))).length;
  const cnt = (x) => (Number.isFinite(x) ? fmtInt(x) : "n/a (counter unreadable)");
  const invDelta = delta("torii-invalid"), valDelta = delta("torii-valid"), nDelta = delta("nginx-invalid");
  summary.keyflood ??= {};
  summary.keyflood[w] = { torii_invalid: inv, torii_valid: val, nginx_invalid: ninv, upstream_delta: { torii_invalid: invDelta, torii_valid: valDelta, nginx_invalid: nDelta } };
  sec7.push(`**workers=${w}**, ${meta.connections} connections (medians of the rounds):`, "");
  sec7.push("| requests | answered/s | p50 | p99 | rejected (401) | CPU per request | reached the upstream |", "|---|---|---|---|---|---|---|");
  sec7.push(`| torii, invalid key | ${fmtInt(inv.rps)} | ${us(inv.p50)} | ${us(inv.p99)} | ${fmtInt(inv.non2xx)} of ${fmtInt(inv.requests)} | ${fmt(inv.cpu_us_per_req, 1)} µs | ${cnt(invDelta)} |`);
  sec7.push(`| torii, valid key | ${fmtInt(val.rps)} | ${us(val.p50)} | ${us(val.p99)} | ${fmtInt(val.non2xx)} | ${fmt(val.cpu_us_per_req, 1)} µs | ${cnt(valDelta)} (${fmtInt(val.requests)} answered) |`);
  if (ninv) sec7.push(`| nginx, invalid key (map + return 401) | ${fmtInt(ninv.rps)} | ${us(ninv.p50)} | ${us(ninv.p99)} | ${fmtInt(ninv.non2xx)} of ${fmtInt(ninv.requests)} | ${fmt(ninv.cpu_us_per_req, 1)} µs | ${cnt(nDelta)} |`);
  const floodErrors = [...wrkErrors("invalid key", inv, "rejected"), ...wrkErrors("valid key", val)];
  if (unread("torii-invalid")) floodErrors.push(`mock request counter unreadable in ${plural(unread("torii-invalid"), "invalid-key round")}`);
  // A counter that does not move for valid requests proves nothing about
  // the invalid ones.
  if (unread("torii-valid")) floodErrors.push(`mock request counter unreadable in ${plural(unread("torii-valid"), "valid-key round")}`);
  else if (!(valDelta > 0)) floodErrors.push("the mock's counter did not move for valid requests");
  targetRows.push(target("Key flood: invalid-key requests that reached the upstream", w, invDelta, 0, "requests", "<=", "", { errors: floodErrors, scenario: "keyflood" }));
  const ginv = grp("keyflood", w, "governed-invalid"), gval = grp("keyflood", w, "governed-valid");
  if (ginv && gval) {
    const gDelta = delta("governed-invalid");
    const gcpu = cpuRatio(ginv, gval);
    summary.keyflood[w].governed = { invalid: ginv, valid: gval, upstream_delta: gDelta, cpu_ratio: gcpu };
    sec7.push("| governed torii, invalid virtual key (tk-...) | " + `${fmtInt(ginv.rps)} | ${us(ginv.p50)} | ${us(ginv.p99)} | ${fmtInt(ginv.non2xx)} of ${fmtInt(ginv.requests)} | ${fmt(ginv.cpu_us_per_req, 1)} µs | ${cnt(gDelta)} |`);
    sec7.push("| governed torii, valid virtual key | " + `${fmtInt(gval.rps)} | ${us(gval.p50)} | ${us(gval.p99)} | ${fmtInt(gval.non2xx)} | ${fmt(gval.cpu_us_per_req, 1)} µs | ${cnt(delta("governed-valid"))} (${fmtInt(gval.requests)} answered) |`);
    const gErrors = [...wrkErrors("invalid virtual key", ginv, "rejected"), ...wrkErrors("valid virtual key", gval)];
    if (unread("governed-invalid")) gErrors.push(`mock request counter unreadable in ${plural(unread("governed-invalid"), "round")}`);
    else if (gDelta) gErrors.push(`${fmtInt(gDelta)} invalid virtual-key requests reached the upstream`);
    targetRows.push(target("Key flood, virtual keys: CPU per invalid-key request vs a valid one", w, gcpu.value, 1, "x", "<=", "",
      { errors: gErrors, scenario: "keyflood", per_round: gcpu.per_round }));
  }
  sec7.push("", `Rejections run at **${fmt(rpsRatio(inv, val).value, 2)}x** the rate of valid requests (${fmt(rpsRatio(inv, ninv).value, 2)}x nginx's rejection rate; medians of the per-round ratios).`, "");
}
if (sec7.length) md.push("## 7. Invalid-key flood", "", ...sec7);

// ---------- request log at scale ----------
const stores = records.filter((r) => r.kind === "logstore").map((r) => r.report);
if (stores.length) {
  md.push("## Request log at scale (bench/logstore.cpp)", "");
  for (const s of stores) {
    const pg = s.store === "postgres";
    md.push(`**${pg ? "PostgreSQL" : "SQLite"}, ${fmtInt(s.rows)} requests over 30 days, ${s.bodies ? "with" : "without"} bodies:** ${fmt(s.bytes / 1048576, 1)} MiB on disk ` +
      `(${fmt(s.bytes / s.rows, 0)} bytes per request${pg ? ", tables, indexes and TOAST after VACUUM" : ""}); written at **${fmtInt(s.records_per_second)} records/s** through the writer's insert path (batches of 2048, one thread).`, "");
    md.push("| query | median | slowest of 5 | status |", "|---|---|---|---|");
    for (const q of s.queries) md.push(`| ${q.name} | ${fmt(q.median_ms, 1)} ms | ${fmt(q.max_ms, 1)} ms | ${q.status} |`);
    md.push("");
    const worst = s.queries.length ? Math.max(...s.queries.map((q) => num(q.median_ms))) : NaN;
    const tag = `${s.bodies ? "with bodies" : "without bodies"}${pg ? ", PostgreSQL" : ""}`;
    const bad = s.queries.filter((q) => q.status !== 200);
    targetRows.push(target(`Request log, ${fmtInt(s.rows)} rows ${tag}: slowest query (median)`, "-", worst, 100, "ms", "<=", "",
      { errors: bad.map((q) => `${q.name}: status ${q.status}`) }));
    targetRows.push(target(`Request log writes ${tag}`, "-", num(s.records_per_second), 20000, "records/s", ">="));
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

// ---------- pass rate over the last runs ----------
// results/history.json keeps, for each of the last HISTORY_RUNS runs, every
// target's status ("met" is a pass; "missed" and "failed" are not). This run
// replaces an entry with the same date and commit (a re-rendered report).
const histPath = join(outDir, "history.json");
let history = [];
try {
  const h = JSON.parse(readFileSync(histPath, "utf8"));
  history = Array.isArray(h.runs) ? h.runs : [];
} catch {
  history = [];
}
const tkey = (t) => `${t.name} | workers=${t.workers}`;
const thisRun = {
  date: meta.date ?? null, commit: meta.commit ?? null, dirty: meta.dirty ?? null,
  scenarios: [...new Set(records.filter((r) => r.kind === "timing" && r.scenario !== "total").map((r) => String(r.scenario).split(" ")[0]))],
  targets: Object.fromEntries(targets.map((t) => [tkey(t), t.status])),
};
history = history.filter((h) => !(h.date === thisRun.date && String(h.commit) === String(thisRun.commit)));
history.push(thisRun);
history.sort((a, b) => String(a.date).localeCompare(String(b.date)));
// The pass rate covers this run and the runs before it (a re-rendered older
// run is not judged by later ones); the file keeps the newest runs.
const at = history.indexOf(thisRun);
const passWindow = history.slice(Math.max(0, at + 1 - HISTORY_RUNS), at + 1);
history = history.slice(-HISTORY_RUNS);
for (const t of targets) {
  const seen = passWindow.filter((h) => h.targets?.[tkey(t)] !== undefined);
  t.pass_rate = { passed: seen.filter((h) => h.targets[tkey(t)] === "met").length, runs: seen.length, of_last: passWindow.length };
}

// ---------- targets first ----------
const tgt = ["## Targets", "", `| target | workers | measured | limit | status | margin | passed, last ${plural(passWindow.length, "run")} |`, "|---|---|---|---|---|---|---|"];
targetRows.forEach((r, i) => {
  const pr = targets[i].pass_rate;
  const margin = [r.margin, r.extra].filter(Boolean).join("; ");
  tgt.push(`| ${r.name} | ${r.w} | ${r.shown} | ${r.lim} | ${r.status === "met" ? "met" : `**${r.status}**`} | ${margin} | ${pr.passed}/${pr.runs} |`);
});
const met = targets.filter((t) => t.status === "met").length;
const failed = targets.filter((t) => t.status === "failed").length;
tgt.push(
  "",
  `${met} of ${targets.length} targets met${failed ? `, ${failed} failed (errors or no usable figure)` : ""}. ` +
    `"measured" is a median over the rounds (of the per-round ratio or difference where two paths are compared); "within noise": a difference below zero. ` +
    `"passed": of the runs that measured the target among the last ${plural(passWindow.length, "run")} in bench/results/history.json (this one included), those in which it was met.`,
  "",
);
md.splice(6, 0, ...tgt);

if (crashes.length) {
  const lines = ["## Processes that died during the run", "", "The stack was restarted after each; the targets of the scenario named are failed.", "", "| process | workers | during | exit status | last output |", "|---|---|---|---|---|"];
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
writeFileSync(histPath, JSON.stringify({ about: `target statuses of the last ${HISTORY_RUNS} bench runs, appended by bench/report.mjs; "met" is a pass`, runs: history }, null, 1) + "\n");
