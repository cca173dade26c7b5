// The translation conformance matrix, generated: every surface (OpenAI chat,
// Anthropic Messages, the Responses API) x provider x
// case below is one test. torii-mock answers every provider format with the
// same deterministic content and token counts, so each cell is checked against
// the reference answer of the OpenAI format, fetched directly from the mock.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock, startTorii, stopAllOf, postJson, postStream, readSSE, mockStats,
} from './harness.mjs';

const KEY = 'mk';
const AWS = { id: 'AKIDMATRIX', secret: 'matrix/secret/key', token: 'matrix-session-token' };
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const TOOL = {
  type: 'function',
  function: {
    name: 'get_weather', description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const ANTHROPIC_TOOL = { name: 'get_weather', description: 'Weather for a city', input_schema: TOOL.function.parameters };

// provider name -> how torii reaches it on the shared mock
function providerEntries(mock) {
  return {
    openai: { name: 'openai', type: 'openai', base_url: mock.v1, api_key: KEY },
    azure: { name: 'azure', type: 'azure', base_url: mock.url, api_key: KEY, api_version: '2024-10-21' },
    anthropic: { name: 'anthropic', type: 'anthropic', base_url: mock.url, api_key: KEY },
    gemini: { name: 'gemini', type: 'gemini', base_url: mock.url, api_key: KEY },
    bedrock: {
      name: 'bedrock', type: 'bedrock', region: 'us-east-1', base_url: mock.url,
      access_key_id: AWS.id, secret_access_key: AWS.secret, session_token: AWS.token,
    },
    cohere: { name: 'cohere', type: 'cohere', base_url: mock.url, api_key: KEY },
  };
}
const UPSTREAM_MODEL = {
  openai: 'gpt-matrix', azure: 'matrix-deployment', anthropic: 'claude-matrix', gemini: 'gemini-matrix',
  bedrock: 'anthropic.claude-matrix-v1:0', cohere: 'command-matrix',
};
const PROVIDERS = ['openai', 'azure', 'anthropic', 'gemini', 'bedrock', 'cohere'];
const SURFACES = ['openai', 'anthropic', 'responses'];
const CASES = ['plain', 'streaming', 'tool call', 'tool result', 'image input', 'usage'];

// --- the three surfaces, normalised to one result shape ---------------------

async function ask(torii, surface, model, { text, image, tools, history, stream }) {
  if (surface === 'openai') {
    const content = image
      ? [{ type: 'text', text }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }]
      : text;
    const messages = history ?? [{ role: 'user', content }];
    const body = { model, messages, ...(tools ? { tools: [TOOL] } : {}) };
    if (!stream) {
      const r = await postJson(`${torii.v1}/chat/completions`, body, { headers: { authorization: `Bearer ${KEY}` } });
      assert.equal(r.status, 200, r.text);
      const c = r.json.choices[0];
      return {
        text: c.message.content ?? '', finish: c.finish_reason, usage: r.json.usage,
        calls: (c.message.tool_calls ?? []).map((t) => ({ id: t.id, name: t.function.name, args: JSON.parse(t.function.arguments) })),
        raw: r.json,
      };
    }
    const res = await postStream(`${torii.v1}/chat/completions`, { ...body, stream: true, stream_options: { include_usage: true } },
      { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(res.status, 200);
    const { events } = await readSSE(res);
    assert.equal(events.at(-1).data, '[DONE]');
    let out = ''; let finish = null; let usage = null; const calls = [];
    for (const e of events.slice(0, -1)) {
      const chunk = JSON.parse(e.data);
      if (chunk.usage) usage = chunk.usage;
      const c = chunk.choices?.[0];
      if (!c) continue;
      out += c.delta?.content ?? '';
      for (const tc of c.delta?.tool_calls ?? []) {
        calls[tc.index] ??= { id: '', name: '', args: '' };
        if (tc.id) calls[tc.index].id = tc.id;
        if (tc.function?.name) calls[tc.index].name = tc.function.name;
        calls[tc.index].args += tc.function?.arguments ?? '';
      }
      if (c.finish_reason) finish = c.finish_reason;
    }
    return { text: out, finish, usage, calls: calls.map((c) => ({ ...c, args: JSON.parse(c.args) })) };
  }

  if (surface === 'responses') return askResponses(torii, model, { text, image, tools, history, stream });

  // Anthropic surface
  const content = image
    ? [{ type: 'text', text }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }]
    : text;
  const messages = history ?? [{ role: 'user', content }];
  const body = { model, max_tokens: 256, messages, ...(tools ? { tools: [ANTHROPIC_TOOL] } : {}) };
  const headers = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' };
  const finishOf = (s) => ({ end_turn: 'stop', max_tokens: 'length', tool_use: 'tool_calls' })[s] ?? s;
  if (!stream) {
    const r = await postJson(`${torii.url}/v1/messages`, body, { headers });
    assert.equal(r.status, 200, r.text);
    return {
      text: r.json.content.filter((b) => b.type === 'text').map((b) => b.text).join(''),
      finish: finishOf(r.json.stop_reason),
      usage: { prompt_tokens: r.json.usage.input_tokens + (r.json.usage.cache_read_input_tokens ?? 0), completion_tokens: r.json.usage.output_tokens },
      calls: r.json.content.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, args: b.input })),
      raw: r.json,
    };
  }
  const res = await postStream(`${torii.url}/v1/messages`, { ...body, stream: true }, { headers });
  assert.equal(res.status, 200);
  const { events } = await readSSE(res);
  const types = events.map((e) => JSON.parse(e.data).type);
  assert.equal(types[0], 'message_start');
  assert.equal(types.at(-1), 'message_stop');
  let out = ''; let finish = null; let output = null; let input = null; const blocks = [];
  for (const e of events) {
    const d = JSON.parse(e.data);
    if (d.type === 'message_start') input = d.message.usage.input_tokens;
    if (d.type === 'content_block_start') blocks[d.index] = { ...d.content_block, json: '' };
    if (d.type === 'content_block_delta' && d.delta.type === 'text_delta') out += d.delta.text;
    if (d.type === 'content_block_delta' && d.delta.type === 'input_json_delta') blocks[d.index].json += d.delta.partial_json;
    if (d.type === 'message_delta') {
      finish = finishOf(d.delta.stop_reason);
      output = d.usage.output_tokens;
      if (d.usage.input_tokens !== undefined) input = d.usage.input_tokens;
    }
  }
  const calls = blocks.filter((b) => b?.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, args: JSON.parse(b.json || '{}') }));
  return { text: out, finish, usage: { prompt_tokens: input, completion_tokens: output }, calls };
}

