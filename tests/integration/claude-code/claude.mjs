// Running the real Claude Code CLI (npm package @anthropic-ai/claude-code) from
// the tests. Only ever call runClaude() inside a loopback-only network namespace
// (see ../claude-code.test.mjs): Claude Code also tries to reach hosts of its own.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TESTS_DIR, runToEnd } from '../harness.mjs';

// The package's postinstall copies the native binary of the platform package
// over bin/claude.exe (a small placeholder until then); when install scripts
// did not run, the platform package's binary is used directly.
function findClaude() {
  const scope = path.join(TESTS_DIR, 'node_modules', '@anthropic-ai');
  const wrapper = path.join(scope, 'claude-code', 'bin', 'claude.exe');
  const isNative = (f) => existsSync(f) && statSync(f).size > 1_000_000;
  if (isNative(wrapper)) return wrapper;
  const platform = path.join(scope, `claude-code-${process.platform}-${process.arch}`, 'claude');
  return isNative(platform) ? platform : wrapper;
}

export const CLAUDE_BIN = process.env.CLAUDE_BIN ?? findClaude();

// Every switch the package reads that turns off traffic other than the API
// requests themselves (telemetry, error reports, auto-update, feature flags,
// surveys, marketplace installs). Found in the bundled JS of 2.1.332.
export const QUIET_ENV = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_UPDATES: '1',
  DISABLE_TELEMETRY: '1',
  DO_NOT_TRACK: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_GROWTHBOOK: '1',
  CLAUDE_CODE_DISABLE_FEATURE_FLAGS: '1',
  CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
  CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
  DISABLE_INSTALLATION_CHECKS: '1',
  CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
};

// Environment variables of the calling process that would change what Claude
// Code does (credentials, providers, model overrides); never inherited.
function inheritedEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(ANTHROPIC_|CLAUDE|AWS_|GOOGLE_|VERTEX_|OTEL_|DISABLE_|HTTPS?_PROXY|NO_PROXY)/i.test(k)) continue;
    env[k] = v;
  }
  return env;
}

// Runs `claude -p PROMPT --output-format stream-json --verbose` (default model,
// default tools) with a fresh HOME and working directory. Resolves with
// { code, signal, timedOut, ms, stdout, stderr, events, result } where events are
// the parsed stream-json lines and result the final `result` event (or null).
export async function runClaude({ baseUrl, apiKey, prompt, timeoutMs = 40_000, extraArgs = [], env: extraEnv = {} }) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'torii-cc-home-'));
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'torii-cc-work-'));
  const tmp = path.join(home, 'tmp');
  mkdirSync(tmp);
  const env = {
    ...inheritedEnv(),
    HOME: home,
    TMPDIR: tmp,
    CLAUDE_CODE_TMPDIR: tmp,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: apiKey,
    ...QUIET_ENV,
    ...extraEnv,
  };
  const args = ['-p', prompt, '--output-format', 'stream-json', '--verbose', ...extraArgs];
  const { code, signal, timedOut, ms, stdout, stderr } = await runToEnd(CLAUDE_BIN, args,
    { cwd, env, timeoutMs, inheritEnv: false });
  rmSync(home, { recursive: true, force: true });
  rmSync(cwd, { recursive: true, force: true });
  const events = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    try { events.push(JSON.parse(line)); } catch { events.push({ type: '<unparsed>', line }); }
  }
  const result = [...events].reverse().find((e) => e.type === 'result') ?? null;
  return { code, signal, timedOut, ms, stdout, stderr, events, result };
}
