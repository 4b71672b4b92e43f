/**
 * A fake GitHub REST API on loopback for tests: small, honest, in memory. Every request it
 * receives and every response it sends is checked against GitHub's OpenAPI description
 * (./openapi.ts); a violation is answered with an error and recorded, and `stop()` throws
 * it, so the test fails loudly naming the operation and the offending field.
 * How to use it: test/fixtures/github/README.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import sodium from 'libsodium-wrappers';
import type { AddressInfo } from 'node:net';
import { checkRequest, checkResponse, findOperation, SchemaViolation, type Operation } from './openapi.js';
import * as json from './objects.js';
import { branchSha, ensureTag, listTags, makeRepo, newId, type FakeRepo, type NewRepo } from './state.js';

type Level = 'read' | 'write';
// Fine-grained token permissions (GitHub's names, snake_case as in X-Accepted-GitHub-Permissions).
export type Permissions = Partial<Record<'contents' | 'pull_requests' | 'issues' | 'administration' | 'secrets' | 'variables' | 'pages' | 'workflows', Level>>;

export interface FakeToken {
  token: string;
  permissions: Permissions;
}

export interface Fault {
  /** Operation id ("repos/create-release") or a predicate; every operation when left out. */
  operation?: string | ((operationId: string, method: string, path: string) => boolean);
  status: number;
  message?: string;
  headers?: Record<string, string>;
  /** How many matching requests fail (default 1; Infinity for always). */
  times?: number;
}

export interface SeenRequest {
  method: string;
  path: string;
  operation: string | undefined;
  status: number;
  /** 'token' when an Authorization header came (its value is never kept). */
  auth: 'token' | 'none';
}

export interface FakeGitHubOptions {
  /** API path prefix, e.g. '/api/v3' as on GitHub Enterprise Server (default: none, as api.github.com). */
  prefix?: string;
  /** The token the fake accepts (default: a random ghs_… token with every write permission). */
  token?: string;
  permissions?: Permissions;
  repos?: NewRepo[];
  rateLimit?: number;
  /** The login the token acts as for /user calls (default: octocat). */
  login?: string;
  /** Organizations the token's user may create repositories in. */
  orgs?: string[];
  /** Where repositories created through the API get a bare git repository (<gitRoot>/<owner>/<name>.git). */
  gitRoot?: string;
}

// Which permission each operation needs; any one alternative suffices (GitHub's fine-grained table).
const NEEDS: Record<string, [keyof Permissions, Level][]> = {
  'repos/get': [['contents', 'read']],
  'repos/list-releases': [['contents', 'read']],
  'repos/get-release': [['contents', 'read']],
  'repos/get-release-by-tag': [['contents', 'read']],
  'repos/get-latest-release': [['contents', 'read']],
  'repos/list-release-assets': [['contents', 'read']],
  'repos/list-tags': [['contents', 'read']],
  'repos/create-release': [['contents', 'write']],
  'repos/update-release': [['contents', 'write']],
  'repos/delete-release': [['contents', 'write']],
  'repos/upload-release-asset': [['contents', 'write']],
  'repos/delete-release-asset': [['contents', 'write']],
  'pulls/list': [['pull_requests', 'read']],
  'pulls/get': [['pull_requests', 'read']],
  'pulls/create': [['pull_requests', 'write']],
  'pulls/update': [['pull_requests', 'write']],
  'issues/get-label': [['issues', 'read'], ['pull_requests', 'read']],
  'issues/create-label': [['issues', 'write'], ['pull_requests', 'write']],
  'issues/add-labels': [['issues', 'write'], ['pull_requests', 'write']],
  'issues/create-comment': [['issues', 'write'], ['pull_requests', 'write']],
  'repos/create-for-authenticated-user': [['administration', 'write']],
  'repos/create-in-org': [['administration', 'write']],
  'actions/get-repo-public-key': [['secrets', 'read']],
  'actions/get-repo-secret': [['secrets', 'read']],
  'actions/create-or-update-repo-secret': [['secrets', 'write']],
  'actions/get-repo-variable': [['variables', 'read']],
  'actions/create-repo-variable': [['variables', 'write']],
  'actions/update-repo-variable': [['variables', 'write']],
  'repos/get-pages': [['pages', 'read']],
  'repos/create-pages-site': [['pages', 'write']],
  'repos/update-information-about-pages-site': [['pages', 'write']],
  'actions/get-github-actions-default-workflow-permissions-repository': [['administration', 'read']],
  'actions/set-github-actions-default-workflow-permissions-repository': [['administration', 'write']],
};

