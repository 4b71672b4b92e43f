import { PaksError } from '../errors.js';

export interface SpackErrorSummary {
  /** The first `==> Error:` sentence. */
  reason: string;
  /** Indented follow-up lines that explain it (reasons, suggestions), de-duplicated. */
  details: string[];
}

/** Reads Spack's own reason out of its stderr (`==> Error: ...` plus indented lines). */
export function summarizeSpackError(stderr: string, stdout = ''): SpackErrorSummary | undefined {
  const lines = stderr.split('\n');
  const start = lines.findIndex((line) => line.startsWith('==> Error: '));
  if (start < 0) {
    const usage = lines.find((line) => /^spack[\w -]*: error: /.test(line));
    return usage ? { reason: usage.replace(/^spack[\w -]*: error: /, ''), details: [] } : undefined;
  }
  const reason = lines[start]!
    .slice('==> Error: '.length)
    .trim()
    .replace(/'spack\.pkg\.[\w]+\.([\w-]+)'/g, "'$1'")
    .replace(/ for the following reasons:?$/, ':');
  const details: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('==> Error: ')) {
      const more = line.slice('==> Error: '.length).trim();
      if (more && !details.includes(more)) details.push(more);
      continue;
    }
    const text = line.trim().replace(/^\d+\.\s+/, '');
    if (!text || /^required because/.test(text)) continue;
    if (!details.includes(text) && !reason.includes(text)) details.push(text);
  }
  void stdout;
  return { reason, details };
}

export interface SpackFailure {
  args: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** One readable error for a failed Spack command, with Spack's own reason in it. */
export function spackCommandError(failure: SpackFailure, doing: string): PaksError {
  const summary = summarizeSpackError(failure.stderr, failure.stdout);
  const command = `spack ${failure.args.join(' ')}`;
  // Spack's own debug flag goes before the command: `spack -d install …`.
  const debugCommand = `spack -d ${failure.args.join(' ')}`;
  // A SpecSyntaxError is a plain Exception in Spack 0.23, so Spack exits 3 as if bootstrapping failed.
  const syntax = /unexpected (?:characters|tokens) in the spec string|a single spec was requested/.exec(failure.stderr);
  if (syntax) {
    const spec = failure.stderr.slice(syntax.index).split('\n')[1]?.trim();
    return new PaksError('usage', `Spack could not ${doing}: ${spec ? `"${spec}" is not a valid spec` : 'a spec is not valid'} (${syntax[0]}).`, {
      hint: 'Spack specs read name@version +variant ~variant key=value %compiler ^dependency, e.g. zlib@1.3.1+shared',
    });
  }
  if (failure.exitCode === 3) {
    return new PaksError('spack', `Spack could not ${doing}: ${summary?.reason ?? 'it failed to bootstrap its own tools'}.`, {
      hint: `Spack exits with 3 when it cannot bootstrap (clingo, gnupg) or reach a TLS server. Run "paks doctor", or "${debugCommand}" for details.`,
    });
  }
  if (!summary) {
    return new PaksError('spack', `Spack could not ${doing}: ${lastLines(failure.stderr || failure.stdout)}.`, { hint: `"${command}" exited with ${failure.exitCode}.` });
  }
  // Spack's advice lines ("use `spack uninstall --dependents`...") read best as the hint.
  const advice = summary.details.filter((d) => /^(use|run|try)\b/i.test(d));
  const reasons = summary.details.filter((d) => !advice.includes(d)).slice(0, 3);
  const head = summary.reason.replace(/[.]$/, '');
  const reason = reasons.length ? `${head.endsWith(':') ? head : `${head}:`} ${reasons.join('; ')}` : head;
  return new PaksError('spack', `Spack could not ${doing}: ${reason.replace(/[.]$/, '')}.`, advice.length ? { hint: advice.join(' ') } : {});
}

function lastLines(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(-3).join(' / ') || 'it exited without saying why';
}
