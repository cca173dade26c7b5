// GET /metrics: the Prometheus text format, checked by Prometheus' own parser
// and linter (`promtool check metrics`, Debian's prometheus package) and read
// back with parse-prometheus-text-format, with values that move as requests
// are served on both surfaces, streaming or not, across two workers.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import {
  startMock, startTorii, stopAllOf, postJson, postStream, readSSE, http, chatBody, fallbackFixture, waitFor, mockStats,
} from './harness.mjs';

function promtool(text) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is needed (scripts/install-deps.sh installs it): ${r.error.message}`);
  assert.equal(r.status, 0, `promtool check metrics: ${r.stdout}${r.stderr}`);
}

// parse-prometheus-text-format folds every label set of a histogram into one
// entry, so histograms are also kept by label set from their _count samples
// (in text promtool has already accepted).
function histogramCounts(text) {
  const counts = new Map();
  for (const line of text.split('\n')) {
    const m = /^(\w+)_count\{(.*)\} (\S+)$/.exec(line);
    if (m) counts.set(`${m[1]}{${m[2]}}`, Number(m[3]));
  }
  return counts;
}

async function scrape(torii, path = '/metrics', headers = {}) {
  const r = await http(`${torii.url}${path}`, { headers });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  promtool(r.text);
  const families = parsePrometheusTextFormat(r.text);
  families.histograms = histogramCounts(r.text);
  return families;
}

function family(families, name) {
  const f = families.find((x) => x.name === name);
  assert.ok(f, `metric ${name} is exported`);
  return f;
}

// The value of the sample whose labels include `labels` (counters, gauges).
function value(families, name, labels) {
  const f = family(families, name);
  const match = f.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return match.reduce((sum, m) => sum + Number(m.value), 0);
}

const requestsTotal = (families) => family(families, 'torii_requests_total').metrics.reduce((s, m) => s + Number(m.value), 0);

// A request is counted right after its last byte is written, so a scrape
// sent the moment the answer arrives may run first: scrape until the
// requests made since `before` are all counted.
async function scrapeCounted(torii, before, n) {
  const want = requestsTotal(before) + n;
  return waitFor(async () => {
    const f = await scrape(torii);
    return requestsTotal(f) >= want ? f : null;
  }, { timeoutMs: 5000, what: `${n} more requests counted` });
}

function histogramCount(families, name, { model, provider }) {
  assert.equal(family(families, name).type, 'HISTOGRAM');
  return families.histograms.get(`${name}{model="${model}",provider="${provider}"}`) ?? 0;
}

const MINI = { model: 'mini', provider: 'oai' };

describe('metrics', () => {
  let good; let bad; let torii;
  before(async () => {
    good = await startMock();
    bad = await startMock(['--fail-status', '503']);
    torii = await startTorii({
      workers: 2,
      providers: fallbackFixture(good, bad).providers,
      models: [...fallbackFixture(good, bad).models, { name: 'unpriced', targets: [{ provider: 'oai', model: 'my-finetune' }] }],
    });
  }, { timeout: 30_000 });
  after(async () => { await stopAllOf(torii, good, bad); }, { timeout: 30_000 });

  it('is valid exposition text with every documented family, before any traffic', async () => {
    const f = await scrape(torii);
    for (const name of ['torii_requests_total', 'torii_request_duration_seconds', 'torii_time_to_first_token_seconds',
      'torii_time_per_output_token_seconds', 'torii_upstream_duration_seconds', 'torii_overhead_seconds',
      'torii_tokens_total', 'torii_cost_usd_total', 'torii_attempts_total', 'torii_fallbacks_total',
      'torii_breaker_open']) family(f, name);
    assert.equal(family(f, 'torii_breaker_open').type, 'GAUGE');
    assert.equal(value(f, 'torii_breaker_open', { model: 'mini', provider: 'oai' }), 0);
  });

  it('counts requests, tokens and cost as they are answered, on both surfaces', async () => {
    const before = await scrape(torii);
    const N = 6;
    let cost = 0; let input = 0; let output = 0;
    for (let i = 0; i < N; i++) {
      const r = await postJson(`${torii.v1}/chat/completions`, chatBody('mini', `question number ${i}`));
      assert.equal(r.status, 200, r.text);
      cost += Number(r.headers.get('x-torii-cost-usd'));
      input += r.json.usage.prompt_tokens;
      output += r.json.usage.completion_tokens;
    }
    const a = await postJson(`${torii.url}/v1/messages`, { model: 'haiku', max_tokens: 40, messages: [{ role: 'user', content: 'hello there' }] });
    assert.equal(a.status, 200, a.text);
    const after = await scrapeCounted(torii, before, N + 1);
    const delta = (name, labels) => value(after, name, labels) - value(before, name, labels);
    assert.equal(delta('torii_requests_total', { model: 'mini', provider: 'oai', status: '2xx' }), N);
    assert.equal(delta('torii_tokens_total', { model: 'mini', type: 'input' }), input);
    assert.equal(delta('torii_tokens_total', { model: 'mini', type: 'output' }), output);
    assert.ok(Math.abs(delta('torii_cost_usd_total', { model: 'mini' }) - cost) < 1e-12, 'cost adds up to the answers\' headers');
    assert.equal(delta('torii_requests_total', { model: 'haiku', provider: 'claude', status: '2xx' }), 1);
    assert.equal(delta('torii_tokens_total', { model: 'haiku', type: 'output' }), a.json.usage.output_tokens);
    assert.equal(histogramCount(after, 'torii_request_duration_seconds', MINI) -
      histogramCount(before, 'torii_request_duration_seconds', MINI), N);
    assert.ok(histogramCount(after, 'torii_overhead_seconds', MINI) >= N);
  });

  it('streams get time to first token and time per output token', async () => {
    const before = await scrape(torii);
    const res = await postStream(`${torii.v1}/chat/completions`, chatBody('mini', 'stream me a few words', { stream: true }));
    assert.equal(res.status, 200);
    await readSSE(res);
    const after = await scrapeCounted(torii, before, 1);
    for (const name of ['torii_time_to_first_token_seconds', 'torii_time_per_output_token_seconds'])
      assert.equal(histogramCount(after, name, MINI) - histogramCount(before, name, MINI), 1, name);
  });

  it('counts attempts and fallbacks, and errors by status class', async () => {
    const before = await scrape(torii);
    const upstream = async () => [(await mockStats(bad)).requests, (await mockStats(good)).requests];
    const [badBefore, goodBefore] = await upstream();
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('flaky'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-torii-fallback'), 'mini');
    // What the counters below are checked against: the upstreams' own counts.
    const [badAfter, goodAfter] = await upstream();
    assert.deepEqual([badAfter - badBefore, goodAfter - goodBefore], [1, 1], 'one attempt at the failing upstream, one at the fallback');
    const missing = await postJson(`${torii.v1}/chat/completions`, chatBody('no-such-model'));
    assert.equal(missing.status, 404);
    const after = await scrapeCounted(torii, before, 2);
    const delta = (name, labels) => value(after, name, labels) - value(before, name, labels);
    assert.equal(delta('torii_fallbacks_total', { model: 'flaky', provider: 'oai' }), 1);
    assert.equal(delta('torii_attempts_total', { model: 'flaky' }), 2);
    // An unknown model is not a label value (that would let clients grow the series).
    assert.equal(delta('torii_requests_total', { model: '', status: '4xx' }), 1);
  });

  it('an unpriced model counts its answers as cost unknown, never as 0', async () => {
    const before = await scrape(torii);
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('unpriced'));
    assert.equal(r.status, 200);
    const after = await scrapeCounted(torii, before, 1);
    assert.equal(value(after, 'torii_cost_unknown_total', { model: 'unpriced' }) - value(before, 'torii_cost_unknown_total', { model: 'unpriced' }), 1);
    assert.equal(value(after, 'torii_cost_usd_total', { model: 'unpriced' }), 0);
  });

  it('label values are escaped: a direct provider/model name with quotes still parses', async () => {
    const before = await scrape(torii);
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('oai/we"ird\\name'));
    assert.equal(r.status, 200, r.text);
    const f = await scrapeCounted(torii, before, 1);
    assert.equal(value(f, 'torii_requests_total', { model: 'oai/we"ird\\name', status: '2xx' }), 1);
  });
});

describe('metrics configuration', () => {
  let torii;
  after(async () => { await stopAllOf(torii); }, { timeout: 30_000 });

  it('moves to metrics.path, takes the admin key with metrics.auth, and can be turned off', async () => {
    torii = await startTorii({
      admin: { keys: ['adm'] },
      auth: { keys: ['user-key'] },
      metrics: { path: '/internal/metrics', auth: true },
      providers: [{ name: 'm', type: 'mock' }],
      models: [{ name: 'echo', targets: [{ provider: 'm', model: 'echo' }] }],
    });
    assert.equal((await http(`${torii.url}/metrics`)).status, 404);
    assert.equal((await http(`${torii.url}/internal/metrics`)).status, 401);
    assert.equal((await http(`${torii.url}/internal/metrics`, { headers: { authorization: 'Bearer user-key' } })).status, 401,
      'an API key is not an admin key');
    await scrape(torii, '/internal/metrics', { authorization: 'Bearer adm' });
    await stopAllOf(torii);
    torii = await startTorii({
      metrics: { enabled: false },
      providers: [{ name: 'm', type: 'mock' }],
      models: [{ name: 'echo', targets: [{ provider: 'm', model: 'echo' }] }],
    });
    assert.equal((await http(`${torii.url}/metrics`)).status, 404);
  });

  it('metrics.key_labels puts the caller\'s key on the counters, by alias or id; histograms stay per model', async () => {
    await stopAllOf(torii);
    torii = await startTorii({
      workers: 2,
      admin: { keys: ['adm'] },
      metrics: { key_labels: true },
      keys: [{ key: 'sk-declared-team-a', alias: 'team-a' }],
      auth: { keys: ['static-secret'] },
      providers: [{ name: 'm', type: 'mock' }],
      models: [{ name: 'echo', targets: [{ provider: 'm', model: 'echo', price: { input: 1, output: 2 } }] }],
    });
    const ask = (key) => postJson(`${torii.v1}/chat/completions`, chatBody('echo'), { headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 3; i++) assert.equal((await ask('sk-declared-team-a')).status, 200);
    assert.equal((await ask('static-secret')).status, 200);
    const f = await waitFor(async () => {
      const s = await scrape(torii);
      return value(s, 'torii_requests_total', { model: 'echo' }) >= 4 ? s : null;
    }, { what: 'four requests counted' });
    assert.equal(value(f, 'torii_requests_total', { model: 'echo', key: 'team-a', status: '2xx' }), 3);
    assert.equal(value(f, 'torii_requests_total', { model: 'echo', key: 'static-0', status: '2xx' }), 1);
    assert.ok(value(f, 'torii_tokens_total', { model: 'echo', key: 'team-a', type: 'output' }) > 0);
    assert.ok(value(f, 'torii_cost_usd_total', { model: 'echo', key: 'static-0' }) > 0);
    // The secrets never appear, and histograms carry no key label.
    const text = (await http(`${torii.url}/metrics`)).text;
    assert.ok(!text.includes('sk-declared-team-a') && !text.includes('static-secret'));
    assert.equal(histogramCount(f, 'torii_request_duration_seconds', { model: 'echo', provider: 'm' }), 4);
    assert.doesNotMatch(text, /_bucket\{[^}]*key=/);
  });
});
