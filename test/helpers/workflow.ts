/**
 * Runs a GitHub Actions workflow's `run:` steps locally, in job order, with the environment
 * GitHub gives them (GITHUB_WORKSPACE, GITHUB_SHA, GITHUB_REF, GITHUB_OUTPUT, RUNNER_TEMP, …)
 * and its `${{ }}` expressions evaluated. `uses:` steps are skipped, except actions/checkout,
 * which is done with git, and actions/upload-artifact and download-artifact, which keep the
 * run's artifacts in a folder of their own. Each job (and each matrix entry) runs in a fresh
 * workspace and temp folder, with a fresh machine from `machine()` (HOME, Spack): like a
 * fresh runner. `cancelAt` cancels the run when that job is due (as a newer push would).
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

type Value = unknown;

// ------------------------------------------------------------- expressions
type Token = { kind: 'str' | 'num' | 'id' | 'op' | 'punct'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= text.length) throw new Error(`unterminated string in ${text}`);
        if (text[j] === "'" && text[j + 1] === "'") {
          s += "'";
          j += 2;
        } else if (text[j] === "'") break;
        else s += text[j++];
      }
      tokens.push({ kind: 'str', value: s });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(i))!;
      tokens.push({ kind: 'num', value: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'id', value: m[0] });
      i += m[0].length;
    } else {
      const op = ['==', '!=', '<=', '>=', '&&', '||'].find((o) => text.startsWith(o, i)) ?? c;
      tokens.push({ kind: '!<>'.includes(op) || op.length === 2 ? 'op' : 'punct', value: op });
      i += op.length;
    }
  }
  return tokens;
}

export interface ExpressionContext {
  contexts: Record<string, Value>;
  status: { success: boolean; failure: boolean; cancelled?: boolean };
}

const truthy = (v: Value) => !(v === false || v === 0 || v === '' || v === null || v === undefined || Number.isNaN(v));
const toNumber = (v: Value): number => (v === null || v === undefined || v === '' ? 0 : v === true ? 1 : v === false ? 0 : typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN);
function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b) return a === b;
  return toNumber(a) === toNumber(b);
}
export function toText(v: Value): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function evaluate(text: string, ctx: ExpressionContext): Value {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const take = (value?: string) => {
    const t = tokens[at++];
    if (!t || (value && t.value !== value)) throw new Error(`expected ${value ?? 'a token'} in ${text}`);
    return t;
  };
  const functions: Record<string, (...args: Value[]) => Value> = {
    fromjson: (s) => JSON.parse(String(s)),
    tojson: (v) => JSON.stringify(v, null, 2),
    format: (f, ...args) => String(f).replace(/\{(\d+)\}/g, (_, n: string) => toText(args[Number(n)])),
    contains: (hay, needle) => (Array.isArray(hay) ? hay.some((h) => looseEquals(h, needle)) : toText(hay).toLowerCase().includes(toText(needle).toLowerCase())),
    startswith: (s, p) => toText(s).toLowerCase().startsWith(toText(p).toLowerCase()),
    endswith: (s, p) => toText(s).toLowerCase().endsWith(toText(p).toLowerCase()),
    join: (a, sep) => (Array.isArray(a) ? a.map(toText).join(sep === undefined ? ',' : toText(sep)) : toText(a)),
    always: () => true,
    success: () => ctx.status.success,
    failure: () => ctx.status.failure,
    cancelled: () => ctx.status.cancelled ?? false,
  };
  const primary = (): Value => {
    const t = take();
    if (t.kind === 'str') return t.value;
    if (t.kind === 'num') return Number(t.value);
    if (t.value === '(') {
      const v = or();
      take(')');
      return v;
    }
    if (t.value === '!') return !truthy(unary());
    if (t.kind !== 'id') throw new Error(`unexpected ${t.value} in ${text}`);
    if (t.value === 'true') return true;
    if (t.value === 'false') return false;
    if (t.value === 'null') return null;
    let value: Value;
    if (peek()?.value === '(') {
      take('(');
      const args: Value[] = [];
      while (peek()?.value !== ')') {
        args.push(or());
        if (peek()?.value === ',') take(',');
      }
      take(')');
      const fn = functions[t.value.toLowerCase()];
      if (!fn) throw new Error(`unknown function ${t.value}`);
      value = fn(...args);
    } else {
      if (!(t.value in ctx.contexts)) throw new Error(`unknown context ${t.value} in ${text}`);
      value = ctx.contexts[t.value];
    }
    for (;;) {
      if (peek()?.value === '.') {
        take('.');
        const name = take().value;
        // Object filter: needs.*.result is the list of every need's result.
        if (name === '*') value = value && typeof value === 'object' ? Object.values(value as Record<string, Value>) : [];
        else if (Array.isArray(value) && !/^\d+$/.test(name)) value = value.map((v) => (v && typeof v === 'object' ? (v as Record<string, Value>)[name] : undefined));
        else value = value && typeof value === 'object' ? (value as Record<string, Value>)[name] : undefined;
      } else if (peek()?.value === '[') {
        take('[');
        const key = or();
        take(']');
        value = value && typeof value === 'object' ? (value as Record<string, Value>)[toText(key)] : undefined;
      } else break;
    }
    return value;
  };
  const unary = (): Value => primary();
  const compare = (): Value => {
    let left = unary();
    while (['==', '!=', '<', '>', '<=', '>='].includes(peek()?.value ?? '')) {
      const op = take().value;
      const right = unary();
      if (op === '==') left = looseEquals(left, right);
      else if (op === '!=') left = !looseEquals(left, right);
      else {
        const [a, b] = [toNumber(left), toNumber(right)];
        left = op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
      }
    }
    return left;
  };
  const and = (): Value => {
    let left = compare();
    while (peek()?.value === '&&') {
      take();
      const right = compare();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const or = (): Value => {
    let left = and();
    while (peek()?.value === '||') {
      take();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const value = or();
  if (at !== tokens.length) throw new Error(`unexpected ${tokens[at]!.value} in ${text}`);
  return value;
}

export function interpolate(text: string, ctx: ExpressionContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => toText(evaluate(expr, ctx)));
}

function condition(text: string | boolean | undefined, ctx: ExpressionContext): boolean {
  if (text === undefined) return ctx.status.success;
  const expr = String(text).trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const withStatus = /\b(success|failure|always|cancelled)\(\)/.test(expr) ? expr : `success() && (${expr})`;
  return truthy(evaluate(withStatus, ctx));
}

// ------------------------------------------------------------------ running
interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  outputs?: Record<string, string>;
  strategy?: { matrix?: unknown };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

export interface Machine {
  home: string;
  /** Environment of this runner (PATH with Spack, SPACK_ROOT, …). */
  env: Record<string, string>;
}

