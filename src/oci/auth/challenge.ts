/** One challenge from a `WWW-Authenticate` header (RFC 7235), scheme lowercased. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export interface BearerChallenge {
  scheme: 'bearer';
  realm: string;
  service?: string;
  scopes: string[];
}

export type AuthChallenge = BearerChallenge | { scheme: 'basic'; realm?: string } | { scheme: 'unknown'; raw: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Parses every challenge in a header value: `Bearer realm="…",service="…",scope="a b"`
 * and `Basic realm="…"`, several of them comma-separated.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header;
  let current: Challenge | undefined;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    if (rest === '') break;
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break; // garbage: keep what we have
    const after = rest.slice(name.length);
    const assignment = /^\s*=\s*/.exec(after);
    if (assignment && current) {
      rest = after.slice(assignment[0].length);
      let value: string;
      if (rest.startsWith('"')) {
        value = '';
        let i = 1;
        for (; i < rest.length && rest[i] !== '"'; i++) {
          if (rest[i] === '\\' && i + 1 < rest.length) i++;
          value += rest[i];
        }
        rest = rest.slice(i + 1);
      } else {
        value = /^[^\s,]*/.exec(rest)?.[0] ?? '';
        rest = rest.slice(value.length);
      }
      current.params[name.toLowerCase()] = value;
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    challenges.push(current);
    rest = after;
    // token68 form (e.g. `Negotiate abc==`): consume it, we do not use it.
    const token68 = /^\s+([A-Za-z0-9+/._~-]+=*)\s*(?:,|$)/.exec(rest);
    if (token68 && !/^\s+[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*=[^=]/.test(rest)) rest = rest.slice(token68[0].length);
  }
  return challenges;
}

/** The challenge Paks will answer: Bearer preferred over Basic, as docker does. */
export function pickChallenge(header: string | undefined): AuthChallenge {
  if (!header) return { scheme: 'unknown', raw: '' };
  const challenges = parseChallenges(header);
  const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
  if (bearer) {
    const result: BearerChallenge = {
      scheme: 'bearer',
      realm: bearer.params.realm as string,
      scopes: (bearer.params.scope ?? '').split(' ').filter(Boolean),
    };
    if (bearer.params.service !== undefined) result.service = bearer.params.service;
    return result;
  }
  const basic = challenges.find((c) => c.scheme === 'basic');
  if (basic) return basic.params.realm === undefined ? { scheme: 'basic' } : { scheme: 'basic', realm: basic.params.realm };
  return { scheme: 'unknown', raw: header };
}
