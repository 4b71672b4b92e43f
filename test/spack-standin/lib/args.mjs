import { isV1, V1_HELP } from './dialect.mjs';
// argparse-like parsing with Spack's behaviour: argparse errors (missing
// positionals, bad choices, option without value) print usage and exit 2;
// unknown options end up in `unknown` (Spack then dies with exit 1).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from './util.mjs';

const HELP_DIR = fileURLToPath(new URL('../../fixtures/spack/help/', import.meta.url));

export function usageOf(helpName, prog) {
  // Spack 1.x help texts where the 1.1 recording has them (test/fixtures/spack-1.1/help/)
  const v1 = isV1() && existsSync(`${V1_HELP}${helpName}.txt`) ? `${V1_HELP}${helpName}.txt` : null;
  const f = v1 ?? `${HELP_DIR}${helpName}.txt`;
  if (existsSync(f)) {
    const lines = readFileSync(f, 'utf8').split('\n');
    const end = lines.findIndex((l) => l.trim() === '');
    return lines.slice(0, end < 0 ? lines.length : end).join('\n') + '\n';
  }
  return `usage: ${prog} [-h] ...\n`;
}

// spec: {prog, help, options: [{flags, dest, kind: 'bool'|'value'|'append'|'count', choices, default}], positionals: [{dest, nargs}]}
export function parseArgs(spec, argv) {
  const res = { unknown: [] };
  for (const o of spec.options ?? []) res[o.dest] = o.default ?? (o.kind === 'append' ? [] : o.kind === 'count' ? 0 : o.kind === 'bool' ? false : null);
  const positional = [];
  const usage = () => usageOf(spec.help, spec.prog);
  const fail = (msg) => {
    throw new UsageError(usage(), spec.prog, msg);
  };
  const find = (flag) => (spec.options ?? []).find((o) => o.flags.includes(flag));
  const apply = (o, flag, value) => {
    if (o.kind === 'bool') res[o.dest] = o.value ?? true;
    else if (o.kind === 'count') res[o.dest]++;
    else {
      if (value === undefined) fail(`argument ${o.flags.join('/')}: expected one argument`);
      if (o.choices && !o.choices.includes(value)) fail(`argument ${o.flags.join('/')}: invalid choice: '${value}' (choose from ${o.choices.map((c) => `'${c}'`).join(', ')})`);
      if (o.kind === 'append') res[o.dest].push(value);
      else res[o.dest] = value;
    }
  };
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (onlyPositional || !a.startsWith('-') || a === '-' || /^-\d/.test(a)) {
      positional.push(a);
      continue;
    }
    if (a === '--') {
      onlyPositional = true;
      continue;
    }
    if (a === '-h' || a === '--help') {
      const e = new Error('help');
      e.help = true;
      throw e;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const flag = eq >= 0 ? a.slice(0, eq) : a;
      let o = find(flag);
      if (!o) {
        const cands = (spec.options ?? []).filter((x) => x.flags.some((f) => f.startsWith('--') && f.startsWith(flag)));
        if (cands.length === 1) o = cands[0];
      }
      if (!o) {
        res.unknown.push(a);
        continue;
      }
      if (o.kind === 'bool' || o.kind === 'count') apply(o, flag);
      else apply(o, flag, eq >= 0 ? a.slice(eq + 1) : argv[++i]);
      continue;
    }
    // short options, possibly combined
    let j = 1;
    while (j < a.length) {
      const flag = '-' + a[j];
      const o = find(flag);
      if (!o) {
        res.unknown.push(j === 1 ? a : flag);
        break;
      }
      if (o.kind === 'bool' || o.kind === 'count') {
        apply(o, flag);
        j++;
      } else {
        const rest = a.slice(j + 1);
        apply(o, flag, rest !== '' ? rest : argv[++i]);
        break;
      }
    }
  }
  // positionals
  let k = 0;
  const missing = [];
  for (const p of spec.positionals ?? []) {
    if (p.nargs === '*' || p.nargs === 'rest') {
      res[p.dest] = positional.slice(k);
      k = positional.length;
    } else if (p.nargs === '+') {
      if (k >= positional.length) missing.push(p.dest);
      res[p.dest] = positional.slice(k);
      k = positional.length;
    } else if (p.nargs === '?') {
      res[p.dest] = k < positional.length ? positional[k++] : p.default ?? null;
    } else {
      if (k < positional.length) res[p.dest] = positional[k++];
      else missing.push(p.metavar ?? p.dest);
    }
    if (p.choices && res[p.dest] && !p.choices.includes(res[p.dest])) {
      fail(`argument ${p.dest}: invalid choice: '${res[p.dest]}' (choose from ${p.choices.map((c) => `'${c}'`).join(', ')})`);
    }
  }
  if (missing.length) fail(`the following arguments are required: ${missing.join(', ')}`);
  if (k < positional.length) res.unknown.push(...positional.slice(k));
  return res;
}
