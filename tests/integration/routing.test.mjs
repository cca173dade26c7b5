// Routing and reliability: strategies, retries, fallbacks, cooldowns, breakers,
// hedging and conditional routes, against torii-mock instances with injected
// failures and latencies.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock, startTorii, mockProvider, mockStats, mockReset, mockConfig, postJson, chatBody, http,
  assertOpenAIError, stopAllOf, closedPort, postStream, readSSE, sseContent, assertHealthy,
} from './harness.mjs';

const chat = (torii, model, extra = {}, headers = {}) =>
  postJson(`${torii.v1}/chat/completions`, chatBody(model, 'route me', extra), { headers });

// Runs `n` requests with `concurrency` in flight; returns the responses.
async function many(n, concurrency, fn) {
  const out = [];
  let next = 0;
  async function worker() {
    while (next < n) {
      next += 1;
      out.push(await fn());
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

// The requests each upstream itself counted while `fn` ran (torii-mock's
// /mock/stats), by the names given in `mocks`: routing claims made by torii's
// own x-torii-* headers are checked against what actually reached whom.
// Resolves with [fn's result, { name: requests }].
async function receivedDuring(mocks, fn) {
  const counts = () => Promise.all(Object.values(mocks).map(async (m) => (await mockStats(m)).requests));
  const before = await counts();
  const result = await fn();
  const after = await counts();
  return [result, Object.fromEntries(Object.keys(mocks).map((name, i) => [name, after[i] - before[i]]))];
}

function countBy(responses, header) {
  const counts = {};
  for (const r of responses) {
    const k = r.headers.get(header);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

describe('load balancing strategies', () => {
  let a; let b; let c; let slow; let torii;

  before(async () => {
    [a, b, c] = await Promise.all([startMock([]), startMock([]), startMock([])]);
    slow = await startMock(['--latency-ms', '40']);
    torii = await startTorii({
      workers: 1,
      providers: [mockProvider(a, 'a'), mockProvider(b, 'b'), mockProvider(c, 'c'), mockProvider(slow, 'slow')],
      models: [
        { name: 'weighted', strategy: 'weighted',
          targets: [{ provider: 'a', model: 'm', weight: 3 }, { provider: 'b', model: 'm', weight: 1 }] },
        { name: 'rr', strategy: 'round-robin',
          targets: [{ provider: 'a', model: 'm' }, { provider: 'b', model: 'm' }, { provider: 'c', model: 'm' }] },
        { name: 'fastest', strategy: 'least-latency',
          targets: [{ provider: 'slow', model: 'm' }, { provider: 'a', model: 'm' }] },
        { name: 'p2c', strategy: 'p2c',
          targets: [{ provider: 'slow', model: 'm' }, { provider: 'b', model: 'm' }] },
        { name: 'cheap', strategy: 'cost',
          targets: [{ provider: 'a', model: 'm', price: { input: 5, output: 15 } },
                    { provider: 'c', model: 'm', price: { input: 0.1, output: 0.4 } }] },
      ],
    });
  });
  after(() => stopAllOf(torii, a, b, c, slow));

  it('weighted 3:1 split holds over 2000 requests', async () => {
    const [rs, got] = await receivedDuring({ a, b }, () => many(2000, 16, () => chat(torii, 'weighted')));
    assert.ok(rs.every((r) => r.status === 200));
    const counts = countBy(rs, 'x-torii-provider');
    const share = counts.a / 2000;
    // Binomial(2000, 0.75): sd ~ 0.0097; allow 4 sd.
    assert.ok(Math.abs(share - 0.75) < 0.04, `share of a = ${share} (${JSON.stringify(counts)})`);
    assert.equal(counts.a + counts.b, 2000);
    // The split the headers report is the split the upstreams saw.
    assert.deepEqual(got, { a: counts.a, b: counts.b });
  });

  it('round-robin rotates exactly', async () => {
    const seq = [];
    const [, got] = await receivedDuring({ a, b, c }, async () => {
      for (let i = 0; i < 9; i += 1) seq.push((await chat(torii, 'rr')).headers.get('x-torii-provider'));
    });
    // Where the rotation starts depends on earlier requests; the order does not.
    const start = ['a', 'b', 'c'].indexOf(seq[0]);
    const expected = Array.from({ length: 9 }, (_, i) => ['a', 'b', 'c'][(start + i) % 3]);
    assert.deepEqual(seq, expected);
    assert.deepEqual(got, { a: 3, b: 3, c: 3 });
  });

  it('least-latency moves traffic to the fast target', async () => {
    const rs = [];
    const [, got] = await receivedDuring({ slow, a }, async () => {
      for (let i = 0; i < 20; i += 1) rs.push(await chat(torii, 'fastest'));
    });
    const counts = countBy(rs.slice(4), 'x-torii-provider');
    assert.equal(counts.a, 16, JSON.stringify(counts));
    const all = countBy(rs, 'x-torii-provider');
    assert.deepEqual(got, { slow: all.slow ?? 0, a: all.a ?? 0 });
  });

  it('p2c moves traffic to the fast target', async () => {
    const rs = [];
    const [, got] = await receivedDuring({ slow, b }, async () => {
      for (let i = 0; i < 30; i += 1) rs.push(await chat(torii, 'p2c'));
    });
    const counts = countBy(rs.slice(6), 'x-torii-provider');
    assert.ok((counts.b ?? 0) >= 22, JSON.stringify(counts));
    const all = countBy(rs, 'x-torii-provider');
    assert.deepEqual(got, { slow: all.slow ?? 0, b: all.b ?? 0 });
  });

  it('cost picks the cheapest target', async () => {
    const [r, got] = await receivedDuring({ a, c }, () => chat(torii, 'cheap'));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-torii-provider'), 'c');
    assert.deepEqual(got, { a: 0, c: 1 });
  });
});

describe('retries and fallbacks', () => {
  let f503; let f500; let f400; let reset; let stall; let good; let limited; let ctx; let policy;
  let torii; let deadPort;

  before(async () => {
    [f503, f500, f400, reset, stall, good, limited, ctx, policy] = await Promise.all([
      startMock(['--fail-status', '503']),
      startMock(['--fail-status', '500']),
      startMock(['--fail-status', '400']),
      startMock(['--reset', 'before']),
      startMock(['--latency-ms', '3000']),
      startMock([]),
      startMock(['--fail-status', '429', '--retry-after', '30']),
      startMock(['--fail-status', '400', '--fail-code', 'context_length_exceeded']),
      startMock(['--fail-status', '400', '--fail-code', 'content_policy_violation']),
    ]);
    deadPort = await closedPort();
    torii = await startTorii({
      workers: 1,
      providers: [
        mockProvider(f503, 'f503'), mockProvider(f500, 'f500'), mockProvider(f400, 'f400'),
        mockProvider(reset, 'reset'), mockProvider(stall, 'stall'), mockProvider(good, 'good'),
        mockProvider(limited, 'limited'), mockProvider(ctx, 'ctx'), mockProvider(policy, 'policy'),
        { name: 'dead', type: 'openai-compatible', base_url: `http://127.0.0.1:${deadPort}/v1` },
      ],
      models: [
        { name: 'flaky', targets: [{ provider: 'f503', model: 'm' }, { provider: 'f500', model: 'm' }],
          fallbacks: ['backup'], circuit_breaker: { failures: 1000 } },
        { name: 'backup', targets: [{ provider: 'good', model: 'backup-model' }] },
        { name: 'broken', targets: [{ provider: 'reset', model: 'm' }, { provider: 'dead', model: 'm' }],
          fallbacks: ['backup'], circuit_breaker: { failures: 1000 } },
        { name: 'slowpoke', targets: [{ provider: 'stall', model: 'm' }, { provider: 'good', model: 'fast' }],
          timeout: { total_ms: 300 } },
        { name: 'bad-request', targets: [{ provider: 'f400', model: 'm' }, { provider: 'good', model: 'm' }],
          fallbacks: ['backup'] },
        { name: 'same-target', targets: [{ provider: 'f503', model: 'm' }],
          retry: { attempts: 3, backoff_ms: 1, max_backoff_ms: 2 }, circuit_breaker: { failures: 1000 } },
        { name: 'rate-limited', targets: [{ provider: 'limited', model: 'm' }, { provider: 'good', model: 'm' }] },
        { name: 'small-context', targets: [{ provider: 'ctx', model: 'm' }],
          fallbacks: ['flaky'], context_window_fallbacks: ['backup'] },
        { name: 'strict', targets: [{ provider: 'policy', model: 'm' }],
          content_policy_fallbacks: ['backup'] },
        { name: 'no-ctx-fallback', targets: [{ provider: 'ctx', model: 'm' }], fallbacks: ['backup'] },
        { name: 'only-429', targets: [{ provider: 'f503', model: 'm' }],
          retry: { attempts: 2, backoff_ms: 1, max_backoff_ms: 2, on: [429] }, circuit_breaker: { failures: 1000 } },
      ],
    });
  });
  after(() => stopAllOf(torii, f503, f500, f400, reset, stall, good, limited, ctx, policy));

  it('context_length_exceeded goes to context_window_fallbacks', async () => {
    const [r, got] = await receivedDuring({ ctx, good, f503, f500 }, () => chat(torii, 'small-context'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-torii-fallback'), 'backup');
    assert.equal(r.headers.get('x-torii-attempts'), '2');
    // Straight to backup: the general fallback (flaky, on f503 and f500) is skipped.
    assert.deepEqual(got, { ctx: 1, good: 1, f503: 0, f500: 0 });
  });

  it('content_policy_violation goes to content_policy_fallbacks', async () => {
    const [r, got] = await receivedDuring({ policy, good }, () => chat(torii, 'strict'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-torii-fallback'), 'backup');
    assert.deepEqual(got, { policy: 1, good: 1 });
  });

  it('without a class-specific fallback, a context error is returned as is', async () => {
    const [r, got] = await receivedDuring({ ctx, good }, () => chat(torii, 'no-ctx-fallback'));
    assertOpenAIError(assert, r, 400, { code: 'context_length_exceeded' });
    assert.equal(r.headers.get('x-torii-attempts'), '1');
    assert.deepEqual(got, { ctx: 1, good: 0 });
  });

  it('503 then 500 then the fallback model answers, attempts visible', async () => {
    const [r, got] = await receivedDuring({ f503, f500, good }, () => chat(torii, 'flaky'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-torii-attempts'), '3');
    assert.equal(r.headers.get('x-torii-fallback'), 'backup');
    assert.equal(r.headers.get('x-torii-provider'), 'good');
    assert.equal(r.json.model, 'backup-model');
    assert.deepEqual(got, { f503: 1, f500: 1, good: 1 });
  });

  it('connection reset and refused connection fall through to the fallback', async () => {
    const [r, got] = await receivedDuring({ reset, good }, () => chat(torii, 'broken'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-torii-attempts'), '3');
    assert.equal(r.headers.get('x-torii-fallback'), 'backup');
    // The third attempt, on the closed port, has no mock to count it.
    assert.deepEqual(got, { reset: 1, good: 1 });
  });

  it('a timed-out attempt is retried on the next target', async () => {
    const [r, got] = await receivedDuring({ stall, good }, () => chat(torii, 'slowpoke'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-torii-provider'), 'good');
    assert.equal(r.headers.get('x-torii-attempts'), '2');
    assert.deepEqual(got, { stall: 1, good: 1 });
  });

  it('a streaming request fails over before its first byte', async () => {
    const [[res, result], got] = await receivedDuring({ f503, f500, good }, async () => {
      const head = await postStream(`${torii.v1}/chat/completions`, chatBody('flaky', 'stream me', { stream: true }));
      return [head, await readSSE(head)];
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-torii-fallback'), 'backup');
    assert.ok(sseContent(result).length > 0);
    assert.equal(result.events.at(-1).data, '[DONE]');
    assert.deepEqual(got, { f503: 1, f500: 1, good: 1 });
  });

  it('a non-retryable 400 is returned at once, without fallback', async () => {
    const [r, got] = await receivedDuring({ f400, good }, () => chat(torii, 'bad-request'));
    assertOpenAIError(assert, r, 400);
    assert.equal(r.headers.get('x-torii-attempts'), '1');
    assert.deepEqual(got, { f400: 1, good: 0 });
  });

  it('the only target is retried up to retry.attempts', async () => {
    await mockReset(f503);
    const r = await chat(torii, 'same-target');
    assertOpenAIError(assert, r, 503);
    assert.equal(r.headers.get('x-torii-attempts'), '3');
    assert.equal((await mockStats(f503)).requests, 3);
  });

  it('retry.on limits what is retried', async () => {
    await mockReset(f503);
    const r = await chat(torii, 'only-429');
    assertOpenAIError(assert, r, 503);
    assert.equal(r.headers.get('x-torii-attempts'), '1');
    assert.equal((await mockStats(f503)).requests, 1, 'a 503 is not retried when retry.on is [429]');
  });

  it('429 with Retry-After cools the target down; others take the load', async () => {
    const [first, gotFirst] = await receivedDuring({ limited, good }, () => chat(torii, 'rate-limited'));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-torii-attempts'), '2');
    assert.deepEqual(gotFirst, { limited: 1, good: 1 });
    const [, got] = await receivedDuring({ limited, good }, async () => {
      for (let i = 0; i < 5; i += 1) {
        const r = await chat(torii, 'rate-limited');
        assert.equal(r.headers.get('x-torii-provider'), 'good');
        assert.equal(r.headers.get('x-torii-attempts'), '1');
      }
    });
    assert.deepEqual(got, { limited: 0, good: 5 });
    assert.equal((await mockStats(limited)).requests, 1);
    const health = await http(`${torii.url}/admin/health`);
    const t = health.json.targets.find((x) => x.model === 'rate-limited' && x.provider === 'limited');
    assert.ok(t.cooldown_ms > 20000, JSON.stringify(t));
  });

  it('the client never sees a failure a fallback could absorb', async () => {
    const [rs, got] = await receivedDuring({ good }, () => many(50, 5, () => chat(torii, 'flaky')));
    assert.deepEqual([...new Set(rs.map((r) => r.status))], [200]);
    assert.equal(got.good, 50, 'every answer came from the fallback upstream');
    await assertHealthy(assert, torii);
  });
});

describe('circuit breaker', () => {
  let bad; let good; let torii;

  before(async () => {
    [bad, good] = await Promise.all([startMock(['--fail-status', '503']), startMock([])]);
    torii = await startTorii({
      workers: 1,
      providers: [mockProvider(bad, 'bad'), mockProvider(good, 'good')],
      models: [
        { name: 'guarded', targets: [{ provider: 'bad', model: 'm' }, { provider: 'good', model: 'm' }],
          circuit_breaker: { failures: 3, window_ms: 60000, cooldown_ms: 400 } },
        { name: 'alone', targets: [{ provider: 'bad', model: 'solo' }],
          circuit_breaker: { failures: 2, window_ms: 60000, cooldown_ms: 60000 } },
      ],
    });
  });
  after(() => stopAllOf(torii, bad, good));

  it('opens after N failures, skips the target, half-opens and closes', async () => {
    const [, opening] = await receivedDuring({ bad, good }, async () => {
      for (let i = 0; i < 3; i += 1) assert.equal((await chat(torii, 'guarded')).headers.get('x-torii-attempts'), '2');
    });
    assert.deepEqual(opening, { bad: 3, good: 3 });
    let health = await http(`${torii.url}/admin/health`);
    let t = health.json.targets.find((x) => x.model === 'guarded' && x.provider === 'bad');
    assert.equal(t.breaker, 'open');
    // Open: the failing target is skipped entirely.
    const [r, skipped] = await receivedDuring({ bad, good }, () => chat(torii, 'guarded'));
    assert.equal(r.headers.get('x-torii-attempts'), '1');
    assert.deepEqual(skipped, { bad: 0, good: 1 });

    // Heal the upstream; after the cooldown one probe goes through and closes it.
    await mockConfig(bad, {});
    await new Promise((resolve) => { setTimeout(resolve, 450); });
    const [probe, probed] = await receivedDuring({ bad, good }, () => chat(torii, 'guarded'));
    assert.equal(probe.status, 200);
    assert.equal(probe.headers.get('x-torii-provider'), 'bad');
    assert.deepEqual(probed, { bad: 1, good: 0 });
    health = await http(`${torii.url}/admin/health`);
    t = health.json.targets.find((x) => x.model === 'guarded' && x.provider === 'bad');
    assert.equal(t.breaker, 'closed');
    await mockConfig(bad, { fail_status: 503 });
  });

  it('fails fast with 503 when every target is open', async () => {
    for (let i = 0; i < 2; i += 1) assertOpenAIError(assert, await chat(torii, 'alone'), 503);
    const seen = (await mockStats(bad)).requests;
    const r = await chat(torii, 'alone');
    assertOpenAIError(assert, r, 503, { code: 'circuit_open' });
    assert.equal((await mockStats(bad)).requests, seen);
  });
});

describe('hedging and conditional routes', () => {
  let stall; let fast; let lateStream; let torii;

  before(async () => {
    [stall, fast, lateStream] = await Promise.all([
      startMock(['--latency-ms', '5000']), startMock([]), startMock(['--ttft-ms', '3000'])]);
    torii = await startTorii({
      workers: 1,
      providers: [mockProvider(stall, 'stall'), mockProvider(fast, 'fast'), mockProvider(lateStream, 'late')],
      models: [
        { name: 'first-token', targets: [{ provider: 'late', model: 'm' }, { provider: 'fast', model: 'm' }],
          timeout: { first_token_ms: 200 } },
        { name: 'hedged', targets: [{ provider: 'stall', model: 'm' }, { provider: 'fast', model: 'm' }],
          hedge: { after_ms: 100 } },
        { name: 'hedged-priced', hedge: { after_ms: 100 }, targets: [
          { provider: 'stall', model: 'm', price: { input: 1000, output: 0 } },
          { provider: 'fast', model: 'm', price: { input: 1, output: 2 } }] },
        { name: 'premium', targets: [{ provider: 'stall', model: 'big' }] },
        { name: 'cheap', targets: [{ provider: 'fast', model: 'small' }] },
      ],
      routes: [{ when: { header: { 'x-tenant-tier': 'free' } }, model: 'cheap' }],
    });
  });
  after(() => stopAllOf(torii, stall, fast, lateStream));

  it('a stream without a first token in time fails over to the next target', async () => {
    const [[res, result], got] = await receivedDuring({ lateStream, fast }, async () => {
      const head = await postStream(`${torii.v1}/chat/completions`, chatBody('first-token', 'slow start', { stream: true }));
      return [head, await readSSE(head)];
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-torii-provider'), 'fast');
    assert.equal(res.headers.get('x-torii-attempts'), '2');
    assert.equal(result.events.at(-1).data, '[DONE]');
    assert.deepEqual(got, { lateStream: 1, fast: 1 });
  });

  it('answers from the second target when the first stalls', async () => {
    const [r, got] = await receivedDuring({ stall, fast }, () => chat(torii, 'hedged'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-torii-provider'), 'fast');
    assert.equal(r.headers.get('x-torii-hedged'), 'true');
    assert.equal(r.headers.get('x-torii-attempts'), '2');
    assert.ok(r.ms < 4000, `took ${r.ms} ms: the stalled attempt was awaited`);
    assert.deepEqual(got, { stall: 1, fast: 1 });
  });

  it('charges the attempt that lost: its prompt, estimated at its own price', async () => {
    const body = chatBody('hedged-priced', 'who pays for the stalled attempt?');
    const [r, got] = await receivedDuring({ stall, fast }, () => postJson(`${torii.v1}/chat/completions`, body));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-torii-provider'), 'fast');
    assert.deepEqual(got, { stall: 1, fast: 1 }, 'both attempts reached their upstream: there is a lost one to charge');
    const answered = (r.json.usage.prompt_tokens * 1 + r.json.usage.completion_tokens * 2) / 1e6;
    // The stalled attempt's body (model rewritten to "m"), 4 bytes a token, at $1000/M.
    const sent = JSON.stringify({ ...body, model: 'm' }).length;
    const lost = Math.ceil(sent / 4) * 1000 / 1e6;
    assert.ok(Math.abs(Number(r.headers.get('x-torii-cost-usd')) - (answered + lost)) < 1e-6,
      `cost ${r.headers.get('x-torii-cost-usd')}, expected ${answered} + ${lost}`);
  });

  it('streams are hedged too', async () => {
    const [[res, result], got] = await receivedDuring({ stall, fast }, async () => {
      const head = await postStream(`${torii.v1}/chat/completions`, chatBody('hedged', 'hedge', { stream: true }));
      return [head, await readSSE(head)];
    });
    assert.equal(res.headers.get('x-torii-provider'), 'fast');
    assert.equal(res.headers.get('x-torii-hedged'), 'true');
    assert.equal(result.events.at(-1).data, '[DONE]');
    assert.deepEqual(got, { stall: 1, fast: 1 });
  });

  it('routes by header to another model', async () => {
    const [r, got] = await receivedDuring({ stall, fast }, () => chat(torii, 'premium', {}, { 'x-tenant-tier': 'free' }));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-torii-provider'), 'fast');
    assert.equal(r.json.model, 'small');
    assert.deepEqual(got, { stall: 0, fast: 1 });
  });
});