// The Responses API (/v1/responses): output items, or the typed event stream.
async function askResponses(torii, model, { text, image, tools, history, stream }) {
  const content = image
    ? [{ type: 'input_text', text }, { type: 'input_image', image_url: `data:image/png;base64,${PNG}` }]
    : [{ type: 'input_text', text }];
  const input = history ?? [{ role: 'user', content }];
  const body = {
    model, input,
    // (Responses function tools are strict unless told: this schema is not.)
    ...(tools ? { tools: [{ type: 'function', name: TOOL.function.name, description: TOOL.function.description, parameters: TOOL.function.parameters, strict: false }] } : {}),
  };
  const headers = { authorization: `Bearer ${KEY}` };
  const finishOf = (response, calls) => {
    if (response.status === 'incomplete' && response.incomplete_details?.reason === 'max_output_tokens') return 'length';
    if (response.status !== 'completed') return response.status;
    return calls.length ? 'tool_calls' : 'stop';
  };
  const read = (response) => {
    const calls = response.output.filter((o) => o.type === 'function_call')
      .map((o) => ({ id: o.call_id, name: o.name, args: JSON.parse(o.arguments) }));
    const out = response.output.filter((o) => o.type === 'message')
      .flatMap((o) => o.content).filter((c) => c.type === 'output_text').map((c) => c.text).join('');
    const usage = {
      prompt_tokens: response.usage.input_tokens, completion_tokens: response.usage.output_tokens,
      total_tokens: response.usage.total_tokens,
    };
    return { text: out, finish: finishOf(response, calls), usage, calls, raw: response };
  };
  if (!stream) {
    const r = await postJson(`${torii.v1}/responses`, body, { headers });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.object, 'response');
    return read(r.json);
  }
  const res = await postStream(`${torii.v1}/responses`, { ...body, stream: true }, { headers });
  assert.equal(res.status, 200);
  const { events } = await readSSE(res);
  const data = events.map((e) => JSON.parse(e.data));
  assert.deepEqual(data.slice(0, 2).map((d) => d.type), ['response.created', 'response.in_progress']);
  assert.equal(data.at(-1).type, 'response.completed');
  data.forEach((d, i) => assert.equal(d.sequence_number, i, `sequence_number of ${d.type}`));
  // The deltas alone give the text and the arguments the final response holds.
  let deltas = ''; const args = {};
  for (const d of data) {
    if (d.type === 'response.output_text.delta') deltas += d.delta;
    if (d.type === 'response.function_call_arguments.delta') args[d.item_id] = (args[d.item_id] ?? '') + d.delta;
  }
  const result = read(data.at(-1).response);
  assert.equal(deltas, result.text);
  for (const item of data.at(-1).response.output.filter((o) => o.type === 'function_call'))
    // (A call without arguments may stream no delta at all.)
    assert.equal(args[item.id] ?? '{}', item.arguments);
  return result;
}

