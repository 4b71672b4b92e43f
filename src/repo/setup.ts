/**
 * `paks repo setup` (and `paks repo init --github`): everything a package repository needs on
 * GitHub to publish, as data plus calls. Each desired setting is read, compared and written
 * only when it differs, so a second run changes nothing and says so. A token without a
 * permission gets one sentence naming it (as fine-grained tokens name it) and what to do by
 * hand instead; the other settings still get done.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PaksClient } from '../client.js';
import { PaksError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import {
  createRepository,
  ensureLabel,
  findRepository,
  getAuthenticatedLogin,
  formatRepository,
  getActionsVariable,
  getPages,
  getWorkflowPermissions,
  hasActionsSecret,
  hasLabel,
  missingPermission,
  setActionsSecret,
  setActionsVariable,
  setWorkflowPermissions,
  usePagesWorkflow,
  type GitHubRepository,
  type LabelSpec,
  type Octokit,
} from '../github/index.js';
import { registerSecret } from '../redact.js';
import { chooseSigningKey, createSigningKey, spackKeyring } from '../signing/keys.js';
import { readAcceptedPublicKeys } from '../trust/public-key.js';
import { UPDATE_LABEL } from '../upstream/pull-request.js';
import { git } from './git.js';
import { checkInitTarget, DEFAULT_PUBLIC_KEY } from './init.js';

/** The Actions secret the workflows sign with (src/repo/templates/workflows). */
export const SIGNING_KEY_SECRET = 'PAKS_SIGNING_KEY';
/** The fingerprint of the key stored in the secret (a secret cannot be read back; this can). */
export const SIGNING_KEY_FINGERPRINT_VARIABLE = 'PAKS_SIGNING_KEY_FINGERPRINT';
/** The labels the workflows put on pull requests. */
export const WORKFLOW_LABELS: readonly LabelSpec[] = [UPDATE_LABEL];

export interface RepositorySetting {
  /** What it is, as the settings page names it. */
  name: string;
  /** The fine-grained token permission writing it needs. */
  permission: string;
  /** What to do in the web UI instead. */
  byHand: string;
  /** Whether GitHub already has it as wanted, and what it has (reads only). */
  check(): Promise<{ ok: boolean; now: string }>;
  /** Makes it so; returns what it is now. */
  apply(): Promise<string>;
}

export interface SigningKeyForSecret {
  fingerprint: string;
  /** The armored secret key, read only when the secret has to be written. */
  secret(): Promise<string>;
}

function settingsUrl(repository: GitHubRepository, path: string): string {
  return `https://github.com/${formatRepository(repository)}/settings/${path}`;
}

/**
 * The repository settings Paks needs, in the order they are made. Without `key` (doctor), the
 * signing secret is checked against the committed public key's fingerprint (`expected`).
 */
