// Flags co_await expressions that GCC 12 is known to miscompile.
//
// GCC 12 mishandles temporaries of class type that live across a coroutine
// suspension point: `co_await send_error(ex, make_error(400, "a" + s))` crashed
// the gateway after ~100 requests. The same holds for capturing lambdas,
// string concatenations, initializer lists and conditional expressions in the
// awaited full-expression, for `x ? co_await a() : co_await b()`, and for
// co_await inside an if/while/for/switch condition.
//
// The safe form binds every temporary to a named local first; what is left
// for the co_await is one call whose arguments are names, member accesses,
// std::move(name), *p, &x, literals and the few calls in ALLOWED_CALLS below:
//
//   auto r = make_error(400, "request body is not valid JSON: " + scan.error);
//   co_await send_error(ex, std::move(r));
//
// Usage: node scripts/check-co-await.mjs [FILE_OR_DIR...]
// Without arguments it scans src/, tools/, bench/ and tests/unit/ of the
// repository this script lives in. Prints `file:line: reason: expression` per
// unsafe full-expression and exits 1 if there is any, 0 otherwise.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------------------
// Calls allowed inside an awaited full-expression besides the awaited call
// itself (and calls that wrap the co_await's result, which run after the
// resumption). Each returns a trivially destructible value (or a reference),
// so no destructor runs for it after the suspension.
// ---------------------------------------------------------------------------
export const ALLOWED_CALLS = new Map([
  // Casts to an rvalue / lvalue reference: no object is created.
  ["std::move", "returns a reference, creates no object"],
  ["std::forward", "returns a reference, creates no object"],
  // std::reference_wrapper holds one pointer; trivially destructible.
  ["std::ref", "std::reference_wrapper is trivially destructible"],
  ["std::cref", "std::reference_wrapper is trivially destructible"],
  // A view: pointer + length, trivially destructible.
  ["std::string_view", "pointer + length, trivially destructible"],
  ["std::span", "pointer (+ length), trivially destructible"],
  // asio buffers are pointer + size, trivially destructible.
  ["asio::buffer", "asio::const_buffer/mutable_buffer are pointer + size"],
  ["boost::asio::buffer", "asio::const_buffer/mutable_buffer are pointer + size"],
  // Completion-token adapters: small aggregates of the wrapped token (and a
  // reference to the error_code for redirect_error); trivially destructible.
  ["as_tuple", "completion-token adapter around use_awaitable, trivially destructible"],
  ["asio::as_tuple", "completion-token adapter around use_awaitable, trivially destructible"],
  ["boost::asio::as_tuple", "completion-token adapter around use_awaitable, trivially destructible"],
  ["redirect_error", "token + error_code reference, trivially destructible"],
  ["asio::redirect_error", "token + error_code reference, trivially destructible"],
  ["boost::asio::redirect_error", "token + error_code reference, trivially destructible"],
  ["use_awaitable", "empty completion token"],
  ["asio::use_awaitable", "empty completion token"],
  ["boost::asio::use_awaitable", "empty completion token"],
  // std::chrono durations wrap one arithmetic value.
  ["std::chrono::nanoseconds", "a duration is one integer"],
  ["std::chrono::microseconds", "a duration is one integer"],
  ["std::chrono::milliseconds", "a duration is one integer"],
  ["std::chrono::seconds", "a duration is one integer"],
  ["std::chrono::minutes", "a duration is one integer"],
  ["std::chrono::hours", "a duration is one integer"],
]);

// Member calls allowed by name (`x.name(...)` or `p->name(...)`). `args` says
// whether arguments are allowed: data()/size() are only accepted without any,
// which is what every standard container, string, view and buffer offers
// (a pointer and an integer).
export const ALLOWED_MEMBER_CALLS = new Map([
  // beast/asio dynamic buffers: prepare(n) returns a mutable buffer sequence
  // (pointer + size).
  ["prepare", { args: true, why: "dynamic buffer prepare() returns a mutable buffer (pointer + size)" }],
  ["data", { args: false, why: "container data() returns a pointer" }],
  ["size", { args: false, why: "container size() returns an integer" }],
]);