export interface WorkflowRunOptions {
  /** The workflow file. */
  file: string;
  /** The bare repository actions/checkout clones from, and the commit to check out. */
  remote: string;
  sha: string;
  /** github.* context: event_name, ref, event, repository, … */
  github: Record<string, Value>;
  secrets: Record<string, string>;
  /** A fresh runner for each job: its HOME and environment. */
  machine: (job: string) => Promise<Machine>;
  /** Workflow env values replaced for the local run (e.g. PAKS_PACKAGE → the checkout). */
  envOverrides?: Record<string, string>;
  /** Extra environment of every step (GITHUB_API_URL of a fake API, …). */
  extraEnv?: Record<string, string>;
  dir: string;
  /** Cancel the run when this job is due: it and every later job end as GitHub's cancelled ones do. */
  cancelAt?: string;
}

export interface StepRecord {
  job: string;
  matrix?: Record<string, Value>;
  step: string;
  exitCode: number;
  output: string;
}

export interface WorkflowRun {
  jobs: Record<string, { result: 'success' | 'failure' | 'skipped' | 'cancelled'; outputs: Record<string, string> }>;
  /** The artifacts the run uploaded: name → folder. */
  artifacts: Map<string, string>;
  steps: StepRecord[];
  /** All step output, for failure messages. */
  log(): string;
}

