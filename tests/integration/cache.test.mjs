// The exact response cache with the official SDKs: hits and misses, a stored
// answer replayed as a stream and a streamed one served as JSON on both
// surfaces (the SDK parses what Torii made up; text, tool calls and usage
// equal the original), TTL expiry, the client's controls, per-key
// isolation, what is part of the key, errors never stored, DELETE
// /admin/cache, the log and the metrics; then two nodes sharing Redis.
// Whether a request reached the provider is read off torii-mock's counter.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import {
  startMock, startTorii, stopAllOf, mockStats, http, postJson, sleep, startRedis, metricValue,
} from './harness.mjs';

const ADMIN = { authorization: 'Bearer adm-cache' };
const TOOLS = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}];
const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

let counter = 0;
// A question nobody asked yet in this file, so every test starts cold.
const fresh = (what) => `${what} #${++counter} ${process.pid}`;

function config(mock, failing, extra = {}) {
  return {
    admin: { keys: ['adm-cache'] },
    keys: [{ key: 'tenant-a-secret', alias: 'tenant-a' }, { key: 'tenant-b-secret', alias: 'tenant-b' }],
    cache: { mode: 'exact', ttl_s: 600 },
    providers: [
      { name: 'oai', type: 'openai', base_url: mock.v1, api_key: 'k' },
      { name: 'claude', type: 'anthropic', base_url: mock.url, api_key: 'k' },
      { name: 'broken', type: 'openai', base_url: failing.v1, api_key: 'k' },
    ],
    models: [
      { name: 'mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini', price: { input: 1, output: 2 } }] },
      { name: 'haiku', targets: [{ provider: 'claude', model: 'claude-haiku-4-5', price: { input: 1, output: 5 } }] },
      // The Anthropic surface answered by an OpenAI-format target (translated).
      { name: 'mini-for-claude', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
      { name: 'brief', cache: { ttl_s: 1 }, targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
      { name: 'uncached', cache: { mode: 'off' }, targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
      { name: 'by-header', cache: { namespace: 'header' }, targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
      { name: 'embed', targets: [{ provider: 'oai', model: 'text-embedding-3-small' }] },
      { name: 'broken', targets: [{ provider: 'broken', model: 'gpt-4o-mini' }], retry: { attempts: 1 } },
    ],
    ...extra,
  };
}

const upstreamCalls = async (mock) => (await mockStats(mock)).requests;

describe('exact cache, one node', () => {
  let mock; let failing; let torii; let openai; let anthropic; let openaiB;
  before(async () => {
    mock = await startMock();
    failing = await startMock(['--fail-status', '500']);
    torii = await startTorii(config(mock, failing));
    openai = new OpenAI({ apiKey: 'tenant-a-secret', baseURL: torii.v1, maxRetries: 0 });
    openaiB = new OpenAI({ apiKey: 'tenant-b-secret', baseURL: torii.v1, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'tenant-a-secret', baseURL: torii.url, maxRetries: 0 });
  }, { timeout: 30_000 });
  after(() => stopAllOf(torii, mock, failing));

  it('answers a repeated question from the cache, with its original usage and at no cost', async () => {
    const params = { model: 'mini', messages: [{ role: 'user', content: fresh('What is our refund policy?') }] };
    const before = await upstreamCalls(mock);
    const first = await openai.chat.completions.create(params).withResponse();
    assert.equal(first.response.headers.get('x-torii-cache'), 'miss');
    assert.ok(Number(first.response.headers.get('x-torii-cost-usd')) > 0);
    const second = await openai.chat.completions.create(params).withResponse();
    assert.equal(second.response.headers.get('x-torii-cache'), 'hit');
    assert.equal(second.response.headers.get('x-torii-cost-usd'), '0');
    assert.match(second.response.headers.get('age'), /^\d+$/);
    assert.equal(second.response.headers.get('x-torii-provider'), 'oai');
    assert.equal(second.response.headers.get('x-torii-model'), 'gpt-4o-mini');
    assert.equal(await upstreamCalls(mock), before + 1, 'the hit did not reach the provider');
    assert.deepEqual(second.data, first.data);
    assert.ok(second.data.usage.total_tokens > 0);
  });

  it('OpenAI: a stored JSON answer is replayed as a stream the SDK parses, usage chunk included', async () => {
    const params = { model: 'mini', messages: [{ role: 'user', content: fresh('Tell me about caching') }] };
    const plain = await openai.chat.completions.create(params);
    const before = await upstreamCalls(mock);
    const { data: stream, response } = await openai.chat.completions
      .create({ ...params, stream: true, stream_options: { include_usage: true } }).withResponse();
    assert.equal(response.headers.get('x-torii-cache'), 'hit');
    let text = ''; let usage = null; let finish = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.delta?.content ?? '';
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    assert.equal(await upstreamCalls(mock), before);
    assert.equal(text, plain.choices[0].message.content);
    assert.equal(finish, plain.choices[0].finish_reason);
    assert.deepEqual(usage, plain.usage);
  });

  it('OpenAI: a streamed answer with tool calls is stored once complete and served as JSON, and back as a stream', async () => {
    const params = {
      model: 'mini', tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_weather' } },
      messages: [{ role: 'user', content: fresh('Weather in Paris?') }],
    };
    const stream = openai.chat.completions.stream({ ...params, stream: true, stream_options: { include_usage: true } });
    const streamed = await stream.finalChatCompletion();
    const streamedUsage = streamed.usage;
    const streamedCalls = streamed.choices[0].message.tool_calls;
    assert.equal(streamedCalls.length, 1);
    const before = await upstreamCalls(mock);
    const { data: plain, response } = await openai.chat.completions.create(params).withResponse();
    assert.equal(response.headers.get('x-torii-cache'), 'hit');
    assert.equal(await upstreamCalls(mock), before);
    assert.equal(plain.object, 'chat.completion');
    assert.equal(plain.choices[0].finish_reason, streamed.choices[0].finish_reason);
    assert.deepEqual(plain.choices[0].message.tool_calls.map((c) => ({ id: c.id, type: c.type, function: c.function })),
      streamedCalls.map((c) => ({ id: c.id, type: c.type, function: c.function })));
    assert.deepEqual(JSON.parse(plain.choices[0].message.tool_calls[0].function.arguments),
      JSON.parse(streamedCalls[0].function.arguments));
    assert.equal(plain.usage.prompt_tokens, streamedUsage.prompt_tokens);
    assert.equal(plain.usage.completion_tokens, streamedUsage.completion_tokens);
    // And the stored answer as a stream again: the SDK rebuilds the same calls.
    const again = await openai.chat.completions.stream({ ...params, stream: true }).finalChatCompletion();
    assert.deepEqual(again.choices[0].message.tool_calls, plain.choices[0].message.tool_calls);
    assert.equal(await upstreamCalls(mock), before);
  });

  it('Anthropic: a streamed message (tool use) is served as JSON, and a JSON one as a stream, both native and translated', async () => {
    for (const model of ['haiku', 'mini-for-claude']) {
      const params = {
        model, max_tokens: 200, tools: [WEATHER_TOOL], tool_choice: { type: 'tool', name: 'get_weather' },
        messages: [{ role: 'user', content: fresh(`Weather in Rome? (${model})`) }],
      };
      const streamed = await anthropic.messages.stream(params).finalMessage();
      const before = await upstreamCalls(mock);
      const { data: plain, response } = await anthropic.messages.create(params).withResponse();
      assert.equal(response.headers.get('x-torii-cache'), 'hit', model);
      assert.equal(await upstreamCalls(mock), before, model);
      assert.deepEqual(plain.content, streamed.content, model);
      assert.equal(plain.stop_reason, streamed.stop_reason);
      assert.equal(plain.usage.output_tokens, streamed.usage.output_tokens);
      assert.equal(plain.usage.input_tokens, streamed.usage.input_tokens);

      const textParams = { model, max_tokens: 200, system: 'Be brief.', messages: [{ role: 'user', content: fresh(`Say hi (${model})`) }] };
      const json = await anthropic.messages.create(textParams);
      const events = [];
      const s = anthropic.messages.stream(textParams);
      s.on('streamEvent', (e) => events.push(e.type));
      const replayed = await s.finalMessage();
      assert.equal(events[0], 'message_start');
      assert.equal(events.at(-1), 'message_stop');
      assert.deepEqual(replayed.content, json.content, model);
      assert.equal(replayed.usage.output_tokens, json.usage.output_tokens);
      assert.equal(replayed.stop_reason, json.stop_reason);
    }
  });

  it('expires entries after their TTL (a model\'s own ttl_s)', async () => {
    const body = { model: 'brief', messages: [{ role: 'user', content: fresh('Short-lived') }] };
    const first = await openai.chat.completions.create(body).withResponse();
    assert.equal(first.response.headers.get('x-torii-cache'), 'miss');
    const second = await openai.chat.completions.create(body).withResponse();
    assert.equal(second.response.headers.get('x-torii-cache'), 'hit');
    await sleep(1300);
    const third = await openai.chat.completions.create(body).withResponse();
    assert.equal(third.response.headers.get('x-torii-cache'), 'miss');
  });

  it('honours x-torii-cache no-store and refresh, Cache-Control no-cache and max-age, and refuses nonsense', async () => {
    const body = { model: 'mini', messages: [{ role: 'user', content: fresh('Controls') }] };
    const url = `${torii.v1}/chat/completions`;
    const auth = { authorization: 'Bearer tenant-a-secret' };
    const noStore = await postJson(url, body, { headers: { ...auth, 'x-torii-cache': 'no-store' } });
    assert.equal(noStore.headers.get('x-torii-cache'), 'miss');
    const after = await postJson(url, body, { headers: auth });
    assert.equal(after.headers.get('x-torii-cache'), 'miss', 'no-store kept the answer out');
    const hit = await postJson(url, body, { headers: auth });
    assert.equal(hit.headers.get('x-torii-cache'), 'hit');
    const before = await upstreamCalls(mock);
    const refreshed = await postJson(url, body, { headers: { ...auth, 'x-torii-cache': 'refresh' } });
    assert.equal(refreshed.headers.get('x-torii-cache'), 'bypass');
    const noCache = await postJson(url, body, { headers: { ...auth, 'cache-control': 'no-cache' } });
    assert.equal(noCache.headers.get('x-torii-cache'), 'bypass');
    assert.equal(await upstreamCalls(mock), before + 2);
    await sleep(1100);
    const tooOld = await postJson(url, body, { headers: { ...auth, 'cache-control': 'max-age=0' } });
    assert.equal(tooOld.headers.get('x-torii-cache'), 'bypass');
    const oldEnough = await postJson(url, body, { headers: { ...auth, 'cache-control': 'max-age=3600' } });
    assert.equal(oldEnough.headers.get('x-torii-cache'), 'hit');
    const bad = await postJson(url, body, { headers: { ...auth, 'x-torii-cache': 'sometimes' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'invalid_cache_control');
    const badTtl = await postJson(url, body, { headers: { ...auth, 'x-torii-cache-ttl': '-5' } });
    assert.equal(badTtl.status, 400);
    // x-torii-cache-ttl: the answer is kept that long.
    const ttlBody = { model: 'mini', messages: [{ role: 'user', content: fresh('Custom ttl') }] };
    await postJson(url, ttlBody, { headers: { ...auth, 'x-torii-cache-ttl': '1' } });
    assert.equal((await postJson(url, ttlBody, { headers: auth })).headers.get('x-torii-cache'), 'hit');
    await sleep(1300);
    assert.equal((await postJson(url, ttlBody, { headers: auth })).headers.get('x-torii-cache'), 'miss');
  });

  it('never serves one key\'s answer to another key (per_key), and a namespace header only narrows', async () => {
    const params = { model: 'mini', messages: [{ role: 'user', content: fresh('Tenant secret question') }] };
    await openai.chat.completions.create(params);
    const a = await openai.chat.completions.create(params).withResponse();
    assert.equal(a.response.headers.get('x-torii-cache'), 'hit');
    const b = await openaiB.chat.completions.create(params).withResponse();
    assert.equal(b.response.headers.get('x-torii-cache'), 'miss', 'key B must not see key A\'s entry');
    const narrowed = await openai.chat.completions.create(params, { headers: { 'x-torii-cache-namespace': 'project-x' } }).withResponse();
    assert.equal(narrowed.response.headers.get('x-torii-cache'), 'miss');
  });

  it('namespace: header lets keys that name the same namespace share, and keeps the rest per key', async () => {
    const params = { model: 'by-header', messages: [{ role: 'user', content: fresh('Shared by project') }] };
    const project = { headers: { 'x-torii-cache-namespace': 'project-y' } };
    await openai.chat.completions.create(params, project);
    assert.equal((await openaiB.chat.completions.create(params, project).withResponse()).response.headers.get('x-torii-cache'), 'hit');
    await openai.chat.completions.create(params);
    assert.equal((await openaiB.chat.completions.create(params).withResponse()).response.headers.get('x-torii-cache'), 'miss');
  });

  it('caches embeddings too, and shows each model\'s cache in /admin/config', async () => {
    const params = { model: 'embed', input: fresh('embed me') };
    const first = await openai.embeddings.create(params).withResponse();
    assert.equal(first.response.headers.get('x-torii-cache'), 'miss');
    const before = await upstreamCalls(mock);
    const second = await openai.embeddings.create(params).withResponse();
    assert.equal(second.response.headers.get('x-torii-cache'), 'hit');
    assert.deepEqual(second.data.data[0].embedding, first.data.data[0].embedding);
    assert.equal(await upstreamCalls(mock), before);
    const cfg = await http(`${torii.url}/admin/config`, { headers: ADMIN });
    assert.deepEqual(cfg.json.cache, { mode: 'exact', ttl_s: 600, max_bytes: 268435456, max_entries: 100000 });
    assert.deepEqual(cfg.json.models.find((m) => m.name === 'brief').cache, { ttl_s: 1 });
  });

  it('keys on the system prompt, tools, tool_choice, response_format and sampling; not on stream, user or metadata', async () => {
    const base = { model: 'mini', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: fresh('Key parts') }] };
    await openai.chat.completions.create(base);
    const status = async (params) => (await openai.chat.completions.create(params).withResponse()).response.headers.get('x-torii-cache');
    assert.equal(await status(base), 'hit');
    assert.equal(await status({ ...base, user: 'someone-else', metadata: { run: '7' } }), 'hit');
    // Same fields in another order: the same request.
    assert.equal(await status({ messages: base.messages, model: 'mini' }), 'hit');
    assert.equal(await status({ ...base, messages: [{ role: 'system', content: 'You are verbose.' }, base.messages[1]] }), 'miss');
    assert.equal(await status({ ...base, tools: TOOLS }), 'miss');
    assert.equal(await status({ ...base, tools: TOOLS, tool_choice: 'none' }), 'miss');
    assert.equal(await status({ ...base, response_format: { type: 'json_object' } }), 'miss');
    assert.equal(await status({ ...base, temperature: 0.2 }), 'miss');
    // Several samples at a nonzero temperature are not one answer to repeat.
    assert.equal(await status({ ...base, n: 2, temperature: 0.7 }), 'bypass');
  });

  it('never stores an error, and leaves models with cache off alone', async () => {
    const body = { model: 'broken', messages: [{ role: 'user', content: fresh('Will fail') }] };
    const url = `${torii.v1}/chat/completions`;
    const auth = { authorization: 'Bearer tenant-a-secret' };
    const before = (await mockStats(failing)).requests;
    const one = await postJson(url, body, { headers: auth });
    const two = await postJson(url, body, { headers: auth });
    assert.equal(one.status, 500);
    assert.equal(two.status, 500);
    assert.equal(two.headers.get('x-torii-cache'), 'miss');
    assert.equal((await mockStats(failing)).requests, before + 2);
    const off = await postJson(url, { model: 'uncached', messages: [{ role: 'user', content: 'hi' }] }, { headers: auth });
    assert.equal(off.status, 200);
    assert.equal(off.headers.get('x-torii-cache'), null);
  });

  it('DELETE /admin/cache drops one namespace or everything; the log and the metrics count hits and what they saved', async () => {
    const params = { model: 'mini', messages: [{ role: 'user', content: fresh('To be deleted') }] };
    const first = await openai.chat.completions.create(params).withResponse();
    const hit = await openai.chat.completions.create(params).withResponse();
    assert.equal(hit.response.headers.get('x-torii-cache'), 'hit');
    const cost = Number(first.response.headers.get('x-torii-cost-usd'));

    // The log: the hit costs 0 and records what it saved.
    const id = hit.response.headers.get('x-request-id');
    const logged = await (async () => {
      for (let i = 0; i < 50; i++) {
        const r = await http(`${torii.url}/admin/logs/${id}`, { headers: ADMIN });
        if (r.status === 200) return r.json;
        await sleep(100);
      }
      throw new Error('the hit was not logged');
    })();
    assert.equal(logged.cache, 'hit');
    assert.equal(logged.cost_usd, 0);
    assert.equal(logged.cache_saved_usd, cost);
    const hits = await http(`${torii.url}/admin/logs?cache=hit`, { headers: ADMIN });
    assert.ok(hits.json.data.some((r) => r.request_id === id));
    const metrics = (await http(`${torii.url}/metrics`)).text;
    assert.match(metrics, /torii_cache_requests_total\{model="mini",provider="oai",result="hit"\} [1-9]/);
    assert.match(metrics, /torii_cache_saved_usd_total\{model="mini",provider="oai"\} [0-9.e-]+/);

    const noAdmin = await http(`${torii.url}/admin/cache`, { method: 'DELETE' });
    assert.equal(noAdmin.status, 401);
    // Keys declared in the config have the id cfg-<alias>.
    const other = await http(`${torii.url}/admin/cache?namespace=key:cfg-tenant-b`, { method: 'DELETE', headers: ADMIN });
    assert.equal(other.status, 200, other.text);
    assert.equal((await openai.chat.completions.create(params).withResponse()).response.headers.get('x-torii-cache'), 'hit');
    const own = await http(`${torii.url}/admin/cache?namespace=key:cfg-tenant-a`, { method: 'DELETE', headers: ADMIN });
    assert.ok(own.json.deleted >= 1, own.text);
    assert.equal((await openai.chat.completions.create(params).withResponse()).response.headers.get('x-torii-cache'), 'miss');
    const bad = await http(`${torii.url}/admin/cache?everything=1`, { method: 'DELETE', headers: ADMIN });
    assert.equal(bad.status, 400);
    const all = await http(`${torii.url}/admin/cache`, { method: 'DELETE', headers: ADMIN });
    assert.equal(all.status, 200);
    assert.ok(all.json.deleted >= 1);
    assert.equal((await openai.chat.completions.create(params).withResponse()).response.headers.get('x-torii-cache'), 'miss');
  });
});

describe('exact cache shared through Redis by two nodes', () => {
  let mock; let failing; let redis; let one; let two;
  before(async () => {
    mock = await startMock();
    failing = await startMock(['--fail-status', '500']);
    redis = await startRedis();
    const cfg = config(mock, failing, { store: { redis: redis.url } });
    one = await startTorii(cfg);
    two = await startTorii(cfg);
  }, { timeout: 30_000 });
  after(() => stopAllOf(one, two, redis, mock, failing));

  it('an answer stored by one node is a hit on the other, in either form, and expires in Redis', async () => {
    const a = new OpenAI({ apiKey: 'tenant-a-secret', baseURL: one.v1, maxRetries: 0 });
    const b = new OpenAI({ apiKey: 'tenant-a-secret', baseURL: two.v1, maxRetries: 0 });
    const params = { model: 'mini', messages: [{ role: 'user', content: fresh('Shared question') }] };
    const first = await a.chat.completions.create(params).withResponse();
    assert.equal(first.response.headers.get('x-torii-cache'), 'miss');
    const before = await upstreamCalls(mock);
    let second;
    for (let i = 0; i < 20; i++) {  // the write to Redis is not waited for
      second = await b.chat.completions.create(params).withResponse();
      if (second.response.headers.get('x-torii-cache') === 'hit') break;
      await sleep(50);
    }
    assert.equal(second.response.headers.get('x-torii-cache'), 'hit');
    assert.deepEqual(second.data, first.data);
    const streamed = await b.chat.completions.stream({ ...params, stream: true }).finalChatCompletion();
    assert.equal(streamed.choices[0].message.content, first.data.choices[0].message.content);
    assert.equal(await upstreamCalls(mock), before);

    // Another key on the other node: still its own tenant.
    const other = new OpenAI({ apiKey: 'tenant-b-secret', baseURL: two.v1, maxRetries: 0 });
    assert.equal((await other.chat.completions.create(params).withResponse()).response.headers.get('x-torii-cache'), 'miss');

    // TTL in Redis: a 1 s model's entry is gone after 1 s on both nodes.
    const brief = { model: 'brief', messages: [{ role: 'user', content: fresh('Shared brief') }] };
    await a.chat.completions.create(brief);
    await sleep(1300);
    assert.equal((await b.chat.completions.create(brief).withResponse()).response.headers.get('x-torii-cache'), 'miss');

    // DELETE /admin/cache on one node empties it for both.
    const del = await http(`${one.url}/admin/cache`, { method: 'DELETE', headers: ADMIN });
    assert.equal(del.status, 200, del.text);
    assert.equal((await b.chat.completions.create(params).withResponse()).response.headers.get('x-torii-cache'), 'miss');
  });

  it('with Redis down, requests are answered (a miss), never failed', async () => {
    const r = await startRedis();
    const cfg = config(mock, failing, { store: { redis: r.url, on_store_error: 'open' } });
    const node = await startTorii(cfg);
    try {
      await r.stop();
      const c = new OpenAI({ apiKey: 'tenant-a-secret', baseURL: node.v1, maxRetries: 0 });
      const { response } = await c.chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: fresh('Redis gone') }] }).withResponse();
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-torii-cache'), 'miss');
    } finally {
      await stopAllOf(node);
    }
  });
});

