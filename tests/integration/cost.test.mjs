// x-torii-cost-usd: usage at the answering target's price (the built-in
// catalogue, or the config's `price:` over it), exact, on complete answers of
// both surfaces; absent when the price is unknown or the answer streams.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startTorii, stopAllOf, postJson, postStream, readSSE } from './harness.mjs';

// The gateway's formula, in the same order of operations (USD per 1M tokens).
function cost({ input, cached = 0, output }, rates) {
  const total = input * rates.input + cached * (rates.cached_input ?? rates.input) + 0 * rates.input;
  return (total + output * rates.output) / 1e6;
}

describe('cost', () => {
  let mock; let torii;
  before(async () => {
    mock = await startMock();
    torii = await startTorii({
      providers: [{ name: 'oai', type: 'openai', base_url: mock.v1, api_key: 'k' },
        { name: 'claude', type: 'anthropic', base_url: mock.url, api_key: 'k' }],
      models: [
        { name: 'catalogued', targets: [{ provider: 'oai', model: 'gpt-4o-mini-2024-07-18' }] },
        { name: 'overridden', targets: [{ provider: 'oai', model: 'gpt-4o-mini', price: { output: 1.25 } }] },
        { name: 'local', targets: [{ provider: 'oai', model: 'my-finetune' }] },
        { name: 'free', targets: [{ provider: 'oai', model: 'my-finetune', price: { input: 0, output: 0 } }] },
        { name: 'haiku', targets: [{ provider: 'claude', model: 'claude-haiku-4-5-20251001' }] },
      ],
    });
  }, { timeout: 30_000 });
  after(async () => { await stopAllOf(torii, mock); }, { timeout: 30_000 });

  const ask = (model) => postJson(`${torii.v1}/chat/completions`,
    { model, messages: [{ role: 'user', content: 'what does this cost to answer' }] });

  it('a catalogued model costs its usage at the catalogue price, exactly', async () => {
    const r = await ask('catalogued');
    assert.equal(r.status, 200, r.text);
    const u = r.json.usage;
    const expected = cost({ input: u.prompt_tokens, output: u.completion_tokens }, { input: 0.15, output: 0.6, cached_input: 0.075 });
    assert.equal(Number(r.headers.get('x-torii-cost-usd')), expected);
    assert.equal(r.headers.get('x-torii-cost-usd'), String(expected), 'shortest round-trip form');
  });

  it('a price in the config overrides the catalogue field by field', async () => {
    const r = await ask('overridden');
    const u = r.json.usage;
    assert.equal(Number(r.headers.get('x-torii-cost-usd')), cost({ input: u.prompt_tokens, output: u.completion_tokens }, { input: 0.15, output: 1.25 }));
  });

  it('an unknown price sends no cost at all, and a configured free one sends 0', async () => {
    const r = await ask('local');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-torii-cost-usd'), null);
    const f = await ask('free');
    assert.equal(f.headers.get('x-torii-cost-usd'), '0');
  });

  it('the Anthropic surface and an Anthropic target: cache-aware usage priced', async () => {
    const r = await postJson(`${torii.url}/v1/messages`, { model: 'haiku', max_tokens: 50, messages: [{ role: 'user', content: 'what does this cost' }] });
    assert.equal(r.status, 200, r.text);
    const u = r.json.usage;
    const expected = (u.input_tokens * 1 + (u.cache_read_input_tokens ?? 0) * 0.1 + (u.cache_creation_input_tokens ?? 0) * 1.25
      + u.output_tokens * 5) / 1e6;
    assert.equal(Number(r.headers.get('x-torii-cost-usd')), expected);
  });

  it('a stream carries no cost header (the cost is known only at its end)', async () => {
    const res = await postStream(`${torii.v1}/chat/completions`, { model: 'catalogued', stream: true, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-torii-cost-usd'), null);
    await readSSE(res);
  });
});