// The directories scanned by default, relative to the repository root.
export const DEFAULT_DIRS = ["src", "tools", "bench", "tests/unit"];
const EXTENSIONS = [".cpp", ".hpp", ".h"];

// ---------------------------------------------------------------------------
// Comments, literals, preprocessor lines
// ---------------------------------------------------------------------------

const isIdentChar = (c) => /[A-Za-z0-9_$]/.test(c);

// Returns { code, display }, both as long as `text` with every newline kept:
// `code` has comments, preprocessor lines and the contents of string and
// character literals blanked (the quotes stay, so a literal is still one
// token); `display` only has comments and preprocessor lines blanked.
export function strip(text) {
  const code = text.split("");
  const display = text.split("");
  const n = text.length;
  const blank = (from, to, both) => {
    for (let k = from; k < to; k++) {
      if (text[k] === "\n" || text[k] === "\r") continue;
      code[k] = " ";
      if (both) display[k] = " ";
    }
  };
  let atLineStart = true; // only whitespace so far on this line
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === "\n") {
      atLineStart = true;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    if (c === "#" && atLineStart) {
      // A preprocessor directive, with its backslash continuations.
      let j = i;
      while (j < n && text[j] !== "\n") {
        if (text[j] === "\\" && (text[j + 1] === "\n" || (text[j + 1] === "\r" && text[j + 2] === "\n"))) {
          j += text[j + 1] === "\r" ? 3 : 2;
          continue;
        }
        if (text[j] === "/" && text[j + 1] === "*") {
          const end = text.indexOf("*/", j + 2);
          j = end < 0 ? n : end + 2;
          continue;
        }
        j++;
      }
      blank(i, j, true);
      i = j;
      continue;
    }
    atLineStart = false;
    if (c === "/" && text[i + 1] === "/") {
      let j = i;
      while (j < n && text[j] !== "\n") {
        if (text[j] === "\\" && text[j + 1] === "\n") j++;
        j++;
      }
      blank(i, j, true);
      i = j;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const j = end < 0 ? n : end + 2;
      blank(i, j, true);
      i = j;
      continue;
    }
    if (c === '"') {
      // The identifier run right before the quote: an encoding prefix and/or R.
      let p = i;
      while (p > 0 && isIdentChar(text[p - 1])) p--;
      const prefix = text.slice(p, i);
      if (/^(u8|u|U|L)?R$/.test(prefix)) {
        const open = text.indexOf("(", i + 1);
        const delim = open < 0 ? "" : text.slice(i + 1, open);
        if (open >= 0 && delim.length <= 16 && !/[\s\\()]/.test(delim)) {
          const close = text.indexOf(`)${delim}"`, open + 1);
          const j = close < 0 ? n : close + delim.length + 1; // index of the closing quote
          blank(i + 1, j, false);
          i = j + 1;
          continue;
        }
      }
      let j = i + 1;
      while (j < n && text[j] !== '"' && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      blank(i + 1, Math.min(j, n), false);
      i = j + 1;
      continue;
    }
    if (c === "'") {
      // A digit separator (1'000'000) when the run before it is a number.
      let p = i;
      while (p > 0 && (isIdentChar(text[p - 1]) || text[p - 1] === ".")) p--;
      if (p < i && /[0-9.]/.test(text[p])) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < n && text[j] !== "'" && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      blank(i + 1, Math.min(j, n), false);
      i = j + 1;
      continue;
    }
    i++;
  }
  return { code: code.join(""), display: display.join("") };
}

// ---------------------------------------------------------------------------
// Tokens and brackets
// ---------------------------------------------------------------------------