// The second turn of a tool conversation in the surface's own format.
function toolHistory(surface, question, call, result) {
  if (surface === 'openai') {
    return [
      { role: 'user', content: question },
      { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args) } }] },
      { role: 'tool', tool_call_id: call.id, content: result },
    ];
  }
  if (surface === 'responses') {
    return [
      { role: 'user', content: [{ type: 'input_text', text: question }] },
      { type: 'function_call', call_id: call.id, name: call.name, arguments: JSON.stringify(call.args) },
      { type: 'function_call_output', call_id: call.id, output: result },
    ];
  }
  return [
    { role: 'user', content: question },
    { role: 'assistant', content: [{ type: 'tool_use', id: call.id, name: call.name, input: call.args }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: result }] },
  ];
}

// The format the upstream is spoken to in: its own, except that OpenAI and
// Azure get a Responses request as one (/v1/responses).
const upstreamFormat = (surface, provider) =>
  surface === 'responses' && ['openai', 'azure'].includes(provider) ? 'responses' : provider;

// Where each provider's request carries the second turn of a tool
// conversation (user, assistant call, tool result), by its documented shape:
// the call's id as the assistant sent it, the id the result answers, and the
// result's text. Gemini pairs by function name: its "ids" are names.
function upstreamToolTurn(provider, body) {
  switch (provider) {
    case 'responses':
      return { call: body.input[1].call_id, answers: body.input[2].call_id, result: body.input[2].output };
    case 'openai': case 'azure':
      return { call: body.messages[1].tool_calls[0].id, answers: body.messages[2].tool_call_id, result: body.messages[2].content };
    case 'cohere':
      return { call: body.messages[1].tool_calls[0].id, answers: body.messages[2].tool_call_id,
        result: typeof body.messages[2].content === 'string' ? body.messages[2].content : body.messages[2].content[0].text };
    case 'anthropic': {
      const use = body.messages[1].content.find((b) => b.type === 'tool_use');
      const res = body.messages[2].content.find((b) => b.type === 'tool_result');
      return { call: use.id, answers: res.tool_use_id,
        result: typeof res.content === 'string' ? res.content : res.content[0].text };
    }
    case 'bedrock': {
      const use = body.messages[1].content.find((b) => b.toolUse).toolUse;
      const res = body.messages[2].content.find((b) => b.toolResult).toolResult;
      return { call: use.toolUseId, answers: res.toolUseId, result: res.content[0].text };
    }
    case 'gemini': {
      const fc = body.contents[1].parts.find((p) => p.functionCall).functionCall;
      const fr = body.contents[2].parts.find((p) => p.functionResponse).functionResponse;
      return { call: fc.name, answers: fr.name, result: fr.response.content };
    }
    default: throw new Error(`no tool-turn path for ${provider}`);
  }
}

// Where each provider's request carries the image of a user message (text first, then the image).
function upstreamImage(provider, body) {
  switch (provider) {
    case 'responses': return body.input[0].content[1].image_url;
    case 'openai': case 'azure': case 'cohere': return body.messages[0].content[1].image_url.url;
    case 'anthropic': {
      const src = body.messages[0].content[1].source;
      return `data:${src.media_type};${src.type},${src.data}`;
    }
    case 'gemini': {
      const d = body.contents[0].parts[1].inlineData;
      return `data:${d.mimeType};base64,${d.data}`;
    }
    case 'bedrock': {
      const img = body.messages[0].content[1].image;
      return `data:image/${img.format};base64,${img.source.bytes}`;
    }
    default: throw new Error(`no image path for ${provider}`);
  }
}