export async function runWorkflow(options: WorkflowRunOptions): Promise<WorkflowRun> {
  const workflow = parse(await readFile(options.file, 'utf8')) as Workflow;
  const results: WorkflowRun['jobs'] = {};
  const steps: StepRecord[] = [];
  const artifacts: Artifacts = { dir: await mkdtemp(join(options.dir, 'artifacts-')), names: new Map() };
  const order = jobOrder(workflow.jobs);
  let cancelled = false;
  for (const jobName of order) {
    const job = workflow.jobs[jobName]!;
    if (jobName === options.cancelAt) cancelled = true;
    const needs = [job.needs ?? []].flat();
    const needsContext = Object.fromEntries(needs.map((n) => [n, { result: results[n]!.result, outputs: results[n]!.outputs }]));
    const failedNeed = needs.some((n) => results[n]!.result === 'failure');
    const allSucceeded = needs.every((n) => results[n]!.result === 'success');
    const base: ExpressionContext = {
      contexts: { github: options.github, needs: needsContext, secrets: options.secrets, vars: {}, inputs: {}, env: {}, runner: { os: 'Linux', temp: '' } },
      status: { success: allSucceeded && !cancelled, failure: failedNeed, cancelled },
    };
    if (!condition(job.if, base)) {
      results[jobName] = { result: cancelled ? 'cancelled' : 'skipped', outputs: {} };
      continue;
    }
    if (cancelled) {
      // A job that would run even on cancellation (if: always()) runs; there is none to start otherwise.
      base.status = { success: false, failure: failedNeed, cancelled };
    }
    const matrixValue = job.strategy?.matrix;
    const matrix = typeof matrixValue === 'string' ? evaluate(matrixValue.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1'), base) : matrixValue;
    const entries = matrix ? ((matrix as { include?: Record<string, Value>[] }).include ?? []) : [undefined];
    let result: 'success' | 'failure' = 'success';
    let outputs: Record<string, string> = {};
    for (const entry of entries) {
      const run = await runJob(jobName, job, workflow, entry, base, options, steps, artifacts);
      if (!run.ok) result = 'failure';
      outputs = { ...outputs, ...run.outputs };
    }
    results[jobName] = { result: entries.length ? result : 'skipped', outputs };
  }
  return { jobs: results, steps, artifacts: artifacts.names, log: () => steps.map((s) => `--- ${s.job}${s.matrix ? ` ${JSON.stringify(s.matrix)}` : ''} / ${s.step} (exit ${s.exitCode})\n${s.output}`).join('\n') };
}

function jobOrder(jobs: Record<string, Job>): string[] {
  const done: string[] = [];
  const visit = (name: string) => {
    if (done.includes(name)) return;
    for (const n of [jobs[name]!.needs ?? []].flat()) visit(n);
    done.push(name);
  };
  for (const name of Object.keys(jobs)) visit(name);
  return done;
}

interface Artifacts {
  dir: string;
  names: Map<string, string>;
}

/** actions/upload-artifact and download-artifact (v4 and later): artifacts of this run, by name, immutable. */
async function artifactStep(uses: string, inputs: Record<string, string>, workspace: string, artifacts: Artifacts): Promise<{ exitCode: number; output: string }> {
  if (uses.startsWith('actions/upload-artifact@')) {
    const name = inputs.name ?? 'artifact';
    if (artifacts.names.has(name)) return { exitCode: 1, output: `an artifact named ${name} already exists in this run` };
    const source = inputs.path!.startsWith('/') ? inputs.path! : join(workspace, inputs.path!);
    const exists = await stat(source).then((s) => (s.isDirectory() ? readdir(source).then((e) => e.length > 0) : true), () => false);
    if (!exists) return { exitCode: (inputs['if-no-files-found'] ?? 'warn') === 'error' ? 1 : 0, output: `no files found at ${source}` };
    const target = join(artifacts.dir, String(artifacts.names.size));
    await cp(source, target, { recursive: true });
    artifacts.names.set(name, target);
    return { exitCode: 0, output: `uploaded ${name}` };
  }
  const path = inputs.path ? (inputs.path.startsWith('/') ? inputs.path : join(workspace, inputs.path)) : workspace;
  if (inputs.name) {
    const from = artifacts.names.get(inputs.name);
    if (!from) return { exitCode: 1, output: `no artifact named ${inputs.name}` };
    await cp(from, path, { recursive: true });
    return { exitCode: 0, output: `downloaded ${inputs.name}` };
  }
  const pattern = new RegExp(`^${(inputs.pattern ?? '*').replace(/[.+^${}()|[\]\\@]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const matched = [...artifacts.names.keys()].filter((n) => pattern.test(n));
  for (const name of matched) await cp(artifacts.names.get(name)!, inputs['merge-multiple'] === 'true' ? path : join(path, name), { recursive: true });
  return { exitCode: 0, output: `downloaded ${matched.length} artifacts: ${matched.join(', ')}` };
}

async function runJob(jobName: string, job: Job, workflow: Workflow, matrix: Record<string, Value> | undefined, base: ExpressionContext, options: WorkflowRunOptions, records: StepRecord[], artifacts: Artifacts): Promise<{ ok: boolean; outputs: Record<string, string> }> {
  const machine = await options.machine(jobName);
  const root = await mkdtemp(join(options.dir, `${jobName}-`));
  const workspace = join(root, 'workspace');
  const temp = join(root, 'runner-temp');
  await mkdir(workspace, { recursive: true });
  await mkdir(temp, { recursive: true });
  const ctx: ExpressionContext = { contexts: { ...base.contexts, matrix: matrix ?? {}, runner: { os: 'Linux', temp }, steps: {}, job: { status: 'success' } }, status: { success: true, failure: false, cancelled: base.status.cancelled ?? false } };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(workflow.env ?? {})) env[k] = options.envOverrides?.[k] ?? interpolate(String(v), ctx);
  ctx.contexts.env = env;
  for (const [k, v] of Object.entries(job.env ?? {})) env[k] = interpolate(String(v), ctx);
  const github = options.github as { ref?: string; event_name?: string; repository?: string; actor?: string };
  const githubEnv: Record<string, string> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_SHA: options.sha,
    GITHUB_REF: String(github.ref ?? ''),
    GITHUB_REF_NAME: String(github.ref ?? '').replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_EVENT_NAME: String(github.event_name ?? ''),
    GITHUB_REPOSITORY: String(github.repository ?? ''),
    GITHUB_REPOSITORY_OWNER: String(github.repository ?? '').split('/')[0]!,
    GITHUB_ACTOR: String(github.actor ?? 'maintainer'),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_RUN_ID: '1',
    GITHUB_JOB: jobName,
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: temp,
    HOME: machine.home,
    ...options.extraEnv,
  };
  const steps: Record<string, { outputs: Record<string, string>; outcome: string }> = {};
  ctx.contexts.steps = steps;
  let failed = false;
  let path = '';
  for (const [index, step] of job.steps.entries()) {
    ctx.status = { success: !failed, failure: failed, cancelled: base.status.cancelled ?? false };
    if (!condition(step.if, ctx)) continue;
    const label = step.name ? interpolate(step.name, ctx) : step.uses ?? `step ${index + 1}`;
    if (step.uses) {
      if (step.uses.startsWith('actions/checkout@')) {
        const depth = Number(step.with?.['fetch-depth'] ?? 1);
        const clone = await sh(['git', 'clone', '--quiet', ...(depth > 0 ? ['--no-single-branch', `--depth=${depth}`] : []), `file://${options.remote}`, workspace], root, process.env as Record<string, string>);
        const checkout = clone.exitCode === 0 ? await sh(['git', 'checkout', '--quiet', '--detach', options.sha], workspace, process.env as Record<string, string>) : clone;
        records.push({ job: jobName, ...(matrix ? { matrix } : {}), step: label, exitCode: checkout.exitCode, output: clone.output + checkout.output });
        if (checkout.exitCode !== 0) failed = true;
      } else if (/^actions\/(upload|download)-artifact@/.test(step.uses)) {
        const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), ctx)]));
        const result = await artifactStep(step.uses, inputs, workspace, artifacts);
        records.push({ job: jobName, ...(matrix ? { matrix } : {}), step: label, exitCode: result.exitCode, output: result.output });
        if (step.id) steps[step.id] = { outputs: {}, outcome: result.exitCode === 0 ? 'success' : 'failure' };
        if (result.exitCode !== 0) failed = true;
      }
      continue;
    }
    if (!step.run) continue;
    const stepEnv: Record<string, string> = { ...env };
    for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(String(v), ctx);
    const files = { GITHUB_OUTPUT: join(temp, `output-${index}`), GITHUB_ENV: join(temp, `env-${index}`), GITHUB_PATH: join(temp, `path-${index}`), GITHUB_STEP_SUMMARY: join(temp, `summary-${index}`) };
    for (const f of Object.values(files)) await writeFile(f, '');
    const script = join(temp, `step-${index}.sh`);
    await writeFile(script, interpolate(step.run, ctx));
    const processEnv = { ...machine.env, ...githubEnv, ...stepEnv, ...files, PATH: `${path}${machine.env.PATH ?? process.env.PATH}` };
    // GitHub's default shell for run: steps on Linux.
    const result = await sh(['bash', '--noprofile', '--norc', '-eo', 'pipefail', script], workspace, processEnv);
    records.push({ job: jobName, ...(matrix ? { matrix } : {}), step: label, exitCode: result.exitCode, output: result.output });
    const outputs = parseKeyValues(await readFile(files.GITHUB_OUTPUT, 'utf8'));
    if (step.id) steps[step.id] = { outputs, outcome: result.exitCode === 0 ? 'success' : 'failure' };
    Object.assign(env, parseKeyValues(await readFile(files.GITHUB_ENV, 'utf8')));
    for (const line of (await readFile(files.GITHUB_PATH, 'utf8')).split('\n').filter(Boolean)) path = `${line}:${path}`;
    if (result.exitCode !== 0) failed = true;
  }
  ctx.status = { success: !failed, failure: failed };
  const outputs = Object.fromEntries(Object.entries(job.outputs ?? {}).map(([k, v]) => [k, interpolate(v, ctx)]));
  return { ok: !failed, outputs };
}

/** KEY=value lines and KEY<<DELIM heredocs, as GITHUB_OUTPUT and GITHUB_ENV hold them. */
function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      out[heredoc[1]!] = value.join('\n');
    } else if (line.includes('=')) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}

function sh(argv: string[], cwd: string, env: Record<string, string>): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, output }));
  });
}