/** Every permission a fine-grained token can hold here, all at write: a repository administrator's token. */
export const ALL_PERMISSIONS: Permissions = {
  contents: 'write',
  pull_requests: 'write',
  issues: 'write',
  administration: 'write',
  secrets: 'write',
  variables: 'write',
  pages: 'write',
  workflows: 'write',
};

const DOCS = 'https://docs.github.com/rest';

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

function error(status: number, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): HttpAnswer {
  return new HttpAnswer(status, { message, documentation_url: DOCS, ...extra }, headers);
}

function validationFailed(resource: string, field: string, code: string, message?: string): HttpAnswer {
  return error(422, 'Validation Failed', { errors: [{ resource, field, code, ...(message ? { message } : {}) }] });
}

function allows(permissions: Permissions, needs: [keyof Permissions, Level][]): boolean {
  return needs.some(([scope, level]) => permissions[scope] === 'write' || (level === 'read' && permissions[scope] === 'read'));
}

export class FakeGitHub {
  readonly token: string;
  permissions: Permissions;
  readonly repos = new Map<string, FakeRepo>();
  readonly requests: SeenRequest[] = [];
  readonly violations: SchemaViolation[] = [];
  /** Core rate limit: remaining calls and the reset time (epoch seconds). */
  readonly rate: { limit: number; remaining: number; reset: number };
  private readonly faults: (Fault & { left: number })[] = [];
  private server: ReturnType<typeof createServer> | undefined;
  private origin = '';
  readonly prefix: string;
  readonly login: string;
  readonly orgs: Set<string>;
  readonly gitRoot: string | undefined;
  /** The repositories' Actions secrets key pair (GitHub has one per repository; one here is enough). */
  private secretsKey: { keyId: string; publicKey: Uint8Array; privateKey: Uint8Array } | undefined;

  constructor(options: FakeGitHubOptions = {}) {
    this.prefix = (options.prefix ?? '').replace(/\/+$/, '');
    this.token = options.token ?? `ghs_${randomBytes(18).toString('hex')}`;
    this.permissions = options.permissions ?? { contents: 'write', pull_requests: 'write', issues: 'write' };
    const limit = options.rateLimit ?? 5000;
    this.rate = { limit, remaining: limit, reset: Math.floor(Date.now() / 1000) + 3600 };
    this.login = options.login ?? 'octocat';
    this.orgs = new Set((options.orgs ?? []).map((o) => o.toLowerCase()));
    this.gitRoot = options.gitRoot;
    for (const repo of options.repos ?? []) this.addRepo(repo);
  }

  /** The plain value of an Actions secret, opened with the repository's secret key (as a runner would). */
  openSecret(fullName: string, name: string): string | undefined {
    const secret = this.repo(fullName).secrets.get(name);
    if (!secret || !this.secretsKey) return undefined;
    const opened = sodium.crypto_box_seal_open(sodium.from_base64(secret.sealed, sodium.base64_variants.ORIGINAL), this.secretsKey.publicKey, this.secretsKey.privateKey);
    return sodium.to_string(opened);
  }

  /** The API base URL: what GITHUB_API_URL should be. */
  get apiUrl(): string {
    return `${this.origin}${this.prefix}`;
  }

  get urls(): json.Urls {
    return { api: this.apiUrl, uploads: `${this.origin}/uploads`, web: `${this.origin}/web` };
  }

