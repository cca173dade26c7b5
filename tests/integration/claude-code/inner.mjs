// Runs inside a loopback-only network namespace (started by ../claude-code.test.mjs):
// torii-mock, torii in front of it, and the real Claude Code CLI pointed at torii.
// Prints one JSON line with what happened; the outer test asserts on it.
//
//   node inner.mjs --backend anthropic|openai [--prompt TEXT] [--timeout-ms N]
import { startMock, startTorii, mockStats, stopAllOf } from '../harness.mjs';
import { runClaude } from './claude.mjs';
import { startRecorder } from './recorder.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const backend = arg('backend', 'anthropic');
const prompt = arg('prompt', 'Reply with the word done');
const timeoutMs = Number(arg('timeout-ms', '40000'));

// The default model of the pinned Claude Code version (claude-opus-5-5 for 2.1.332);
// other model names it sends (small/fast model, subagents) are caught by the
// `x-app: cli` header every Claude Code API request carries.
const CLAUDE_DEFAULT_MODEL = process.env.CLAUDE_DEFAULT_MODEL ?? 'claude-opus-5-5';
const GATEWAY_KEY = 'k-claude-code';
// torii-mock answers every request whose last message is the user's with a call
// of the first tool, which is Agent. With background tasks on, the subagent's
// completion comes back as a new user turn, the mock calls Agent again, and the
// run never ends; in the foreground the Agent call returns a tool_result and
// the mock then answers with text.
const CLAUDE_ENV = { CLAUDE_CODE_DISABLE_BACKGROUND_TASKS: '1' };
const UPSTREAM_KEY = 'sk-upstream';

function provider(mock) {
  if (backend === 'anthropic') return { name: 'up', type: 'anthropic', base_url: mock.url, api_key: UPSTREAM_KEY };
  if (backend === 'openai') return { name: 'up', type: 'openai-compatible', base_url: `${mock.url}/v1`, api_key: UPSTREAM_KEY };
  throw new Error(`unknown backend ${backend}`);
}

function tail(s, n = 4000) { return s.length > n ? `...${s.slice(-n)}` : s; }

function summariseEvents(events) {
  // type/subtype of every stream-json line, and the lines that report errors.
  const kinds = events.map((e) => (e.subtype ? `${e.type}/${e.subtype}` : e.type));
  const errors = events.filter((e) => e.error || e.is_error || e.isApiErrorMessage
    || (e.type === 'system' && /retry|error/i.test(e.subtype ?? ''))
    || (e.type === 'assistant' && e.message?.content?.some?.((c) => c.type === 'text' && /^API Error/.test(c.text ?? ''))));
  const models = [...new Set(events.flatMap((e) => [e.message?.model, ...(e.type === 'result' ? Object.keys(e.modelUsage ?? {}) : [])]).filter(Boolean))];
  const tools = events.flatMap((e) => (e.type === 'assistant' ? (e.message?.content ?? []).filter((c) => c.type === 'tool_use').map((c) => c.name) : []));
  return { kinds, errors: errors.map((e) => JSON.stringify(e).slice(0, 3000)), models, tools };
}

const out = { backend, prompt };
let mock;
let torii;
let recorder;
try {
  mock = await startMock(['--api-key', UPSTREAM_KEY]);
  const up = provider(mock);
  torii = await startTorii({
    workers: 1,
    auth: { keys: [GATEWAY_KEY] },
    providers: [up],
    models: [
      { name: 'cc-main', targets: [{ provider: 'up', model: CLAUDE_DEFAULT_MODEL }] },
      { name: 'cc-other', targets: [{ provider: 'up', model: 'claude-code-other' }] },
    ],
    routes: [
      { when: { model: CLAUDE_DEFAULT_MODEL }, model: 'cc-main' },
      { when: { header: { 'x-app': 'cli' } }, model: 'cc-other' },
    ],
  });
  recorder = await startRecorder(torii.url);
  const claude = await runClaude({ baseUrl: recorder.url, apiKey: GATEWAY_KEY, prompt, timeoutMs, env: CLAUDE_ENV });
  out.claude = {
    code: claude.code, signal: claude.signal, timedOut: claude.timedOut, ms: claude.ms,
    stderr: tail(claude.stderr), result: claude.result, ...summariseEvents(claude.events),
  };
  const stats = await mockStats(mock);
  let lastBody = stats.last_request?.body ?? null;
  try { lastBody = JSON.parse(lastBody); } catch { /* keep the raw text */ }
  out.mock = {
    requests: stats.requests, by_path: stats.by_path,
    streams_started: stats.streams_started, streams_completed: stats.streams_completed,
    last_request: stats.last_request && {
      method: stats.last_request.method, path: stats.last_request.path, query: stats.last_request.query,
      headers: stats.last_request.headers,
      body_summary: lastBody && typeof lastBody === 'object'
        ? { model: lastBody.model, keys: Object.keys(lastBody), roles: lastBody.messages?.map((m) => m.role) }
        : String(lastBody).slice(0, 500),
    },
  };
} catch (err) {
  out.error = err.stack ?? String(err);
} finally {
  if (recorder) { out.gateway = recorder.exchanges; await recorder.close(); }
  if (torii) out.torii = { stdout: tail(torii.stdout()), stderr: tail(torii.stderr()) };
  if (mock) out.mockStderr = tail(mock.stderr(), 1500);
  await stopAllOf(torii, mock);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
