// Small helpers shared by the Spack stand-in: Spack-like tty output, errors,
// hashing and Python-compatible JSON rendering.
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';

export function out(text) {
  writeSync(1, text);
}
export function err(text) {
  writeSync(2, text);
}

// llnl.util.tty: first line "==> msg", extra args indented by two spaces.
function ttyLines(prefix, message, args) {
  let s = `==> ${prefix}${message}\n`;
  for (const a of args) s += `  ${a}\n`;
  return s;
}
export const tty = {
  msg(message, ...args) {
    out(ttyLines('', message, args));
  },
  info(message, ...args) {
    out(ttyLines('', message, args));
  },
  warn(message, ...args) {
    err(ttyLines('Warning: ', message, args));
  },
  error(message, ...args) {
    err(ttyLines('Error: ', message, args));
  },
  debug(message) {
    if (process.env.__STANDIN_DEBUG) err(`==> [${debugStamp()}] ${message}\n`);
  },
};

function debugStamp() {
  const d = new Date();
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

// spack.error.SpackError: printed as "==> Error: message" followed by the raw
// long message (print_context), exit code 1 unless stated otherwise.
export class SpackError extends Error {
  constructor(message, longMessage = null, opts = {}) {
    super(message);
    this.longMessage = longMessage;
    this.exitCode = opts.exitCode ?? 1;
    this.printed = false;
    this.className = opts.className ?? 'SpackError';
  }
  toString() {
    // SpackError.__str__
    let m = this.message;
    if (this.longMessage) m += `\n    ${this.longMessage}`;
    return m;
  }
  printContext() {
    if (this.printed) return;
    err(`==> Error: ${this.message}\n`);
    if (this.longMessage) err(`${this.longMessage}\n`);
    this.printed = true;
  }
}

// tty.die(message, *args)
export class Die extends Error {
  constructor(message, ...args) {
    super(message);
    this.args = args;
    this.exitCode = 1;
  }
}

// argparse errors: usage + "prog: error: msg", exit 2
export class UsageError extends Error {
  constructor(usage, prog, message) {
    super(message);
    this.usage = usage;
    this.prog = prog;
    this.exitCode = 2;
  }
}

// Direct exit with already-printed output.
export class Exit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.exitCode = code;
  }
}

export function sha256hex(data) {
  return createHash('sha256').update(data).digest('hex');
}

export function b32(buf) {
  const a = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let val = 0;
  let o = '';
  for (const b of buf) {
    val = ((val << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      o += a[(val >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) o += a[(val << (5 - bits)) & 31];
  return o;
}

// spack.util.hash.b32_hash: base32(sha1(text)), lower case, 32 chars.
export function dagHashOf(text) {
  return b32(createHash('sha1').update(text).digest());
}

// base64.b32encode(sha256(text)).lower() incl. padding (package_hash style)
export function b32sha256Padded(text) {
  const s = b32(createHash('sha256').update(text).digest());
  return s + '='.repeat((8 - (s.length % 8)) % 8);
}

// json.dumps(obj, indent=0, separators=(",", ":")) as Python prints it.
export function pyJsonIndent0(v) {
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[\n' + v.map((x) => pyJsonIndent0(x)).join(',\n') + '\n]';
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    return '{\n' + keys.map((k) => JSON.stringify(k) + ':' + pyJsonIndent0(v[k])).join(',\n') + '\n}';
  }
  return pyJsonScalar(v);
}

function pyJsonScalar(v) {
  if (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v)) return String(v);
  return JSON.stringify(v);
}

// Python's repr() of a bytes object (for fsys.filesummary output).
export function pyBytesRepr(buf) {
  let s = "b'";
  for (const c of buf) {
    if (c === 0x5c) s += '\\\\';
    else if (c === 0x27) s += "\\'";
    else if (c === 0x0a) s += '\\n';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x09) s += '\\t';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\x' + c.toString(16).padStart(2, '0');
  }
  return s + "'";
}

// Python repr of a list of strings: ['a', 'b']
export function pyListRepr(items) {
  return '[' + items.map((i) => `'${i}'`).join(', ') + ']';
}

// tty.hline used by `spack find` group headers (64 columns when not a tty)
export function hline(label, width = 64) {
  const prefix = '-- ';
  return prefix + label + ' ' + '-'.repeat(Math.max(0, width - prefix.length - label.length));
}

export function fmtSeconds(s) {
  return `${s.toFixed(2)}s`;
}
