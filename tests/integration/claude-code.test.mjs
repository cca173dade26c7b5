// End to end with the real Claude Code CLI (npm @anthropic-ai/claude-code, pinned
// in package.json): `claude -p` on its default model and default tools, pointed
// at torii, which forwards to torii-mock speaking (a) the Anthropic Messages API
// and (b) the OpenAI chat API.
//
// Claude Code also tries to reach hosts of its own, so it only ever runs inside a
// loopback-only network namespace (`unshare -n`, which needs root or
// CAP_SYS_ADMIN); torii and torii-mock run in the same namespace
// (claude-code/inner.mjs). Without `unshare -n` this test fails; it never runs
// Claude Code outside the namespace.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLAUDE_BIN } from './claude-code/claude.mjs';
import { runToEnd } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const INNER = path.join(HERE, 'claude-code', 'inner.mjs');
const RUN_TIMEOUT_MS = 60_000;

// As root, a network namespace alone; otherwise inside a user namespace of
// its own (mapped root), where unprivileged user namespaces are allowed.
const UNSHARE = process.getuid?.() === 0 ? ['-n'] : ['-r', '-n'];

function quote(s) { return `'${String(s).replace(/'/g, `'\\''`)}'`; }

// `sh -c SCRIPT` in a new network namespace whose only interface is lo (up).
function inNamespace(script, { timeoutMs = RUN_TIMEOUT_MS } = {}) {
  return runToEnd('unshare', [...UNSHARE, 'sh', '-c', `ip link set lo up && ${script}`], { timeoutMs });
}

function lastJsonLine(text) {
  const lines = text.split('\n').filter((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    try { return JSON.parse(lines[i]); } catch { /* keep looking */ }
  }
  return null;
}

const BACKENDS = {
  anthropic: { path: '/v1/messages', credential: (h) => h['x-api-key'] },
  openai: { path: '/v1/chat/completions', credential: (h) => h.authorization?.replace(/^Bearer /, '') },
};

describe('Claude Code CLI through torii (loopback-only network namespace)', () => {
  before(() => {
    const probe = spawnSync('unshare', [...UNSHARE, 'sh', '-c', 'ip link set lo up && ip -o link show'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error('Claude Code may only run inside a loopback-only network namespace, and `unshare -n sh -c "ip link set lo up"` '
        + `failed (${probe.error?.message ?? `exit ${probe.status}`}: ${(probe.stderr ?? '').trim()}). `
        + 'Run the integration tests as root, or where unprivileged user namespaces are allowed, with util-linux `unshare` and iproute2 `ip` installed.');
    }
    const links = probe.stdout.trim().split('\n').map((l) => l.split(':')[1]?.trim());
    assert.deepEqual(links, ['lo'], `the namespace is not loopback-only: ${probe.stdout}`);
    if (!existsSync(CLAUDE_BIN) || statSync(CLAUDE_BIN).size < 1_000_000) {
      throw new Error(`Claude Code binary missing or still the npm placeholder at ${CLAUDE_BIN}: run \`npm install\` in tests/ `
        + '(its postinstall copies the native binary from @anthropic-ai/claude-code-<platform>)');
    }
  });

  for (const [backend, expect] of Object.entries(BACKENDS)) {
    it(`${backend} backend: \`claude -p\` completes and torii-mock answered it`, { timeout: RUN_TIMEOUT_MS + 15_000 }, async (t) => {
      const run = await inNamespace(`exec ${quote(process.execPath)} ${quote(INNER)} --backend ${backend}`);
      const out = lastJsonLine(run.stdout);
      const ctx = () => JSON.stringify(out ?? { stdout: run.stdout.slice(-3000), stderr: run.stderr.slice(-3000) }, null, 1).slice(0, 12_000);
      assert.ok(!run.timedOut, `inner script did not finish within ${RUN_TIMEOUT_MS} ms\n${ctx()}`);
      assert.ok(out, `inner script printed no JSON (exit ${run.code})\nstdout: ${run.stdout.slice(-3000)}\nstderr: ${run.stderr.slice(-3000)}`);
      assert.equal(out.error, undefined, `inner script failed: ${out.error}`);
      const { claude, mock, gateway } = out;
      const sent = [...new Set(gateway.map((g) => g.model))];
      t.diagnostic(`claude: exit ${claude.code} in ${claude.ms} ms, tools called ${JSON.stringify(claude.tools)}, events ${claude.kinds.join(' ')}`);
      t.diagnostic(`gateway: ${gateway.length} request(s), models ${JSON.stringify(sent)}, statuses ${gateway.map((g) => g.status).join(' ')}`);
      for (const g of gateway.filter((x) => x.status !== 200)) t.diagnostic(`  ${g.method} ${g.url} (${g.roles?.join(',')}) -> ${g.status} ${g.error_body ?? ''}`);
      t.diagnostic(`mock: ${mock.requests} request(s) ${JSON.stringify(mock.by_path)}`);
      assert.ok(!claude.timedOut, `Claude Code did not finish within its timeout\n${ctx()}`);
      assert.ok(claude.result, `no final \`result\` event from Claude Code\n${ctx()}`);
      assert.equal(claude.result.is_error, false, `Claude Code's result is an error: ${claude.result.result}\n${ctx()}`);
      assert.equal(claude.result.subtype, 'success', ctx());
      assert.equal(claude.code, 0, `Claude Code exited ${claude.code}\n${ctx()}`);
      assert.ok(mock.requests > 0, `torii-mock received no request\n${ctx()}`);
      assert.ok(mock.by_path[expect.path] > 0, `torii-mock received nothing on ${expect.path}: ${JSON.stringify(mock.by_path)}\n${ctx()}`);
      assert.equal(expect.credential(mock.last_request.headers), 'sk-upstream', `upstream credential not sent\n${ctx()}`);
      assert.ok(gateway.length > 0 && gateway.every((g) => g.method === 'POST' && g.url.split('?')[0] === '/v1/messages'),
        `Claude Code sent something other than POST /v1/messages: ${JSON.stringify(gateway.map((g) => `${g.method} ${g.url}`))}`);
      for (const m of sent) assert.match(m, /^claude-/, `unexpected model name sent by Claude Code: ${m}`);
      // Claude Code's default model sends system messages inside `messages`,
      // which the real API accepts: every request is answered, none refused.
      assert.ok(gateway.every((g) => g.status === 200),
        `the gateway refused a request: ${gateway.map((g) => g.status).join(' ')}\n${ctx()}`);
      assert.ok(gateway.some((g) => g.roles?.includes('system')), `Claude Code sent no mid-conversation system message\n${ctx()}`);
      const upstreamRoles = mock.last_request.body_summary.roles;
      const clientRoles = gateway.at(-1).roles;
      if (backend === 'anthropic') {
        // Forwarded untouched but for `model`: the same turns, system messages in place.
        assert.deepEqual(upstreamRoles, clientRoles, ctx());
      } else if (clientRoles.includes('system')) {
        // Translated: the top-level system prompt first, then every turn with
        // the mid-conversation system messages kept where they were.
        assert.equal(upstreamRoles[0], 'system', ctx());
        assert.ok(upstreamRoles.slice(1).includes('system'), `mid-conversation system message lost: ${upstreamRoles}\n${ctx()}`);
      }
    });
  }
});