export function repositorySettings(octokit: Octokit, repository: GitHubRepository, key: SigningKeyForSecret | { fingerprint: string | undefined; secret?: undefined }): RepositorySetting[] {
  const settings: RepositorySetting[] = [
    {
      name: `Actions secret ${SIGNING_KEY_SECRET}`,
      permission: 'Secrets: write',
      byHand: `export the secret key (gpg --armor --export-secret-keys ${key.fingerprint ?? 'FINGERPRINT'}) into a repository secret ${SIGNING_KEY_SECRET} at ${settingsUrl(repository, 'secrets/actions')}, and set the variable ${SIGNING_KEY_FINGERPRINT_VARIABLE} to its fingerprint`,
      async check() {
        const present = await hasActionsSecret(octokit, repository, SIGNING_KEY_SECRET);
        if (!present) return { ok: false, now: 'not set' };
        const recorded = await getActionsVariable(octokit, repository, SIGNING_KEY_FINGERPRINT_VARIABLE);
        if (!recorded) return { ok: false, now: `set, but no ${SIGNING_KEY_FINGERPRINT_VARIABLE} says which key it holds` };
        if (key.fingerprint && recorded.toUpperCase() !== key.fingerprint.toUpperCase()) return { ok: false, now: `holds key ${recorded}, not ${key.fingerprint}` };
        return { ok: true, now: `holds key ${recorded}` };
      },
      async apply() {
        if (!key.secret) throw new PaksError('usage', `No signing key to store in ${SIGNING_KEY_SECRET}.`);
        const armored = await key.secret();
        registerSecret(armored);
        await setActionsSecret(octokit, repository, SIGNING_KEY_SECRET, armored);
        await setActionsVariable(octokit, repository, SIGNING_KEY_FINGERPRINT_VARIABLE, key.fingerprint);
        return `holds key ${key.fingerprint}`;
      },
    },
    {
      name: 'GitHub Pages (source: GitHub Actions)',
      permission: 'Pages: write',
      byHand: `choose Source: GitHub Actions under Build and deployment at ${settingsUrl(repository, 'pages')}`,
      async check() {
        const site = await getPages(octokit, repository);
        if (!site) return { ok: false, now: 'off' };
        return { ok: site.buildType === 'workflow', now: site.buildType === 'workflow' ? `on${site.htmlUrl ? ` at ${site.htmlUrl}` : ''}` : `built from a branch (${site.buildType ?? 'legacy'})` };
      },
      async apply() {
        await usePagesWorkflow(octokit, repository, await getPages(octokit, repository));
        return 'on, deployed by the pages workflow';
      },
    },
    {
      name: 'Workflow token may open pull requests',
      permission: 'Administration: write',
      byHand: `tick "Allow GitHub Actions to create and approve pull requests" under Workflow permissions at ${settingsUrl(repository, 'actions')}`,
      async check() {
        const now = await getWorkflowPermissions(octokit, repository);
        return { ok: now.canApprovePullRequestReviews, now: now.canApprovePullRequestReviews ? 'allowed' : 'not allowed' };
      },
      async apply() {
        // Keep what the token may do by default: every Paks workflow names its own permissions.
        const now = await getWorkflowPermissions(octokit, repository);
        await setWorkflowPermissions(octokit, repository, { defaultPermissions: now.defaultPermissions, canApprovePullRequestReviews: true });
        return 'allowed';
      },
    },
    ...WORKFLOW_LABELS.map((label): RepositorySetting => ({
      name: `Label ${label.name}`,
      permission: 'Issues: write',
      byHand: `create the label ${label.name} at https://github.com/${formatRepository(repository)}/labels`,
      async check() {
        const present = await hasLabel(octokit, repository, label.name);
        return { ok: present, now: present ? 'exists' : 'missing' };
      },
      async apply() {
        await ensureLabel(octokit, repository, label);
        return 'exists';
      },
    })),
  ];
  return settings;
}

export type SettingState = 'unchanged' | 'changed' | 'refused' | 'missing';

export interface SettingOutcome {
  name: string;
  state: SettingState;
  /** What it is now, or (refused) the one sentence saying what the token lacks and what to do. */
  detail: string;
}

function refusal(setting: RepositorySetting, repository: GitHubRepository, permission: string, doing: 'read' | 'change'): string {
  return `The token may not ${doing} "${setting.name}" on ${formatRepository(repository)}: give it the fine-grained permission "${permission}" and run paks repo setup again, or ${setting.byHand}.`;
}

