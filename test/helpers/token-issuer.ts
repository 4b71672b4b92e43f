/**
 * A small docker-token-spec issuer for tests: checks Basic credentials, grants scopes by a
 * policy, and signs RS256 JWTs with a self-made key whose certificate the registry trusts.
 */
import { execFileSync } from 'node:child_process';
import { createSign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TokenRequestLog {
  user: string | undefined;
  scopes: string[];
  granted: { name: string; actions: string[] }[];
}

export interface TokenIssuerOptions {
  service: string;
  issuer: string;
  users: Record<string, string>;
  /** OAuth2 refresh tokens (docker's identitytoken) accepted by POST, and whose they are. */
  refreshTokens?: Record<string, string>;
  /** Which actions `user` (undefined: anonymous) gets on `repository`. Default: users all, anonymous pull. */
  grant?: (user: string | undefined, repository: string, wanted: string[]) => string[];
  /** Answer 401 to anonymous requests for tokens (like a fully private registry). */
  refuseAnonymous?: boolean;
}

export interface TokenIssuer {
  realm: string;
  certPath: string;
  requests: TokenRequestLog[];
  issued: string[];
  stop(): Promise<void>;
}

export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const dir = mkdtempSync(join(tmpdir(), 'paks-token-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=paks-test-token'], { stdio: 'ignore' });
  const key = readFileSync(keyPath, 'utf8');
  const certDer = new X509Certificate(readFileSync(certPath)).raw.toString('base64');
  const requests: TokenRequestLog[] = [];
  const issued: string[] = [];
  const grant = options.grant ?? ((user, _repo, wanted) => (user ? wanted : wanted.filter((a) => a === 'pull')));

  const server: Server = createServer((req, res) => {
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const user = form.get('grant_type') === 'refresh_token' ? options.refreshTokens?.[form.get('refresh_token') ?? ''] : undefined;
        if (!user) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad refresh token"}');
          return;
        }
        answer(res, user, (form.get('scope') ?? '').split(' ').filter(Boolean), 'access_token');
      });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const user = authenticate(req, options.users);
    if (user === null || (user === undefined && options.refuseAnonymous)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    answer(res, user, url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean), 'token');
  });

  function answer(res: ServerResponse, user: string | undefined, scopes: string[], field: 'token' | 'access_token') {
    const access = scopes.flatMap((scope) => {
      const [type, ...rest] = scope.split(':');
      const actions = (rest.pop() ?? '').split(',');
      const name = rest.join(':');
      if (type !== 'repository') return [];
      return [{ type, name, actions: grant(user, name, actions) }];
    });
    requests.push({ user, scopes, granted: access.map(({ name, actions }) => ({ name, actions })) });
    const now = Math.floor(Date.now() / 1000);
    const token = sign(
      { typ: 'JWT', alg: 'RS256', x5c: [certDer] },
      { iss: options.issuer, sub: user ?? '', aud: options.service, exp: now + 300, nbf: now - 10, iat: now, jti: `${now}-${issued.length}`, access },
      key,
    );
    issued.push(token);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ [field]: token, expires_in: 300, issued_at: new Date().toISOString() }));
  }
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certPath,
    requests,
    issued,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** undefined: anonymous; null: wrong credentials. */
function authenticate(req: IncomingMessage, users: Record<string, string>): string | undefined | null {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  return users[user] !== undefined && users[user] === decoded.slice(colon + 1) ? user : null;
}

function sign(header: object, claims: object, key: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key).toString('base64url');
  return `${input}.${signature}`;
}