function semanticConfig(mock, slow, extra = {}) {
  return {
    keys: [{ key: 'tenant-a-secret', alias: 'tenant-a' }, { key: 'tenant-b-secret', alias: 'tenant-b' }],
    cache: { mode: 'semantic', ttl_s: 600, semantic: { embedding_model: 'embed', threshold: 0.9 } },
    providers: [
      { name: 'oai', type: 'openai', base_url: mock.v1, api_key: 'k' },
      { name: 'claude', type: 'anthropic', base_url: mock.url, api_key: 'k' },
      { name: 'slow-embedder', type: 'openai', base_url: slow.v1, api_key: 'k' },
    ],
    models: [
      { name: 'mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini', price: { input: 1, output: 2 } }] },
      { name: 'haiku', targets: [{ provider: 'claude', model: 'claude-haiku-4-5', price: { input: 1, output: 5 } }] },
      { name: 'embed', targets: [{ provider: 'oai', model: 'text-embedding-3-small' }] },
      { name: 'slow-embed', targets: [{ provider: 'slow-embedder', model: 'text-embedding-3-small' }] },
      { name: 'mini-slow-cache', cache: { semantic: { embedding_model: 'slow-embed', timeout_ms: 200 } },
        targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
    ],
    ...extra,
  };
}

