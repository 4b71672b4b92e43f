// Mirrors (mirrors.yaml) and file:// URL helpers.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SpackError } from './util.mjs';

export class Mirror {
  constructor(name, entry) {
    this.name = name;
    if (typeof entry === 'string' || entry === null) entry = { url: entry };
    this.entry = entry;
    const url = entry.url ?? entry.fetch?.url ?? entry.fetch;
    this.fetchUrl = toUrl(typeof url === 'object' ? url?.url : url);
    const push = entry.push?.url ?? entry.push ?? entry.url;
    this.pushUrl = toUrl(typeof push === 'object' ? push?.url : push);
    this.signed = entry.signed !== false;
    this.binary = entry.binary !== false;
    this.source = entry.source !== false;
  }
}

export function toUrl(u) {
  if (u === null || u === undefined) return null;
  u = String(u);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) return u.replace(/\/+$/, '');
  const p = isAbsolute(u) ? u : resolve(u);
  return pathToFileURL(p).href.replace(/\/+$/, '');
}

export function urlToPath(u) {
  if (!u.startsWith('file://')) {
    throw new SpackError(`The Spack stand-in only supports file:// mirrors (got ${u})`, null, { exitCode: 1 });
  }
  return fileURLToPath(u);
}

export function urlJoin(base, ...parts) {
  return [base.replace(/\/+$/, ''), ...parts].join('/');
}

export function mirrorCollection(ctx, { binary = true } = {}) {
  const cfg = ctx.config.get('mirrors') ?? {};
  const res = [];
  for (const [name, entry] of Object.entries(cfg)) {
    const m = new Mirror(name, entry);
    if (binary && !m.binary) continue;
    res.push(m);
  }
  return res;
}

// argument that is either a mirror name, a path or a URL
export function mirrorFromArg(ctx, arg) {
  const named = mirrorCollection(ctx, { binary: false }).find((m) => m.name === arg);
  if (named) return named;
  return new Mirror(toUrl(arg), { url: arg });
}