describe('conformance matrix', () => {
  let mock; let torii;
  const results = {};
  const reference = {};

  before(async () => {
    mock = await startMock(['--api-key', KEY, '--aws-access-key-id', AWS.id, '--aws-secret-access-key', AWS.secret,
      '--aws-session-token', AWS.token]);
    const entries = providerEntries(mock);
    torii = await startTorii({
      workers: 1,
      auth: { keys: [KEY] },
      providers: PROVIDERS.map((p) => entries[p]),
      models: PROVIDERS.map((p) => ({ name: `m-${p}`, targets: [{ provider: p, model: UPSTREAM_MODEL[p] }] })),
    });
    // The reference: the OpenAI format straight from the mock.
    for (const [name, text, image] of [['plain', 'Matrix plain question', false], ['image', 'Describe this image', true]]) {
      const content = image ? [{ type: 'text', text }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] : text;
      const r = await postJson(`${mock.v1}/chat/completions`, { model: 'ref', messages: [{ role: 'user', content }] },
        { headers: { authorization: `Bearer ${KEY}` } });
      assert.equal(r.status, 200, r.text);
      reference[name] = { text: r.json.choices[0].message.content, usage: r.json.usage };
    }
    const call = await postJson(`${mock.v1}/chat/completions`,
      { model: 'ref', messages: [{ role: 'user', content: 'What is the weather in Paris?' }], tools: [TOOL] },
      { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(call.status, 200, call.text);
    reference.call = call.json.choices[0].message.tool_calls[0];
  });

  after(async () => {
    const rows = [];
    for (const s of SURFACES) {
      for (const p of PROVIDERS) {
        rows.push(`| ${s} | ${p} | ${CASES.map((c) => results[`${s}|${p}|${c}`] ?? 'not run').join(' | ')} |`);
      }
    }
    console.log(['', '| surface | provider | ' + CASES.join(' | ') + ' |', '|---|---|' + CASES.map(() => '---').join('|') + '|', ...rows, ''].join('\n'));
    await stopAllOf(torii, mock);
  });

  for (const surface of SURFACES) {
    for (const provider of PROVIDERS) {
      const model = `m-${provider}`;
      const cell = (name, fn) => it(`${surface} surface -> ${provider}: ${name}`, async () => {
        try {
          await fn();
          results[`${surface}|${provider}|${name}`] = 'pass';
        } catch (err) {
          results[`${surface}|${provider}|${name}`] = 'FAIL';
          throw err;
        }
      });

      cell('plain', async () => {
        const r = await ask(torii, surface, model, { text: 'Matrix plain question' });
        assert.equal(r.text, reference.plain.text);
        assert.equal(r.finish, 'stop');
        assert.equal(r.calls.length, 0);
      });

      cell('streaming', async () => {
        const r = await ask(torii, surface, model, { text: 'Matrix plain question', stream: true });
        assert.equal(r.text, reference.plain.text);
        assert.equal(r.finish, 'stop');
        assert.equal(r.usage?.completion_tokens, reference.plain.usage.completion_tokens);
      });

      cell('tool call', async () => {
        for (const stream of [false, true]) {
          const r = await ask(torii, surface, model, { text: 'What is the weather in Paris?', tools: true, stream });
          assert.equal(r.finish, 'tool_calls', `stream=${stream}`);
          assert.equal(r.calls.length, 1, `stream=${stream}`);
          assert.equal(r.calls[0].name, reference.call.function.name);
          assert.deepEqual(r.calls[0].args, JSON.parse(reference.call.function.arguments), `stream=${stream}`);
          assert.match(r.calls[0].id, /^[A-Za-z0-9_-]{8,}$/, 'tool call id');
        }
      });

      cell('tool result', async () => {
        const question = 'What is the weather in Oslo?';
        const first = await ask(torii, surface, model, { text: question, tools: true });
        const call = first.calls[0];
        const history = toolHistory(surface, question, call, 'Snow, -3 C');
        const second = await ask(torii, surface, model, { text: question, tools: true, history });
        assert.match(second.text, /Snow, -3 C/);
        assert.equal(second.finish, 'stop');
        // The call and the result the upstream got, at their documented places: the
        // client's id on both (Gemini pairs by function name instead).
        const turn = upstreamToolTurn(upstreamFormat(surface, provider), JSON.parse((await mockStats(mock)).last_request.body));
        const id = provider === 'gemini' ? call.name : call.id;
        assert.deepEqual(turn, { call: id, answers: id, result: 'Snow, -3 C' });
      });

      cell('image input', async () => {
        const r = await ask(torii, surface, model, { text: 'Describe this image', image: true });
        assert.equal(r.text, reference.image.text);
        const body = JSON.parse((await mockStats(mock)).last_request.body);
        assert.equal(upstreamImage(upstreamFormat(surface, provider), body), `data:image/png;base64,${PNG}`);
      });

      cell('usage', async () => {
        const r = await ask(torii, surface, model, { text: 'Matrix plain question' });
        assert.equal(r.usage.prompt_tokens, reference.plain.usage.prompt_tokens);
        assert.equal(r.usage.completion_tokens, reference.plain.usage.completion_tokens);
        if (surface !== 'anthropic') assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
      });
    }
  }
});