/** Reads one setting and writes it when it differs (or only reads, with `dryRun`). */
export async function settle(setting: RepositorySetting, repository: GitHubRepository, dryRun = false): Promise<SettingOutcome> {
  let now: { ok: boolean; now: string };
  try {
    now = await setting.check();
  } catch (error) {
    const permission = missingPermission(error, setting.permission.replace(/write$/, 'read'));
    if (permission) return { name: setting.name, state: 'refused', detail: refusal(setting, repository, permission, 'read') };
    throw error;
  }
  if (now.ok) return { name: setting.name, state: 'unchanged', detail: now.now };
  if (dryRun) return { name: setting.name, state: 'missing', detail: `${now.now}; ${setting.byHand}, or run paks repo setup` };
  try {
    return { name: setting.name, state: 'changed', detail: await setting.apply() };
  } catch (error) {
    const permission = missingPermission(error, setting.permission);
    if (permission) return { name: setting.name, state: 'refused', detail: refusal(setting, repository, permission, 'change') };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The local half: the publisher key, and its public half committed as keys/publisher.asc.

async function gitConfig(root: string, key: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const result = await git(root, ['config', '--get', key], { check: false, env });
  return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
}

export interface PublisherKeyOutcome {
  fingerprint: string;
  /** 'created' by this run, 'imported' from --key-file, or 'unchanged' (already in Spack's keyring). */
  state: 'created' | 'imported' | 'unchanged';
}

/** The key Paks signs with: the one in Spack's keyring, one imported from a file, or a new one. */
export async function ensurePublisherKey(client: PaksClient, root: string, options: { key?: string | undefined; keyFile?: string | undefined }): Promise<PublisherKeyOutcome> {
  const keyring = await spackKeyring(client);
  const secretFingerprints = async () => (await keyring.listSecret().catch(() => [])).filter((k) => k.secretAvailable).map((k) => k.fingerprint);
  if (options.keyFile) {
    const before = await secretFingerprints();
    const spack = await client.spack();
    await spack.run(['gpg', 'trust', options.keyFile], { doing: `import the key in ${options.keyFile}` });
    const added = (await secretFingerprints()).filter((f) => !before.includes(f));
    if (added.length === 1) return { fingerprint: added[0]!, state: 'imported' };
    if (added.length === 0 && !options.key) {
      throw new PaksError('usage', `${options.keyFile} holds no secret key new to Spack's keyring; pass --key FINGERPRINT to use one it already holds.`);
    }
  }
  if (options.key || (await secretFingerprints()).length) return { fingerprint: (await chooseSigningKey(client, options.key)).fingerprint, state: 'unchanged' };
  const env = client.env;
  const name = client.values.username ?? (await gitConfig(root, 'user.name', env));
  const email = client.values.email ?? (await gitConfig(root, 'user.email', env));
  const created = await createSigningKey(client, { name, email });
  return { fingerprint: created.fingerprint, state: 'created' };
}

/** The fingerprint of the key in an armored public key file, or undefined when there is none. */
export async function committedKeyFingerprint(root: string): Promise<string | undefined> {
  const text = await readFile(join(root, DEFAULT_PUBLIC_KEY), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return (await readAcceptedPublicKeys(text, DEFAULT_PUBLIC_KEY))[0]?.fingerprint;
  } catch {
    return undefined;
  }
}

/** Writes keys/publisher.asc when it does not hold this key; returns whether it did. */
export async function writePublicKey(client: PaksClient, root: string, fingerprint: string): Promise<boolean> {
  if ((await committedKeyFingerprint(root))?.toUpperCase() === fingerprint.toUpperCase()) return false;
  const armored = await (await spackKeyring(client)).exportPublic(fingerprint);
  const path = join(root, DEFAULT_PUBLIC_KEY);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, armored);
  return true;
}

/** Commits these paths when they changed; returns the commit, or undefined when nothing changed. */
export async function commitPaths(root: string, paths: readonly string[], message: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  await git(root, ['add', '--', ...paths], { env, doing: `stage ${paths.join(', ')}` });
  const staged = await git(root, ['diff', '--cached', '--quiet', '--', ...paths], { check: false, env });
  if (staged.exitCode === 0) return undefined;
  await git(root, ['commit', '--quiet', '-m', message, '--', ...paths], { env, doing: 'commit' });
  return (await git(root, ['rev-parse', 'HEAD'], { env })).stdout.trim();
}

// ---------------------------------------------------------------------------------------------

export interface SetupOptions {
  octokit: Octokit;
  repository: GitHubRepository;
  /** The clone: where keys/publisher.asc is written and committed. */
  root: string;
  key?: string | undefined;
  keyFile?: string | undefined;
}

export interface SetupReport {
  repository: string;
  key: PublisherKeyOutcome;
  /** The commit that added or replaced keys/publisher.asc, when this run made one. */
  keyCommit: string | undefined;
  settings: SettingOutcome[];
  /** Whether every setting is in place (none refused). */
  ok: boolean;
}

/** Brings the repository's key and GitHub settings to what Paks needs; idempotent. */
export async function setUpRepository(client: PaksClient, options: SetupOptions): Promise<SetupReport> {
  const { octokit, repository, root } = options;
  const key = await ensurePublisherKey(client, root, options);
  const wrote = await writePublicKey(client, root, key.fingerprint);
  const keyCommit = wrote ? await commitPaths(root, [DEFAULT_PUBLIC_KEY], `Publisher key ${key.fingerprint} (paks repo setup)`, client.env) : undefined;
  const signing: SigningKeyForSecret = {
    fingerprint: key.fingerprint,
    secret: async () => (await spackKeyring(client)).exportSecret(key.fingerprint),
  };
  const settings: SettingOutcome[] = [];
  for (const setting of repositorySettings(octokit, repository, signing)) settings.push(await settle(setting, repository));
  return { repository: formatRepository(repository), key, keyCommit, settings, ok: settings.every((s) => s.state !== 'refused') };
}

/** The report as lines a person reads. */
export function setupSummary(report: SetupReport): string[] {
  const lines = [`Publisher key ${report.key.fingerprint}: ${report.key.state}${report.keyCommit ? `; committed ${DEFAULT_PUBLIC_KEY} (${report.keyCommit.slice(0, 12)})` : ''}`];
  for (const s of report.settings) {
    if (s.state === 'refused') lines.push(`  refused    ${s.name}: ${s.detail}`);
    else lines.push(`  ${s.state.padEnd(10)} ${s.name}: ${s.detail}`);
  }
  const changed = report.settings.filter((s) => s.state === 'changed').length + (report.key.state === 'unchanged' ? 0 : 1) + (report.keyCommit ? 1 : 0);
  lines.push(changed === 0 && report.ok ? `Nothing to change: ${report.repository} is set up.` : report.ok ? `${report.repository} is set up (${changed} change${changed === 1 ? '' : 's'}).` : `${report.repository} is not fully set up: see the refused settings above.`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// `paks repo init --github`: the repository on GitHub, the files here, the settings, one push.

/** `env` with git configuration added for one command (GIT_CONFIG_COUNT: nothing on the command line, nothing stored). */
export function withGitConfig(env: NodeJS.ProcessEnv, pairs: Record<string, string>): NodeJS.ProcessEnv {
  const out = { ...env };
  let count = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
  for (const [key, value] of Object.entries(pairs)) {
    out[`GIT_CONFIG_KEY_${count}`] = key;
    out[`GIT_CONFIG_VALUE_${count}`] = value;
    count++;
  }
  out.GIT_CONFIG_COUNT = String(count);
  return out;
}

/** git's environment for talking to GitHub with the token (an http header, never in the URL or a remote). */
function authenticatedGitEnv(env: NodeJS.ProcessEnv, token: string): NodeJS.ProcessEnv {
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  registerSecret(basic);
  return withGitConfig(env, { 'http.extraHeader': `Authorization: Basic ${basic}` });
}

/** A commit identity for git when its configuration has none: Paks's username and email settings. */
async function identityEnv(client: PaksClient, root: string): Promise<NodeJS.ProcessEnv> {
  const env = { ...client.env };
  const name = await gitConfig(root, 'user.name', env);
  const email = await gitConfig(root, 'user.email', env);
  if (!name && client.values.username) Object.assign(env, { GIT_AUTHOR_NAME: client.values.username, GIT_COMMITTER_NAME: client.values.username });
  if (!email && client.values.email) Object.assign(env, { GIT_AUTHOR_EMAIL: client.values.email, GIT_COMMITTER_EMAIL: client.values.email });
  return env;
}

export interface GitHubInitOptions {
  octokit: Octokit;
  token: string;
  /** OWNER/NAME on GitHub; default: the token's user and the folder's name. */
  repository: GitHubRepository | undefined;
  private: boolean;
  key?: string | undefined;
  keyFile?: string | undefined;
  /** Writes the local files (paks repo init) into `root`, given the registry. */
  writeFiles(registry: string): Promise<{ created: string[]; gitInitialized: boolean }>;
  root: string;
  /** --force: write into a folder that is not empty. */
  force: boolean;
  registry: string | undefined;
}

export interface GitHubInitReport {
  repository: string;
  htmlUrl: string;
  /** Whether this run created the repository on GitHub. */
  created: boolean;
  registry: string;
  files: string[];
  setup: SetupReport;
  /** The branch pushed to GitHub (only into an empty repository). */
  pushed: string | undefined;
}

export async function initOnGitHub(client: PaksClient, options: GitHubInitOptions): Promise<GitHubInitReport> {
  const { octokit, root } = options;
  const login = await getAuthenticatedLogin(octokit);
  const repository = options.repository ?? { owner: login, repo: root.split(/[\\/]/).pop()! };
  const registry = options.registry ?? `ghcr.io/${repository.owner}/${repository.repo}`.toLowerCase();
  // A folder Paks may not write into stops everything before GitHub changes.
  await checkInitTarget(root, root, options.force);
  let info = await findRepository(octokit, repository);
  const created = !info;
  if (!info) {
    try {
      info = await createRepository(octokit, repository, { login, private: options.private, description: 'Spack packages built, signed and published by Paks' });
    } catch (error) {
      const permission = missingPermission(error, 'Administration: write');
      if (!permission) throw error;
      throw new PaksError('auth', `The token may not create the repository ${formatRepository(repository)}: give it the fine-grained permission "${permission}" (for ${repository.owner}'s repositories) and run this again, or create an empty repository at https://github.com/new and run this again.`, { cause: error });
    }
  }
  const written = await options.writeFiles(registry);

  const env = await identityEnv(client, root);
  const origin = await git(root, ['remote', 'get-url', 'origin'], { check: false, env });
  if (origin.exitCode !== 0) await git(root, ['remote', 'add', 'origin', info.cloneUrl], { env, doing: 'add the origin remote' });
  await git(root, ['add', '--all'], { env, doing: 'stage the new repository' });
  const staged = await git(root, ['diff', '--cached', '--quiet'], { check: false, env });
  if (staged.exitCode !== 0) await git(root, ['commit', '--quiet', '-m', 'A Paks package repository (paks repo init --github)'], { env, doing: 'commit the new repository' });

  const setup = await setUpRepository(client, { octokit, repository, root, key: options.key, keyFile: options.keyFile });

  const authEnv = authenticatedGitEnv(env, options.token);
  const heads = await git(root, ['ls-remote', '--heads', 'origin'], { env: authEnv, doing: `list the branches of ${formatRepository(repository)}` });
  let pushed: string | undefined;
  if (!heads.stdout.trim()) {
    const branch = (await git(root, ['symbolic-ref', '--short', 'HEAD'], { env })).stdout.trim();
    await git(root, ['push', '--quiet', 'origin', `${branch}:${branch}`], { env: authEnv, doing: `push ${branch} to ${formatRepository(repository)}` });
    await git(root, ['branch', '--quiet', `--set-upstream-to=origin/${branch}`], { check: false, env });
    pushed = branch;
  }
  return { repository: formatRepository(repository), htmlUrl: info.htmlUrl, created, registry, files: written.created, setup, pushed };
}