// `>>` is left as two tokens (it closes two template argument lists at least
// as often as it shifts).
const TOKEN_RE =
  /([A-Za-z_$][\w$]*)|(\.?[0-9](?:[eEpP][+-]|[\w.'])*)|("[^"]*")|('[^']*')|(\.\.\.|<=>|->\*|<<=|::|->|\+\+|--|\+=|-=|\*=|\/=|%=|&=|\|=|\^=|==|!=|<=|>=|&&|\|\||<<|\.\*|##|[^\s])/gy;

function tokenize(code) {
  const toks = [];
  const ws = /\s*/y;
  let i = 0;
  for (;;) {
    ws.lastIndex = i;
    ws.exec(code);
    i = ws.lastIndex;
    if (i >= code.length) break;
    TOKEN_RE.lastIndex = i;
    const m = TOKEN_RE.exec(code);
    if (!m) break;
    const k = m[1] ? "id" : m[2] ? "num" : m[3] ? "str" : m[4] ? "chr" : "op";
    toks.push({ t: m[0], k, s: i, e: i + m[0].length });
    i += m[0].length;
  }
  return toks;
}

const OPENERS = { "(": ")", "[": "]", "{": "}" };
const CLOSERS = { ")": "(", "]": "[", "}": "{" };

// Keywords after which `(` does not call anything.
const NON_CALL_KEYWORDS = new Set([
  "sizeof", "alignof", "alignas", "decltype", "noexcept", "return", "co_return", "co_await", "co_yield",
  "throw", "case", "static_assert", "requires", "catch", "else", "do", "and", "or", "not", "new", "delete",
]);
const CONDITION_KEYWORDS = new Set(["if", "while", "for", "switch"]);
// Keywords after which `[` starts a lambda rather than a subscript.
const LAMBDA_AFTER_KEYWORDS = new Set(["return", "co_return", "co_await", "co_yield", "throw", "case", "else", "do"]);
// Keywords right before a `{` that opens a block.
const BLOCK_BEFORE_KEYWORDS = new Set([
  "else", "do", "try", "mutable", "noexcept", "const", "override", "final", "volatile", "constexpr", "consteval",
  "namespace", "struct", "class", "union", "enum",
]);
const CLASS_KEYS = new Set(["struct", "class", "union", "enum", "namespace"]);
const EXPR_KEYWORDS = new Set([...NON_CALL_KEYWORDS, ...CONDITION_KEYWORDS, ...LAMBDA_AFTER_KEYWORDS]);

// Whether `tok` can end an operand (so a `+` after it is binary, a `[`
// after it subscripts). `braceEnds`: count `}` (of `Type{...}`) as one.
function endsOperand(tok, braceEnds = false) {
  if (!tok) return false;
  if (tok.k === "num" || tok.k === "str" || tok.k === "chr") return true;
  if (tok.k === "id") return !EXPR_KEYWORDS.has(tok.t);
  return tok.t === ")" || tok.t === "]" || (braceEnds && tok.t === "}");
}

// Matches brackets; records for each token its innermost unclosed opener.
function matchBrackets(toks) {
  const match = new Int32Array(toks.length).fill(-1);
  const parent = new Int32Array(toks.length).fill(-1);
  const stack = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i].t;
    if (CLOSERS[t] && toks[i].k === "op") {
      // Tolerate imbalance (from #if branches): unwind to the matching opener.
      let d = stack.length - 1;
      while (d >= 0 && toks[stack[d]].t !== CLOSERS[t]) d--;
      if (d >= 0) {
        match[stack[d]] = i;
        match[i] = stack[d];
        stack.length = d;
      }
    }
    parent[i] = stack.length ? stack[stack.length - 1] : -1;
    if (OPENERS[t] && toks[i].k === "op") stack.push(i);
  }
  return { match, parent };
}

// Walks back from the `>` at index `gt` to the `<` that opens its template
// argument list; -1 if there is none (then `>` compares).
function templateOpen(toks, match, gt) {
  let depth = 0;
  for (let j = gt; j >= 0; j--) {
    const t = toks[j].t;
    if (toks[j].k !== "op") continue;
    if (CLOSERS[t]) {
      if (match[j] < 0) return -1;
      j = match[j];
      continue;
    }
    if (t === ">") depth++;
    else if (t === "<") {
      depth--;
      if (depth === 0) return j;
    } else if (OPENERS[t] || t === ";" || t === "&&" || t === "||" || t === "=") return -1;
  }
  return -1;
}

// Walks forward from the `<` at index `lt` to the `>` that closes it; -1 if
// there is none (then `<` compares).
function templateClose(toks, match, lt) {
  let depth = 0;
  for (let j = lt; j < toks.length; j++) {
    const t = toks[j].t;
    if (toks[j].k !== "op") continue;
    if (OPENERS[t]) {
      if (match[j] < 0) return -1;
      j = match[j];
      continue;
    }
    if (t === "<") depth++;
    else if (t === ">") {
      depth--;
      if (depth === 0) return j;
    } else if (CLOSERS[t] || t === ";" || t === "&&" || t === "||" || t === "=" || t === "{") return -1;
  }
  return -1;
}

// Classifies every opener:
//   ( : call | cond (if/while/for/switch head) | lparams (lambda parameters) | paren
//   [ : subscript | lambda | attr | binding (auto [a, b])
//   { : block | lambda (lambda body) | init (braced initializer)
// and for each lambda introducer the index of its body's closing brace.
function classify(toks, match) {
  const kind = new Array(toks.length);
  const lambdaEnd = new Int32Array(toks.length).fill(-1);
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i];
    if (tok.k !== "op" || !OPENERS[tok.t]) continue;
    const p = toks[i - 1];
    const pp = toks[i - 2];
    if (tok.t === "(") {
      if (kind[i]) continue; // lambda parameters, set with their introducer
      if (!p) kind[i] = "paren";
      else if (p.k === "id" && CONDITION_KEYWORDS.has(p.t)) kind[i] = "cond";
      else if (p.k === "id" && p.t === "constexpr" && pp && pp.t === "if") kind[i] = "cond";
      else if (p.k === "id") kind[i] = NON_CALL_KEYWORDS.has(p.t) ? "paren" : "call";
      else if (p.t === ">") kind[i] = templateOpen(toks, match, i - 1) > 0 ? "call" : "paren";
      else if (p.t === ")") kind[i] = kind[match[i - 1]] === "cond" ? "paren" : "call";
      else if (p.t === "]") kind[i] = "call";
      else kind[i] = "paren";
    } else if (tok.t === "[") {
      const next = toks[i + 1];
      if (kind[i]) continue;
      if (next && next.t === "[") {
        kind[i] = "attr";
        if (match[i + 1] >= 0) kind[i + 1] = "attr";
        continue;
      }
      if (p && (p.t === "&" || p.t === "&&") && pp && pp.t === "auto") kind[i] = "binding";
      else if (p && p.k === "id" && p.t === "auto") kind[i] = "binding";
      else if (endsOperand(p) && !(p.k === "id" && LAMBDA_AFTER_KEYWORDS.has(p.t))) kind[i] = "subscript";
      else if (p && p.t === "}" && kind[match[i - 1]] === "init") kind[i] = "subscript";
      else {
        kind[i] = "lambda";
        // Find the body: the first `{` at this level after the captures,
        // past parameters, specifiers and a trailing return type.
        let j = match[i] < 0 ? -1 : match[i] + 1;
        while (j >= 0 && j < toks.length) {
          const t = toks[j];
          if (t.k === "op" && t.t === "{") break;
          if (t.k === "op" && t.t === "(") {
            if (kind[j] === undefined) kind[j] = "lparams";
            if (match[j] < 0) { j = -1; break; }
            j = match[j] + 1;
            continue;
          }
          if (t.k === "op" && (t.t === ";" || t.t === "," || CLOSERS[t.t] || t.t === "[")) { j = -1; break; }
          j++;
        }
        if (j >= 0 && j < toks.length && match[j] >= 0) {
          kind[j] = "lambda";
          lambdaEnd[i] = match[j];
        } else {
          lambdaEnd[i] = match[i] < 0 ? i : match[i];
        }
      }
    } else if (tok.t === "{") {
      if (kind[i]) continue; // lambda body
      if (!p) kind[i] = "block";
      else if (p.k === "op" && [";", "{", "}", ":", ")", "]", "&", "&&"].includes(p.t)) kind[i] = "block";
      else if (p.k === "id" && BLOCK_BEFORE_KEYWORDS.has(p.t)) kind[i] = "block";
      else if (p.k === "id" && (p.t === "return" || p.t === "co_return" || p.t === "co_yield" || p.t === "throw"))
        kind[i] = "init";
      else if (p.k === "id" || p.t === ">") {
        // `Type name{`, `Type{`, `std::vector<T>{` are braced initializers;
        // `-> Type {` (trailing return type) and class heads open blocks.
        let j = i - 1;
        let block = false;
        while (j >= 0) {
          const t = toks[j];
          if (t.k === "id" && CLASS_KEYS.has(t.t)) { block = true; break; }
          if (t.k === "id" || t.t === "::" || t.t === "*" || t.t === "&" || t.t === "&&") { j--; continue; }
          if (t.t === ">") {
            const lt = templateOpen(toks, match, j);
            if (lt < 0) break;
            j = lt - 1;
            continue;
          }
          break;
        }
        if (j >= 0 && toks[j].t === "->") block = true;
        kind[i] = block ? "block" : "init";
      } else kind[i] = "init";
    }
  }
  return { kind, lambdaEnd };
}

