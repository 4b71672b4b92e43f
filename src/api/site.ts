/**
 * The whole site as path → bytes: what `paks api build` writes and what `paks serve` serves.
 * Writing goes to a temporary folder beside OUT that replaces OUT only when complete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PaksError } from '../errors.js';
import { sitePaths, type ApiDocuments } from './documents.js';
import { CATALOGUE_CSS, CATALOGUE_JS, FAVICON_SVG, renderIndex, renderPackage } from './render.js';
import { apiSchemas } from './schemas.js';

export interface SiteFile {
  body: Buffer;
  contentType: string;
  /** Strong validator: a hash of the bytes. */
  etag: string;
}

export type Site = Map<string, SiteFile>;

const JSON_TYPE = 'application/json; charset=utf-8';

function file(body: string, contentType: string): SiteFile {
  const bytes = Buffer.from(body, 'utf8');
  return { body: bytes, contentType, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"` };
}

export function jsonFile(value: unknown): SiteFile {
  return file(`${JSON.stringify(value, null, 2)}\n`, JSON_TYPE);
}

export function buildSite(documents: ApiDocuments): Site {
  const site: Site = new Map();
  const names = new Set(documents.byName.keys());
  site.set('index.html', file(renderIndex(documents.packages), 'text/html; charset=utf-8'));
  site.set('assets/catalogue.css', file(CATALOGUE_CSS, 'text/css; charset=utf-8'));
  site.set('assets/catalogue.js', file(CATALOGUE_JS, 'text/javascript; charset=utf-8'));
  site.set('assets/favicon.svg', file(FAVICON_SVG, 'image/svg+xml'));
  site.set(sitePaths.packages, jsonFile(documents.packages));
  for (const [name, schema] of Object.entries(apiSchemas)) site.set(sitePaths.schema(name), jsonFile(schema));
  for (const [name, doc] of documents.byName) {
    site.set(sitePaths.package(name), jsonFile(doc));
    site.set(sitePaths.page(name), file(renderPackage(doc, names), 'text/html; charset=utf-8'));
    for (const [version, versionDoc] of documents.versions.get(name) ?? []) site.set(sitePaths.version(name, version), jsonFile(versionDoc));
  }
  for (const [path, extra] of documents.files) site.set(path, { body: extra.bytes, contentType: extra.contentType, etag: `"${createHash('sha256').update(extra.bytes).digest('base64url').slice(0, 27)}"` });
  // GitHub Pages runs Jekyll unless told not to; Jekyll drops files it does not expect.
  site.set('.nojekyll', file('', 'text/plain; charset=utf-8'));
  return site;
}

/**
 * Writes the site into a fresh temporary folder beside `out`, then swaps it in: readers and
 * a failed build never see half a site. An existing OUT must look like an earlier build.
 */
/** Refuses an OUT that is not a folder Paks may replace (checked before any work, and again when writing). */
export async function checkSiteTarget(out: string): Promise<boolean> {
  const target = resolve(out);
  const existing = await stat(target).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new PaksError('usage', `${out} exists and is not a folder.`, { hint: 'Name a new folder, or an earlier output of paks api build.' });
  if (existing) {
    const earlier = await stat(join(target, 'api', 'v1', 'packages.json')).catch(() => undefined);
    if (!earlier && (await readdir(target)).length > 0) {
      throw new PaksError('usage', `${out} is not empty and is not an earlier output of paks api build; Paks will not replace it.`, {
        hint: 'Name a new folder, or empty this one.',
      });
    }
  }
  return existing !== undefined;
}

export async function writeSite(site: Site, out: string): Promise<void> {
  const target = resolve(out);
  const existing = await checkSiteTarget(out);
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const old = `${temp}.old`;
  try {
    for (const [path, content] of site) {
      const destination = join(temp, ...path.split('/'));
      await mkdir(dirname(destination), { recursive: true });
      await writeFile(destination, content.body);
    }
    if (existing) await rename(target, old);
    await rename(temp, target);
    if (existing) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (existing) await rename(old, target).catch(() => undefined);
    throw error;
  }
}