  /** Environment for Paks (library or CLI) to talk to this fake. */
  get env(): Record<string, string> {
    return { GITHUB_API_URL: this.apiUrl, GITHUB_TOKEN: this.token };
  }

  addRepo(spec: NewRepo): FakeRepo {
    const repo = makeRepo(spec, Date.now());
    this.repos.set(`${spec.owner}/${spec.name}`.toLowerCase(), repo);
    return repo;
  }

  repo(fullName: string): FakeRepo {
    const repo = this.repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`the fake GitHub has no repository ${fullName}`);
    return repo;
  }

  /** Makes the next matching request(s) fail with `status` (a GitHub-shaped error body). */
  fail(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Uses up the core rate limit until `resetInSeconds` from now: 403 with x-ratelimit-remaining: 0. */
  exhaustRateLimit(resetInSeconds = 600): void {
    this.rate.remaining = 0;
    this.rate.reset = Math.floor(Date.now() / 1000) + resetInSeconds;
  }

  /** Returns and forgets the recorded violations (for tests that provoke one on purpose). */
  takeViolations(): SchemaViolation[] {
    return this.violations.splice(0);
  }

  async start(): Promise<this> {
    await sodium.ready;
    const pair = sodium.crypto_box_keypair();
    this.secretsKey = { keyId: String(newId()), publicKey: pair.publicKey, privateKey: pair.privateKey };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `fake GitHub failed: ${e instanceof Error ? e.message : String(e)}` }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Stops the server; throws when any request or response broke GitHub's description. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const violations = this.takeViolations();
    if (violations.length) throw new Error(`The fake GitHub saw ${violations.length} OpenAPI violation(s):\n${violations.map((v) => v.message).join('\n')}`);
  }

  private rateHeaders(): Record<string, string> {
    return {
      'x-ratelimit-limit': String(this.rate.limit),
      'x-ratelimit-remaining': String(this.rate.remaining),
      'x-ratelimit-reset': String(this.rate.reset),
      'x-ratelimit-used': String(this.rate.limit - this.rate.remaining),
      'x-ratelimit-resource': 'core',
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const method = (req.method ?? 'GET').toUpperCase();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);

    const download = /^\/web\/([^/]+)\/([^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (download && method === 'GET') return this.serveDownload(res, download.slice(1).map(decodeURIComponent) as [string, string, string, string]);

    let upload = false;
    let path: string | undefined;
    if (url.pathname.startsWith('/uploads/')) {
      upload = true;
      path = url.pathname.slice('/uploads'.length);
    } else if (url.pathname.startsWith(`${this.prefix}/`)) path = url.pathname.slice(this.prefix.length);
    const found = path === undefined ? undefined : findOperation(method, path, upload);
    const seen: SeenRequest = { method, path: url.pathname + url.search, operation: found?.operation.id, status: 0, auth: req.headers.authorization ? 'token' : 'none' };
    this.requests.push(seen);
    if (!found) {
      // Not an operation this fake knows: GitHub's answer for an unknown route.
      return this.send(res, seen, undefined, error(404, 'Not Found'));
    }
    const { operation, params } = found;
    let answer: HttpAnswer;
    try {
      const request = checkRequest(operation, params, url.searchParams, req.headers['content-type'], raw);
      answer = this.answer(operation, request.params, request.query, request.body, req, url);
    } catch (e) {
      if (!(e instanceof SchemaViolation)) throw e;
      this.violations.push(e);
      answer = error(422, `Invalid request. ${e.message}`);
    }
    return this.send(res, seen, operation, answer);
  }

  private send(res: ServerResponse, seen: SeenRequest, operation: Operation | undefined, answer: HttpAnswer): void {
    let { status, body } = answer;
    // Where the description documents a status without a body, GitHub's answer has none here.
    if (operation && operation.responses.get(String(status)) === null) body = undefined;
    if (operation) {
      try {
        checkResponse(operation, status, body);
      } catch (e) {
        if (!(e instanceof SchemaViolation)) throw e;
        this.violations.push(e);
        status = 500;
        body = { message: `fake GitHub sent an invalid response: ${e.message}`, documentation_url: DOCS };
      }
    }
    seen.status = status;
    const headers: Record<string, string> = {
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      ...this.rateHeaders(),
      ...answer.headers,
    };
    if (body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  private serveDownload(res: ServerResponse, [owner, name, tag, file]: [string, string, string, string]): void {
    const repo = this.repos.get(`${owner}/${name}`.toLowerCase());
    const asset = repo?.releases.find((r) => r.tag === tag)?.assets.find((a) => a.name === file);
    if (!asset) {
      res.writeHead(404).end('Not Found');
      return;
    }
    res.writeHead(200, { 'content-type': asset.contentType, 'content-length': String(asset.data.length) });
    res.end(asset.data);
  }

  /** The GitHub behaviour of one validated request. */
  private answer(operation: Operation, params: Record<string, unknown>, query: Record<string, unknown>, body: unknown, req: IncomingMessage, url: URL): HttpAnswer {
    const fault = this.faults.find((f) => f.left > 0 && (f.operation === undefined || (typeof f.operation === 'string' ? f.operation === operation.id : f.operation(operation.id, operation.method, url.pathname))));
    if (fault) {
      fault.left--;
      return error(fault.status, fault.message ?? defaultMessage(fault.status), {}, fault.headers);
    }

    const authorization = req.headers.authorization;
    const presented = authorization ? /^(?:token|bearer)\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
    if (authorization && presented !== this.token) return error(401, 'Bad credentials');
    const authenticated = presented === this.token;

    if (operation.id === 'rate-limit/get') return new HttpAnswer(200, json.rateLimitOverview(this.rate.limit, this.rate.remaining, this.rate.reset));
    if (this.rate.remaining <= 0) {
      if (Date.now() / 1000 >= this.rate.reset) this.rate.remaining = this.rate.limit;
      else return error(403, 'API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.');
    }
    this.rate.remaining--;

    const needs = NEEDS[operation.id] ?? [];
    const refusal = (): HttpAnswer | undefined => {
      const writes = needs.every(([, level]) => level === 'write');
      if (!authenticated && writes) return error(401, 'Requires authentication');
      if (authenticated && !allows(this.permissions, needs)) {
        const accepted = needs.map(([scope, level]) => `${scope}=${level}`).join('; ');
        return error(403, 'Resource not accessible by integration', {}, { 'x-accepted-github-permissions': accepted });
      }
      return undefined;
    };
    if (operation.id === 'users/get-authenticated') {
      return authenticated ? new HttpAnswer(200, json.authenticatedUser(this.urls, this.login, 583231, Date.now())) : error(401, 'Requires authentication');
    }
    if (operation.id === 'repos/create-for-authenticated-user' || operation.id === 'repos/create-in-org') {
      const owner = operation.id === 'repos/create-in-org' ? String(params.org) : this.login;
      if (operation.id === 'repos/create-in-org' && !this.orgs.has(owner.toLowerCase())) return error(404, 'Not Found');
      return refusal() ?? this.createRepository(owner, (body ?? {}) as Record<string, unknown>);
    }

    const repo = this.repos.get(`${String(params.owner)}/${String(params.repo)}`.toLowerCase());
    if (!repo || (repo.private && !authenticated)) return error(404, 'Not Found');
    const refused = refusal();
    if (refused) return refused;
    const canPush = authenticated && this.permissions.contents === 'write';
    return this.operate(operation.id, repo, params, query, body, canPush, url, req.headers['content-type'] ?? 'application/octet-stream');
  }

  private createRepository(owner: string, input: Record<string, unknown>): HttpAnswer {
    const name = String(input.name);
    if (this.repos.has(`${owner}/${name}`.toLowerCase())) return validationFailed('Repository', 'name', 'custom', 'name already exists on this account');
    let gitDir: string | undefined;
    if (this.gitRoot) {
      gitDir = join(this.gitRoot, owner, `${name}.git`);
      mkdirSync(gitDir, { recursive: true });
      execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', gitDir]);
    }
    const repo = this.addRepo({ owner, name, private: input.private === true, actor: this.login, ...(gitDir ? { gitDir } : {}) });
    return new HttpAnswer(201, json.repository(this.urls, repo, true), { location: `${this.urls.api}/repos/${owner}/${name}` });
  }

  private page<T>(items: T[], query: Record<string, unknown>, url: URL, render: (item: T) => unknown): HttpAnswer {
    const perPage = Math.min(Math.max(Number(query.per_page ?? 30), 1), 100);
    const page = Math.max(Number(query.page ?? 1), 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => {
      const target = new URL(url.pathname + url.search, this.origin);
      target.searchParams.set('page', String(n));
      return `<${target.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    const slice = items.slice((page - 1) * perPage, page * perPage).map(render);
    return new HttpAnswer(200, slice, links.length ? { link: links.join(', ') } : {});
  }

  private operate(id: string, repo: FakeRepo, params: Record<string, unknown>, query: Record<string, unknown>, body: unknown, canPush: boolean, url: URL, contentType: string): HttpAnswer {
    const urls = this.urls;
    const now = Date.now();
    const input = (body ?? {}) as Record<string, unknown>;
    const releaseById = (releaseId: unknown) => repo.releases.find((r) => r.id === Number(releaseId));
    const pullByNumber = (n: unknown) => repo.pulls.find((p) => p.number === Number(n));
    const newestFirst = <T extends { createdAt: number; id: number }>(list: T[]) => [...list].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);

    switch (id) {
      case 'repos/get':
        return new HttpAnswer(200, json.repository(urls, repo, true));

      case 'repos/list-releases':
        return this.page(newestFirst(repo.releases.filter((r) => canPush || !r.draft)), query, url, (r) => json.release(urls, repo, r));

      case 'repos/get-release': {
        const release = releaseById(params.release_id);
        if (!release || (release.draft && !canPush)) return error(404, 'Not Found');
        return new HttpAnswer(200, json.release(urls, repo, release));
      }

      case 'repos/get-release-by-tag': {
        // Drafts have no tag yet: GitHub does not find them by tag.
        const release = repo.releases.find((r) => r.tag === params.tag && !r.draft);
        return release ? new HttpAnswer(200, json.release(urls, repo, release)) : error(404, 'Not Found');
      }

      case 'repos/get-latest-release': {
        const latest = newestFirst(repo.releases.filter((r) => !r.draft && !r.prerelease))[0];
        return latest ? new HttpAnswer(200, json.release(urls, repo, latest)) : error(404, 'Not Found');
      }

      case 'repos/create-release': {
        const tag = String(input.tag_name);
        const draft = input.draft === true;
        // A published release holds its tag; drafts do not (several drafts may name one tag).
        if (!draft && repo.releases.some((r) => r.tag === tag && !r.draft)) return validationFailed('Release', 'tag_name', 'already_exists');
        const target = typeof input.target_commitish === 'string' ? input.target_commitish : repo.defaultBranch;
        if (!draft) ensureTag(repo, tag, target);
        const release = {
          id: newId(),
          tag,
          name: typeof input.name === 'string' ? input.name : null,
          body: typeof input.body === 'string' ? input.body : null,
          draft,
          prerelease: input.prerelease === true,
          targetCommitish: target,
          makeLatest: typeof input.make_latest === 'string' ? input.make_latest : 'true',
          createdAt: now,
          updatedAt: now,
          assets: [],
        };
        repo.releases.push(release);
        return new HttpAnswer(201, json.release(urls, repo, release), { location: `${urls.api}/repos/${repo.owner}/${repo.name}/releases/${release.id}` });
      }

      case 'repos/update-release': {
        const release = releaseById(params.release_id);
        if (!release) return error(404, 'Not Found');
        const tag = typeof input.tag_name === 'string' ? input.tag_name : release.tag;
        const publishing = input.draft === false || (input.draft === undefined && !release.draft);
        if (publishing && repo.releases.some((r) => r !== release && r.tag === tag && !r.draft)) return validationFailed('Release', 'tag_name', 'already_exists');
        release.tag = tag;
        if (typeof input.name === 'string') release.name = input.name;
        if (typeof input.body === 'string') release.body = input.body;
        if (typeof input.prerelease === 'boolean') release.prerelease = input.prerelease;
        if (typeof input.draft === 'boolean') {
          if (release.draft && !input.draft) ensureTag(repo, release.tag, release.targetCommitish);
          release.draft = input.draft;
        }
        release.updatedAt = now;
        return new HttpAnswer(200, json.release(urls, repo, release));
      }

      case 'repos/delete-release': {
        const index = repo.releases.findIndex((r) => r.id === Number(params.release_id));
        if (index < 0) return error(404, 'Not Found');
        repo.releases.splice(index, 1);
        return new HttpAnswer(204, undefined);
      }

      case 'repos/list-release-assets': {
        const release = releaseById(params.release_id);
        if (!release) return error(404, 'Not Found');
        return this.page(release.assets, query, url, (a) => json.asset(urls, repo, release, a));
      }

      case 'repos/upload-release-asset': {
        const release = releaseById(params.release_id);
        if (!release) return error(404, 'Not Found');
        // GitHub renames names with special characters and leading or trailing periods.
        const name = String(query.name).replace(/[^A-Za-z0-9._-]/g, '.').replace(/^\.+|\.+$/g, '') || 'default.txt';
        if (release.assets.some((a) => a.name === name)) return validationFailed('ReleaseAsset', 'name', 'already_exists');
        const data = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
        const asset = {
          id: newId(),
          name,
          label: typeof query.label === 'string' ? query.label : null,
          contentType,
          data,
          digest: `sha256:${createHash('sha256').update(data).digest('hex')}`,
          createdAt: now,
        };
        release.assets.push(asset);
        return new HttpAnswer(201, json.asset(urls, repo, release, asset));
      }

      case 'repos/delete-release-asset': {
        for (const release of repo.releases) {
          const index = release.assets.findIndex((a) => a.id === Number(params.asset_id));
          if (index >= 0) {
            release.assets.splice(index, 1);
            return new HttpAnswer(204, undefined);
          }
        }
        return error(404, 'Not Found');
      }

      case 'repos/list-tags':
        return this.page(listTags(repo), query, url, (t) => json.tag(urls, repo, t));

      case 'pulls/list': {
        const state = (query.state as string | undefined) ?? 'open';
        let head = query.head as string | undefined;
        if (head && head.includes(':')) {
          const [owner, branch] = head.split(':', 2) as [string, string];
          head = owner.toLowerCase() === repo.owner.toLowerCase() ? branch : '\0';
        }
        const pulls = newestFirst(repo.pulls).filter(
          (p) => (state === 'all' || p.state === state) && (head === undefined || p.head === head) && (query.base === undefined || p.base === query.base),
        );
        if (query.direction === 'asc') pulls.reverse();
        return this.page(pulls, query, url, (p) => json.pull(urls, repo, p, false));
      }

      case 'pulls/get': {
        const pull = pullByNumber(params.pull_number);
        return pull ? new HttpAnswer(200, json.pull(urls, repo, pull, true)) : error(404, 'Not Found');
      }

      case 'pulls/create': {
        let head = String(input.head);
        if (head.includes(':')) {
          const [owner, branch] = head.split(':', 2) as [string, string];
          if (owner.toLowerCase() !== repo.owner.toLowerCase()) return validationFailed('PullRequest', 'head', 'invalid');
          head = branch;
        }
        const base = String(input.base);
        const headSha = branchSha(repo, head);
        const baseSha = branchSha(repo, base);
        if (!headSha) return validationFailed('PullRequest', 'head', 'invalid');
        if (!baseSha) return validationFailed('PullRequest', 'base', 'invalid');
        if (headSha === baseSha) return error(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }] });
        if (repo.pulls.some((p) => p.state === 'open' && p.head === head && p.base === base)) {
          return error(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${head}.` }] });
        }
        const pull = {
          id: newId(),
          number: repo.nextNumber++,
          title: String(input.title ?? ''),
          body: typeof input.body === 'string' ? input.body : null,
          state: 'open' as const,
          head,
          headSha,
          base,
          baseSha,
          draft: input.draft === true,
          labels: [],
          createdAt: now,
          updatedAt: now,
          closedAt: null,
        };
        repo.pulls.push(pull);
        return new HttpAnswer(201, json.pull(urls, repo, pull, true), { location: `${urls.api}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}` });
      }

      case 'pulls/update': {
        const pull = pullByNumber(params.pull_number);
        if (!pull) return error(404, 'Not Found');
        if (typeof input.title === 'string') pull.title = input.title;
        if (typeof input.body === 'string') pull.body = input.body;
        if (typeof input.base === 'string') pull.base = input.base;
        if (input.state === 'closed' && pull.state === 'open') {
          pull.state = 'closed';
          pull.closedAt = now;
        } else if (input.state === 'open' && pull.state === 'closed') {
          pull.state = 'open';
          pull.closedAt = null;
        }
        pull.updatedAt = now;
        return new HttpAnswer(200, json.pull(urls, repo, pull, true));
      }

      case 'issues/get-label': {
        const label = repo.labels.find((l) => l.name.toLowerCase() === String(params.name).toLowerCase());
        return label ? new HttpAnswer(200, json.label(urls, repo, label)) : error(404, 'Not Found');
      }

      case 'issues/create-label': {
        const name = String(input.name);
        if (repo.labels.some((l) => l.name.toLowerCase() === name.toLowerCase())) return validationFailed('Label', 'name', 'already_exists');
        const color = typeof input.color === 'string' ? input.color.replace(/^#/, '') : 'ededed';
        if (!/^[0-9a-fA-F]{6}$/.test(color)) return validationFailed('Label', 'color', 'invalid');
        const label = { id: newId(), name, color, description: typeof input.description === 'string' ? input.description : null };
        repo.labels.push(label);
        return new HttpAnswer(201, json.label(urls, repo, label));
      }

      case 'issues/add-labels': {
        const pull = pullByNumber(params.issue_number);
        if (!pull) return error(404, 'Not Found');
        const wanted = (Array.isArray(input.labels) ? input.labels : []).map((l: unknown) => (typeof l === 'string' ? l : String((l as { name: unknown }).name)));
        for (const name of wanted) {
          // GitHub creates labels that do not exist yet, in its default grey.
          let label = repo.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
          if (!label) {
            label = { id: newId(), name, color: 'ededed', description: null };
            repo.labels.push(label);
          }
          if (!pull.labels.includes(label.name)) pull.labels.push(label.name);
        }
        return new HttpAnswer(200, pull.labels.map((n) => json.label(urls, repo, repo.labels.find((l) => l.name === n)!)));
      }

      case 'actions/get-repo-public-key':
        return new HttpAnswer(200, json.actionsPublicKey(this.secretsKey!.keyId, sodium.to_base64(this.secretsKey!.publicKey, sodium.base64_variants.ORIGINAL)));

      case 'actions/get-repo-secret': {
        const secret = repo.secrets.get(String(params.secret_name).toUpperCase());
        return secret ? new HttpAnswer(200, json.actionsSecret(String(params.secret_name).toUpperCase(), secret.createdAt, secret.updatedAt)) : error(404, 'Not Found');
      }

      case 'actions/create-or-update-repo-secret': {
        const name = String(params.secret_name).toUpperCase();
        if (input.key_id !== this.secretsKey!.keyId) return error(422, 'Bad request: key_id is not the repository public key id');
        try {
          sodium.crypto_box_seal_open(sodium.from_base64(String(input.encrypted_value), sodium.base64_variants.ORIGINAL), this.secretsKey!.publicKey, this.secretsKey!.privateKey);
        } catch {
          return error(422, 'Bad request: encrypted_value is not sealed with the repository public key');
        }
        const existing = repo.secrets.get(name);
        repo.secrets.set(name, { sealed: String(input.encrypted_value), keyId: String(input.key_id), createdAt: existing?.createdAt ?? now, updatedAt: now });
        return new HttpAnswer(existing ? 204 : 201, existing ? undefined : {});
      }

      case 'actions/get-repo-variable': {
        const name = String(params.name).toUpperCase();
        const variable = repo.variables.get(name);
        return variable ? new HttpAnswer(200, json.actionsVariable(name, variable.value, variable.createdAt, variable.updatedAt)) : error(404, 'Not Found');
      }

      case 'actions/create-repo-variable': {
        const name = String(input.name).toUpperCase();
        if (repo.variables.has(name)) return error(409, 'Already exists - Variable already exists');
        repo.variables.set(name, { value: String(input.value), createdAt: now, updatedAt: now });
        return new HttpAnswer(201, {});
      }

      case 'actions/update-repo-variable': {
        const name = String(params.name).toUpperCase();
        const variable = repo.variables.get(name);
        if (!variable) return error(404, 'Not Found');
        if (typeof input.value === 'string') variable.value = input.value;
        variable.updatedAt = now;
        return new HttpAnswer(204, undefined);
      }

      case 'repos/get-pages':
        return repo.pages ? new HttpAnswer(200, json.pages(this.urls, repo, repo.pages)) : error(404, 'Not Found');

      case 'repos/create-pages-site': {
        if (repo.pages) return error(409, 'GitHub Pages is already enabled.');
        const source = input.source as { branch?: string } | undefined;
        repo.pages = input.build_type === 'workflow' ? { buildType: 'workflow' } : { buildType: 'legacy', branch: source?.branch ?? repo.defaultBranch };
        return new HttpAnswer(201, json.pages(this.urls, repo, repo.pages));
      }

      case 'repos/update-information-about-pages-site': {
        if (!repo.pages) return error(404, 'Not Found');
        if (input.build_type === 'workflow') repo.pages = { buildType: 'workflow' };
        else if (input.build_type === 'legacy') repo.pages = { buildType: 'legacy', branch: repo.pages.branch ?? repo.defaultBranch };
        return new HttpAnswer(204, undefined);
      }

      case 'actions/get-github-actions-default-workflow-permissions-repository':
        return new HttpAnswer(200, json.workflowPermissions(repo));

      case 'actions/set-github-actions-default-workflow-permissions-repository': {
        if (input.default_workflow_permissions === 'read' || input.default_workflow_permissions === 'write') repo.workflowPermissions.defaultPermissions = input.default_workflow_permissions;
        if (typeof input.can_approve_pull_request_reviews === 'boolean') repo.workflowPermissions.canApprovePullRequestReviews = input.can_approve_pull_request_reviews;
        return new HttpAnswer(204, undefined);
      }

      case 'issues/create-comment': {
        const pull = pullByNumber(params.issue_number);
        if (!pull) return error(404, 'Not Found');
        const comment = { id: newId(), issue: pull.number, body: String(input.body), createdAt: now };
        repo.comments.push(comment);
        return new HttpAnswer(201, json.comment(urls, repo, comment), { location: `${urls.api}/repos/${repo.owner}/${repo.name}/issues/comments/${comment.id}` });
      }
    }
    return error(404, 'Not Found');
  }
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return 'Bad credentials';
    case 403:
      return 'Resource not accessible by integration';
    case 404:
      return 'Not Found';
    case 429:
      return 'API rate limit exceeded';
    default:
      return status >= 500 ? 'Server Error' : 'Error';
  }
}

/** Starts a fake GitHub on 127.0.0.1; stop it with `stop()` (or use `useFakeGitHub`). */
export function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  return new FakeGitHub(options).start();
}

/** Starts a fake GitHub stopped after the test; the test fails if any OpenAPI violation was seen. */
export async function useFakeGitHub(t: { after(fn: () => Promise<void> | void): void }, options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const fake = await startFakeGitHub(options);
  t.after(() => fake.stop());
  return fake;
}