// ---------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------

const EXPR_BRACKETS = new Set(["call", "paren", "init", "subscript"]);

// The qualified name called by the `(` at index `open`, templates dropped:
// { name: "std::span", member: false } or { name: "prepare", member: true }.
function calleeOf(toks, match, open) {
  let j = open - 1;
  const p = toks[j];
  if (!p) return { name: "", member: false };
  if (p.t === ")" || p.t === "]") return { name: p.t === ")" ? "(...)" : "[...]", member: false };
  if (p.t === ">") j = templateOpen(toks, match, j) - 1;
  if (j < 0 || toks[j].k !== "id") return { name: "", member: false };
  const parts = [toks[j].t];
  while (j >= 2 && toks[j - 1].t === "::") {
    if (toks[j - 2].k === "id") {
      parts.unshift(toks[j - 2].t);
      j -= 2;
    } else if (toks[j - 2].t === ">") {
      const lt = templateOpen(toks, match, j - 2);
      if (lt < 1 || toks[lt - 1].k !== "id") break;
      parts.unshift(toks[lt - 1].t);
      j = lt - 1;
    } else break;
  }
  if (j >= 1 && toks[j - 1].t === "::") j--; // ::global
  const before = toks[j - 1];
  const member = !!before && (before.t === "." || before.t === "->");
  return { name: parts.join("::"), member };
}

