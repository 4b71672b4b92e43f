#!/usr/bin/env node
// Spack 0.23 stand-in used by Paks' tests in place of a real Spack checkout.
// See test/fixtures/spack/README.md for what it reproduces and its knobs.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { usageOf } from './lib/args.mjs';
import { allCachedNodes } from './lib/buildcache.mjs';
import { commands, SPACK_VERSION } from './lib/commands.mjs';
import { Context } from './lib/context.mjs';
import { isV1, V1_HELP } from './lib/dialect.mjs';
import { Die, err, Exit, out, SpackError, UsageError } from './lib/util.mjs';

const HELP = fileURLToPath(new URL('../fixtures/spack/help/', import.meta.url));

function main(argv) {
  const customScopes = [];
  const commandLine = [];
  let debug = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) break;
    if (a === '-C' || a === '--config-scope') customScopes.push(argv[++i]);
    else if (a.startsWith('--config-scope=')) customScopes.push(a.slice(15));
    else if (a.startsWith('-C') && a.length > 2) customScopes.push(a.slice(2));
    else if (a === '-c' || a === '--config') commandLine.push(argv[++i]);
    else if (a.startsWith('--config=')) commandLine.push(a.slice(9));
    else if (a.startsWith('-c') && a.length > 2) commandLine.push(a.slice(2));
    else if (a === '-d' || a === '--debug') debug = true;
    else if (a === '-V' || a === '--version') {
      out(`${SPACK_VERSION()}\n`);
      return 0;
    } else if (a === '-h' || a === '--help' || a === '-H' || a === '--all-help') {
      out(readFileSync(`${HELP}spack-all.txt`, 'utf8'));
      return 0;
    } else if (['-k', '--insecure', '-l', '--enable-locks', '-L', '--disable-locks', '-m', '--mock', '-b', '--bootstrap', '-p', '--profile', '-v', '--verbose', '--timestamp', '--pdb', '--stacktrace', '--backtrace', '-E', '--no-env', '--use-env-repo'].includes(a)) {
      /* accepted, no effect */
    } else if (a === '--color') i++;
    else if (a.startsWith('--color=')) {
      /* ignore */
    } else if (a === '-e' || a === '--env' || a === '-D' || a === '--env-dir') {
      throw new SpackError('The Spack stand-in does not support environments (-e/-D)');
    } else {
      throw new UsageError(usageOf('spack-all', 'spack'), 'spack', `unrecognized arguments: ${a}`);
    }
  }
  if (debug) process.env.__STANDIN_DEBUG = '1';
  const name = argv[i];
  const rest = argv.slice(i + 1);
  if (!name) {
    out(readFileSync(`${HELP}spack-all.txt`, 'utf8'));
    return 0;
  }
  const cmd = commands[name === 'rm' ? 'remove' : name];
  if (!cmd) throw new SpackError(`${name} is not a recognized Spack command or extension command; check with \`spack commands\`.`, null, { className: 'CommandNotFoundError' });
  if (rest.includes('-h') || rest.includes('--help')) {
    const sub = rest[0] && !rest[0].startsWith('-') ? `${name}-${rest[0]}` : name;
    const dirs = isV1() ? [V1_HELP, HELP] : [HELP];
    const f = [...dirs.map((d) => `${d}${sub}.txt`), ...dirs.map((d) => `${d}${name}.txt`)].find((x) => existsSync(x)) ?? `${HELP}${name}.txt`;
    if (existsSync(f)) {
      out(readFileSync(f, 'utf8'));
      return 0;
    }
  }
  const ctx = new Context({ customScopes, commandLine, debug });
  ctx.buildcacheNodes = () => {
    try {
      return allCachedNodes(ctx);
    } catch {
      return [];
    }
  };
  return cmd(ctx, rest) ?? 0;
}

let code = 0;
try {
  code = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    err(e.usage);
    err(`${e.prog}: error: ${e.message}\n`);
    code = 2;
  } else if (e instanceof Die) {
    err(`==> Error: ${e.message}\n`);
    for (const a of e.args) err(`  ${a}\n`);
    code = e.exitCode;
  } else if (e instanceof SpackError) {
    e.printContext();
    code = e.exitCode;
  } else if (e instanceof Exit) {
    code = e.exitCode;
  } else if (e?.help) {
    code = 0;
  } else {
    err(`==> Error: ${e?.message ?? e}\n`);
    if (process.env.__STANDIN_DEBUG) err(`${e?.stack}\n`);
    code = 1;
  }
}
process.exitCode = code;
