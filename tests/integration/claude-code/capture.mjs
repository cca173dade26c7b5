// A tiny stand-in for the Anthropic API that records every request Claude Code
// sends and answers each POST /v1/messages with a minimal valid Messages reply
// (SSE when `stream` is true). Independent of torii.
//
// As a script (inside a loopback-only namespace only, see ../claude-code.test.mjs):
//   unshare -n sh -c 'ip link set lo up && exec node integration/claude-code/capture.mjs [--fixture FILE]'
// prints {"requests":[...], "claude":{...}} as JSON on stdout. Environment:
// CAPTURE_PROMPT (default "Reply with the word done"), CAPTURE_REJECT_SYSTEM
// (a 400 body for requests with system messages).
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runClaude } from './claude.mjs';

function sse(res, events) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_capture' });
  for (const [name, data] of events) res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  res.end();
}

function reply(model, text) {
  return {
    id: 'msg_capture_1', type: 'message', role: 'assistant', model,
    content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 1 },
  };
}

// `rejectSystem`: an error body answered with 400 to every request whose
// `messages` hold a `role: "system"` element (to watch Claude Code's fallback).
export async function startCaptureServer({ text = 'done', rejectSystem = null } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try { body = raw ? JSON.parse(raw) : null; } catch { body = raw; }
      requests.push({ method: req.method, url: req.url, headers: req.rawHeaders, body });
      const p = req.url.split('?')[0];
      if (req.method === 'POST' && p === '/v1/messages/count_tokens') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ input_tokens: 10 }));
        return;
      }
      if (req.method === 'POST' && p === '/v1/messages') {
        const model = body?.model ?? 'unknown';
        if (rejectSystem && body?.messages?.some((msg) => msg.role === 'system')) {
          res.writeHead(400, { 'content-type': 'application/json', 'request-id': 'req_capture' });
          res.end(typeof rejectSystem === 'string' ? rejectSystem : JSON.stringify(rejectSystem));
          return;
        }
        if (!body?.stream) {
          res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_capture' });
          res.end(JSON.stringify(reply(model, text)));
          return;
        }
        const m = reply(model, text);
        sse(res, [
          ['message_start', { type: 'message_start', message: { ...m, content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } }],
          ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
          ['ping', { type: 'ping' }],
          ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }],
          ['content_block_stop', { type: 'content_block_stop', index: 0 }],
          ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } }],
          ['message_stop', { type: 'message_stop' }],
        ]);
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `capture: no route ${req.method} ${p}` } }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--fixture');
  const fixture = i > 0 ? process.argv[i + 1] : null;
  const prompt = process.env.CAPTURE_PROMPT ?? 'Reply with the word done';
  const srv = await startCaptureServer({ rejectSystem: process.env.CAPTURE_REJECT_SYSTEM ?? null });
  const claude = await runClaude({ baseUrl: srv.url, apiKey: 'sk-capture', prompt });
  await srv.close();
  if (fixture) {
    const main = srv.requests.find((r) => r.body?.tools?.length) ?? srv.requests.find((r) => r.body?.messages);
    if (main) writeFileSync(fixture, JSON.stringify(main.body, null, 2) + '\n');
  }
  process.stdout.write(JSON.stringify({ requests: srv.requests, claude: { code: claude.code, signal: claude.signal, timedOut: claude.timedOut, ms: claude.ms, stderr: claude.stderr, result: claude.result, events: claude.events } }) + '\n');
}