function callAllowed(callee, emptyArgs) {
  if (callee.member) {
    const m = ALLOWED_MEMBER_CALLS.get(callee.name);
    return !!m && (m.args || emptyArgs);
  }
  return ALLOWED_CALLS.has(callee.name);
}

// The call groups that the co_await at index `c` awaits: the postfix chain of
// its operand, e.g. `ex.out.write_chunk(bytes)` or `std::move(task)`. The last
// call of the chain is the awaited one; earlier calls in it make temporaries.
function awaitedCall(toks, match, kind, c) {
  let j = c + 1;
  let last = -1;
  const tok = (k) => toks[k] || { t: "", k: "" };
  const templateArgs = () => {
    if (tok(j).t !== "<") return;
    const gt = templateClose(toks, match, j);
    if (gt > 0 && ["(", "::", "{"].includes(tok(gt + 1).t)) j = gt + 1;
  };
  if (tok(j).t === "::") j++;
  if (tok(j).k === "id" && !EXPR_KEYWORDS.has(tok(j).t)) {
    j++;
    templateArgs();
    while (tok(j).t === "::" && tok(j + 1).k === "id") {
      j += 2;
      templateArgs();
    }
  } else if (tok(j).t === "(" && match[j] > 0) {
    j = match[j] + 1;
  } else return -1;
  for (;;) {
    const t = tok(j);
    if (t.t === "(" && kind[j] === "call" && match[j] > 0) {
      last = j;
      j = match[j] + 1;
    } else if (t.t === "[" && kind[j] === "subscript" && match[j] > 0) {
      j = match[j] + 1;
    } else if ((t.t === "." || t.t === "->") && tok(j + 1).k === "id") {
      j += tok(j + 1).t === "template" ? 3 : 2;
      templateArgs();
    } else break;
  }
  return last;
}