const ask = async (client, content, extra = {}, model = 'mini') => {
  const messages = [...(extra.system ? [{ role: 'system', content: extra.system }] : []), { role: 'user', content }];
  const { system, ...rest } = extra;
  const { data, response } = await client.chat.completions.create({ model, messages, ...rest }).withResponse();
  return { data, cache: response.headers.get('x-torii-cache'), similarity: response.headers.get('x-torii-cache-similarity') };
};

describe('semantic cache, one node', () => {
  let mock; let slow; let torii; let openai; let openaiB; let anthropic;
  before(async () => {
    mock = await startMock();
    slow = await startMock(['--latency-ms', '2000']);
    torii = await startTorii(semanticConfig(mock, slow));
    openai = new OpenAI({ apiKey: 'tenant-a-secret', baseURL: torii.v1, maxRetries: 0 });
    openaiB = new OpenAI({ apiKey: 'tenant-b-secret', baseURL: torii.v1, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'tenant-a-secret', baseURL: torii.url, maxRetries: 0 });
  }, { timeout: 30_000 });
  after(() => stopAllOf(torii, mock, slow));

  it('a paraphrase is a semantic hit with its similarity; a different question sharing words is a miss', async () => {
    const first = await ask(openai, 'What is our refund policy?');
    assert.equal(first.cache, 'miss');
    const before = await upstreamCalls(mock);
    const para = await ask(openai, "what's your refund policy");
    assert.equal(para.cache, 'semantic-hit');
    assert.ok(Number(para.similarity) >= 0.9 && Number(para.similarity) <= 1, para.similarity);
    assert.deepEqual(para.data.choices, first.data.choices);
    // One embeddings call reached the provider, no chat completion.
    const stats = await mockStats(mock);
    assert.equal(stats.requests, before + 1);
    assert.equal(stats.last_request.path, '/v1/embeddings');
    const other = await ask(openai, 'What is our shipping policy?');
    assert.equal(other.cache, 'miss');
    assert.notEqual(other.data.choices[0].message.content, first.data.choices[0].message.content);
    // The same question again: an exact hit, tried first (no embedding call).
    const calls = await upstreamCalls(mock);
    assert.equal((await ask(openai, 'What is our refund policy?')).cache, 'hit');
    assert.equal(await upstreamCalls(mock), calls);
  });

  it('never matches across a different system prompt, tool set, key or surface', async () => {
    await ask(openai, 'How do I reset my password?', { system: 'You are the support bot.' });
    assert.equal((await ask(openai, 'how do i reset my password', { system: 'You are the support bot.' })).cache, 'semantic-hit');
    assert.equal((await ask(openai, 'how do i reset my password', { system: 'You are the sales bot.' })).cache, 'miss');
    assert.equal((await ask(openai, 'how do i reset my password', { system: 'You are the support bot.', tools: TOOLS })).cache, 'miss');
    assert.equal((await ask(openaiB, 'how do i reset my password', { system: 'You are the support bot.' })).cache, 'miss');
    const msg = await anthropic.messages.create({
      model: 'mini', max_tokens: 100, system: 'You are the support bot.',
      messages: [{ role: 'user', content: 'how do i reset my password' }],
    }).withResponse();
    assert.equal(msg.response.headers.get('x-torii-cache'), 'miss');
  });

  it('Anthropic surface: a paraphrase is served from the cache, as a stream too', async () => {
    const params = (content) => ({ model: 'haiku', max_tokens: 100, messages: [{ role: 'user', content }] });
    const first = await anthropic.messages.create(params('Where is the nearest train station?'));
    const before = await upstreamCalls(mock);
    const replayed = await anthropic.messages.stream(params('where is the nearest train station')).finalMessage();
    assert.deepEqual(replayed.content, first.content);
    const stats = await mockStats(mock);
    assert.equal(stats.requests, before + 1, 'only the embeddings call went upstream');
    assert.equal(stats.last_request.path, '/v1/embeddings');
    const raw = await postJson(`${torii.url}/v1/messages`, { ...params('nearest train station, where is it'), stream: true },
      { headers: { 'x-api-key': 'tenant-a-secret', 'anthropic-version': '2023-06-01' } });
    assert.equal(raw.headers.get('x-torii-cache'), 'semantic-hit');
    assert.match(raw.text, /event: message_stop/);
  });

  it('does not look up tool results semantically (agent turns)', async () => {
    const turn = (result) => [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: result },
    ];
    await openai.chat.completions.create({ model: 'mini', tools: TOOLS, messages: turn('Sunny, 20 degrees in Oslo') });
    const before = await upstreamCalls(mock);
    const next = await openai.chat.completions.create({ model: 'mini', tools: TOOLS, messages: turn('sunny 20 degrees oslo') }).withResponse();
    assert.equal(next.response.headers.get('x-torii-cache'), 'miss');
    const stats = await mockStats(mock);
    assert.equal(stats.requests, before + 1);
    assert.equal(stats.last_request.path, '/v1/chat/completions', 'no embeddings call for a tool result');
  });

  it('an embedder slower than its timeout is a miss, and the request is served without waiting for it', async () => {
    const started = Date.now();
    const r = await ask(openai, fresh('Is the slow embedder in the way?'), {}, 'mini-slow-cache');
    assert.equal(r.cache, 'miss');
    assert.ok(r.data.choices[0].message.content.length > 0);
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
  });
});

