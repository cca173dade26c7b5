// The Responses API (/v1/responses) with the official openai SDK, against
// every provider family: OpenAI and Azure take the request as sent (torii-mock
// speaks the Responses API), the others through translation to chat
// completions. Conversations continue with previous_response_id across
// providers, and stored responses are read, listed and deleted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFamiliesMock, familyConfig, FAMILIES, startTorii, mockStats, stopAllOf, postJson, http } from './harness.mjs';

const KEY = 'k-responses';
const WEATHER = {
  type: 'function', name: 'get_weather', description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};
const SCHEMA = {
  type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } },
  required: ['city', 'days'], additionalProperties: false,
};

describe('Responses API through the openai SDK', () => {
  let mock; let torii; let client;

  before(async () => {
    mock = await startFamiliesMock('sk-up');
    torii = await startTorii({ workers: 2, auth: { keys: [KEY, 'k-other'] }, ...familyConfig(mock, 'sk-up') });
    client = new OpenAI({ apiKey: KEY, baseURL: torii.v1, maxRetries: 0 });
  });
  after(() => stopAllOf(torii, mock));

  for (const model of FAMILIES) {
    it(`${model}: plain answer`, async () => {
      const before = await mockStats(mock);
      const r = await client.responses.create({ model, instructions: 'Be brief.', input: 'Hello from the Responses API' });
      assert.equal(r.object, 'response');
      assert.match(r.id, /^resp_/);
      assert.equal(r.status, 'completed');
      assert.equal(r.output_text, 'Mock reply to: Hello from the Responses API');
      assert.equal(r.output[0].type, 'message');
      assert.equal(r.output[0].role, 'assistant');
      assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
      assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
      const after = await mockStats(mock);
      assert.equal(after.requests, before.requests + 1);
      // Native targets are asked on the Responses API itself, the others on their own.
      const path = after.last_request.path;
      if (model === 'openai') assert.equal(path, '/v1/responses');
      else if (model === 'azure') assert.equal(path, '/openai/v1/responses');
      else assert.doesNotMatch(path, /responses/);
    });

    it(`${model}: streamed events, in order, give the plain answer`, async () => {
      const stream = await client.responses.create({ model, input: 'Stream a reply please', stream: true });
      const types = []; let text = ''; let seq = -1; let completed;
      for await (const ev of stream) {
        types.push(ev.type);
        assert.equal(ev.sequence_number, seq + 1, `${ev.type} out of sequence`);
        seq = ev.sequence_number;
        if (ev.type === 'response.output_text.delta') text += ev.delta;
        if (ev.type === 'response.completed') completed = ev.response;
      }
      assert.deepEqual(types.slice(0, 4),
        ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
      assert.deepEqual(types.slice(-4),
        ['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
      assert.equal(text, 'Mock reply to: Stream a reply please');
      assert.equal(completed.output[0].content[0].text, text);
      assert.ok(completed.usage.output_tokens > 0);
      // The streamed response is stored like a plain one.
      const stored = await client.responses.retrieve(completed.id);
      assert.equal(stored.output[0].content[0].text, text);
    });

    it(`${model}: a function call, its output, and the answer to it (previous_response_id)`, async () => {
      const first = await client.responses.create({ model, input: 'What is the weather in Paris?', tools: [WEATHER] });
      const call = first.output.find((o) => o.type === 'function_call');
      assert.ok(call, JSON.stringify(first.output));
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.arguments), { city: 'mock_city' });
      assert.ok(call.call_id);
      const second = await client.responses.create({
        model, previous_response_id: first.id, tools: [WEATHER],
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'Sunny, 21 degrees' }],
      });
      // OpenAI targets get the conversation inlined (Torii holds it), so
      // their own answer names no previous response.
      assert.equal(second.previous_response_id, ['openai', 'azure'].includes(model) ? null : first.id);
      // (Gemini's functionResponse carries the output as {"content": ...}.)
      assert.match(second.output_text, /^Mock reply to tool result: .*Sunny, 21 degrees/);
      // The upstream saw the whole conversation: the question, the call, its output.
      const items = await client.responses.inputItems.list(second.id, { order: 'asc' });
      const kinds = items.data.map((i) => i.type);
      // (Cohere states a tool plan before its calls: an assistant message first.)
      assert.deepEqual(kinds, ['message', ...(model === 'cohere' ? ['message'] : []), 'function_call',
        'function_call_output']);
      assert.deepEqual(first.output.map((o) => o.type), kinds.slice(1, -1));
    });

    it(`${model}: structured output (text.format json_schema) is JSON that follows the schema`, async () => {
      // (On Bedrock, whose Converse has no JSON mode, the schema becomes one
      // forced tool whose input is the answer.)
      const r = await client.responses.create({
        model, input: 'Plan a trip',
        text: { format: { type: 'json_schema', name: 'trip', schema: SCHEMA, strict: true } },
      });
      const value = JSON.parse(r.output_text);
      assert.equal(typeof value.city, 'string');
      assert.equal(Number.isInteger(value.days), true);
      assert.deepEqual(r.text.format.name, 'trip');
    });
  }

  it('item_reference items naming earlier output are resolved from the store for translated targets', async () => {
    // (Cohere states a plan before its call: a message item and a function_call item.)
    const first = await client.responses.create({ model: 'cohere', input: 'What is the weather in Rome?', tools: [WEATHER] });
    const [plan, call] = first.output;
    assert.deepEqual([plan.type, call.type], ['message', 'function_call']);
    const second = await client.responses.create({
      model: 'anthropic', tools: [WEATHER],
      input: [
        { role: 'user', content: 'What is the weather in Rome?' },
        { type: 'item_reference', id: plan.id },
        { type: 'item_reference', id: call.id },
        { type: 'function_call_output', call_id: call.call_id, output: 'Hail, 4 degrees' },
      ],
    });
    assert.match(second.output_text, /^Mock reply to tool result: .*Hail, 4 degrees/);
    // The upstream got the referenced items themselves: the plan as assistant text, then the call.
    const sent = JSON.parse((await mockStats(mock)).last_request.body);
    const assistant = sent.messages[1];
    assert.equal(assistant.role, 'assistant');
    assert.deepEqual(assistant.content.map((b) => b.type), ['text', 'tool_use']);
    assert.equal(assistant.content[0].text, plan.content[0].text);
    assert.equal(assistant.content[1].id, call.call_id);
    // Another key's items are not found: its references stay references, refused for a translated target.
    const other = new OpenAI({ apiKey: 'k-other', baseURL: torii.v1, maxRetries: 0 });
    await assert.rejects(other.responses.create({ model: 'anthropic', input: [{ type: 'item_reference', id: plan.id }] }),
      (e) => e.status === 400 && /item_reference/.test(e.message));
  });

  it('a conversation moves across providers: OpenAI, then Anthropic, then Gemini', async () => {
    const a = await client.responses.create({ model: 'openai', input: 'My name is Ada' });
    const b = await client.responses.create({ model: 'anthropic', previous_response_id: a.id, input: 'Who am I' });
    const c = await client.responses.create({ model: 'gemini', previous_response_id: b.id, input: 'Say it again' });
    const items = await client.responses.inputItems.list(c.id, { order: 'asc' });
    const texts = items.data.map((i) => i.content?.[0]?.text);
    assert.deepEqual(texts, ['My name is Ada', 'Mock reply to: My name is Ada', 'Who am I', 'Mock reply to: Who am I',
      'Say it again']);
    // Each turn's prompt held the earlier ones.
    assert.ok(c.usage.input_tokens > b.usage.input_tokens && b.usage.input_tokens > a.usage.input_tokens);
  });

  it('retrieve, input_items paging, delete; another key sees none of it', async () => {
    const r = await client.responses.create({ model: 'anthropic', input: 'Keep me', metadata: { ticket: 'T-1' } });
    const got = await client.responses.retrieve(r.id);
    assert.equal(got.id, r.id);
    assert.deepEqual(got.metadata, { ticket: 'T-1' });
    const page = await http(`${torii.v1}/responses/${r.id}/input_items?limit=1`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(page.status, 200);
    assert.equal(page.json.object, 'list');
    assert.equal(page.json.data.length, 1);
    assert.equal(page.json.has_more, false);

    const other = new OpenAI({ apiKey: 'k-other', baseURL: torii.v1, maxRetries: 0 });
    await assert.rejects(other.responses.retrieve(r.id), (e) => e.status === 404);
    await assert.rejects(
      other.responses.create({ model: 'anthropic', previous_response_id: r.id, input: 'x' }),
      (e) => e.status === 400 && e.code === 'previous_response_not_found' && e.param === 'previous_response_id');
    await assert.rejects(other.responses.delete(r.id), (e) => e.status === 404);

    await client.responses.delete(r.id);
    await assert.rejects(client.responses.retrieve(r.id), (e) => e.status === 404);
  });

  it('store: false keeps nothing', async () => {
    const r = await client.responses.create({ model: 'cohere', input: 'Forget me', store: false });
    assert.equal(r.store, false);
    await assert.rejects(client.responses.retrieve(r.id), (e) => e.status === 404);
  });

  it('what only OpenAI runs is refused for translated targets, in the OpenAI error shape', async () => {
    const cases = [
      [{ tools: [{ type: 'web_search' }] }, 'tools[0].type'],
      [{ background: true }, 'background'],
      [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
      [{ include: ['message.output_text.logprobs'] }, 'include'],
    ];
    for (const [extra, param] of cases) {
      const r = await postJson(`${torii.v1}/responses`, { model: 'gemini', input: 'x', ...extra },
        { headers: { authorization: `Bearer ${KEY}` } });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.param, param, r.text);
      assert.equal(r.json.error.type, 'invalid_request_error');
    }
    const missing = await postJson(`${torii.v1}/responses`, { model: 'gemini' }, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.param, 'input');
    const unknown = await postJson(`${torii.v1}/responses`, { model: 'nope', input: 'x' }, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(unknown.status, 404);
    const noKey = await postJson(`${torii.v1}/responses`, { model: 'gemini', input: 'x' });
    assert.equal(noKey.status, 401);
  });

  it('usage and cost are logged and metered like every other answer', async () => {
    const res = await http(`${torii.v1}/responses`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic', input: 'Count me' }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-torii-provider'), 'anthropic');
    assert.equal(res.headers.get('x-torii-model'), 'claude-up');
    const metrics = await http(`${torii.url}/metrics`);
    assert.match(metrics.text, /torii_requests_total\{[^}]*model="anthropic"/);
  });
});