// The full-expression around the co_await at index `c`: [start, end] token
// indices, plus its bracket context.
function fullExpression(toks, match, parent, kind, c) {
  const ancestors = [];
  let a = parent[c];
  while (a >= 0 && EXPR_BRACKETS.has(kind[a])) {
    ancestors.push(a);
    a = parent[a];
  }
  const container = a; // a block, lambda body, condition head or nothing
  const isBoundaryAt = (j) => {
    const t = toks[j];
    if (t.k === "op" && t.t === ";") return true;
    if (t.k === "id" && (t.t === "else" || t.t === "do" || t.t === "try")) return true;
    return false;
  };
  // Whether the `:` at index j belongs to a conditional operator: a `?` at the
  // same level before the start of the statement.
  const colonOfConditional = (j) => {
    for (let k = j - 1; k >= 0 && k > container; k--) {
      const t = toks[k];
      if (t.k === "op" && CLOSERS[t.t] && match[k] >= 0) {
        if ((t.t === ")" && kind[match[k]] === "cond") || (t.t === "}" && kind[match[k]] === "block")) return false;
        k = match[k];
        continue;
      }
      if (t.k === "op" && OPENERS[t.t]) {
        if (!EXPR_BRACKETS.has(kind[k])) return false;
        continue;
      }
      if (isBoundaryAt(k)) return false;
      if (t.t === "?") return true;
    }
    return false;
  };
  let start = c;
  for (let j = c - 1; j > container; j--) {
    const t = toks[j];
    if (t.k === "op" && CLOSERS[t.t] && match[j] >= 0) {
      const o = match[j];
      if (t.t === ")" && kind[o] === "cond") break; // the head of if/while/for/switch
      if (t.t === "}" && kind[o] === "block") break;
      j = o;
      start = j;
      continue;
    }
    if (t.k === "op" && OPENERS[t.t] && !EXPR_BRACKETS.has(kind[j])) break;
    if (isBoundaryAt(j)) break;
    if (t.k === "op" && t.t === ":" && !colonOfConditional(j)) break;
    start = j;
  }
  let end = c;
  const limit = container >= 0 && match[container] >= 0 ? match[container] : toks.length;
  for (let j = c + 1; j < limit; j++) {
    const t = toks[j];
    if (t.k === "op" && OPENERS[t.t]) {
      if (t.t === "{" && kind[j] === "block") break;
      if (match[j] < 0) break;
      j = match[j];
      end = j;
      continue;
    }
    if (t.k === "op" && CLOSERS[t.t]) {
      if (match[j] < 0 || !ancestors.includes(match[j])) break;
      end = j;
      continue;
    }
    if (t.k === "op" && t.t === ";") break;
    end = j;
  }
  return { start, end, ancestors, container };
}

const oneLine = (s) => s.replace(/\s+/g, " ").trim();