describe('semantic cache shared through Redis by two nodes', () => {
  let mock; let slow; let redis; let one; let two;
  before(async () => {
    mock = await startMock();
    slow = await startMock();
    redis = await startRedis();
    const cfg = semanticConfig(mock, slow, { store: { redis: redis.url } });
    one = await startTorii(cfg);
    two = await startTorii(cfg);
  }, { timeout: 30_000 });
  after(() => stopAllOf(one, two, redis, mock, slow));

  it('a question answered on one node is a semantic hit for its paraphrase on the other', async () => {
    const a = new OpenAI({ apiKey: 'tenant-a-secret', baseURL: one.v1, maxRetries: 0 });
    const b = new OpenAI({ apiKey: 'tenant-a-secret', baseURL: two.v1, maxRetries: 0 });
    const first = await ask(a, 'When does the museum open?');
    assert.equal(first.cache, 'miss');
    // Node two follows the shared stream into its own index; its first
    // semantic lookup starts the follower.
    await ask(b, fresh('Warm up the follower'));
    let para;
    for (let i = 0; i < 30; i++) {
      para = await ask(b, 'when does the museum open', { user: `try-${i}` });
      if (para.cache !== 'miss') break;
      await sleep(100);
    }
    assert.equal(para.cache, 'semantic-hit');
    assert.deepEqual(para.data.choices, first.data.choices);
  });
});