// Checks one source text. Returns [{ line, reasons: [string], expr }], one per
// unsafe full-expression, in source order.
export function checkSource(text) {
  const { code, display } = strip(text);
  const toks = tokenize(code);
  const { match, parent } = matchBrackets(toks);
  const { kind, lambdaEnd } = classify(toks, match);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  const lineOf = (pos) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const src = (from, to) => oneLine(display.slice(toks[from].s, toks[to].e));

  const findings = [];
  const seen = new Set();
  for (let c = 0; c < toks.length; c++) {
    if (toks[c].k !== "id" || toks[c].t !== "co_await") continue;
    if (c > 0 && toks[c - 1].t === "operator") continue; // operator co_await
    const fe = fullExpression(toks, match, parent, kind, c);
    const key = `${fe.start}:${fe.end}`;
    if (seen.has(key)) continue;
    seen.add(key);

    // Every co_await at this level of the full-expression (not in lambdas),
    // the calls they await and the brackets around them.
    const awaits = [];
    const exempt = new Set();
    for (let j = fe.start; j <= fe.end; j++) {
      if (lambdaEnd[j] >= 0 && kind[j] === "lambda") {
        j = lambdaEnd[j];
        continue;
      }
      if (toks[j].k === "id" && toks[j].t === "co_await") {
        awaits.push(j);
        const call = awaitedCall(toks, match, kind, j);
        if (call >= 0) exempt.add(call);
        for (let a = parent[j]; a >= 0 && a >= fe.start; a = parent[a]) exempt.add(a);
      }
    }

    const reasons = [];
    const add = (r) => {
      if (!reasons.includes(r)) reasons.push(r);
    };
    if (fe.container >= 0 && kind[fe.container] === "cond") {
      const kw = toks[fe.container - 1].t === "constexpr" ? "if constexpr" : toks[fe.container - 1].t;
      add(`co_await inside ${kw} (...)`);
    }
    if (awaits.length > 1) add(`${awaits.length} co_awaits in one full-expression`);
    for (let j = fe.start; j <= fe.end; j++) {
      const t = toks[j];
      if (t.k !== "op") continue;
      if (t.t === "[" && kind[j] === "lambda") {
        add(`lambda ${match[j] >= 0 ? src(j, match[j]) : "["}`);
        j = lambdaEnd[j];
        continue;
      }
      if (t.t === "?") add("conditional ?: operator");
      else if (t.t === "+" && endsOperand(toks[j - 1], true)) add("binary +");
      else if (t.t === "{" && kind[j] === "init") {
        const close = match[j];
        const text = close >= 0 && close - j <= 6 ? src(j, close) : "{...}";
        add(`braced initializer ${text}`);
      } else if (t.t === "(" && kind[j] === "call" && !exempt.has(j)) {
        const callee = calleeOf(toks, match, j);
        const emptyArgs = match[j] === j + 1;
        if (!callAllowed(callee, emptyArgs)) {
          const name = `${callee.member ? "." : ""}${callee.name || "(...)"}`;
          add(`nested call ${name}(${emptyArgs ? "" : "..."})`);
        }
      }
    }
    if (reasons.length) {
      findings.push({ line: lineOf(toks[awaits[0] ?? c].s), reasons, expr: src(fe.start, fe.end) });
    }
  }
  return findings;
}

export const formatFinding = (file, f) => `${file}:${f.line}: ${f.reasons.join("; ")}: ${f.expr}`;

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function collect(path, out) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return false;
  }
  if (st.isDirectory()) {
    for (const e of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith(".")) continue;
      const p = join(path, e.name);
      if (e.isDirectory()) collect(p, out);
      else if (EXTENSIONS.some((x) => e.name.endsWith(x))) out.push(p);
    }
  } else out.push(path);
  return true;
}

export function main(args) {
  const roots = args.length ? args.map((a) => resolve(a)) : DEFAULT_DIRS.map((d) => join(repoRoot, d));
  const files = [];
  for (const r of roots) {
    if (!collect(r, files)) {
      if (args.length) {
        console.error(`check-co-await: no such file or directory: ${r}`);
        return 2;
      }
    }
  }
  let count = 0;
  for (const file of files) {
    const rel = relative(repoRoot, file);
    const label = rel.startsWith("..") ? file : rel.split(sep).join("/");
    for (const f of checkSource(readFileSync(file, "utf8"))) {
      console.log(formatFinding(label, f));
      count++;
    }
  }
  if (count) {
    console.error(
      `check-co-await: ${count} unsafe co_await expression${count === 1 ? "" : "s"} in ${files.length} files ` +
        "(bind temporaries to named locals before the co_await; see scripts/check-co-await.mjs)",
    );
    return 1;
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
