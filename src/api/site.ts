/**
 * The whole site as path → bytes: what `paks api build` writes and what `paks serve` serves.
 * Writing goes to a temporary folder beside OUT that replaces OUT only when complete, and
 * removes nothing it did not write.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as z from 'zod';
import { PaksError } from '../errors.js';
import { followLinks, temporarySibling } from '../fs/atomic.js';
import { entriesInTheWay, folderContents, isContainedPath, removeWritten } from '../fs/written.js';
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

/** Where `paks api build` records what it wrote: the one proof that a folder is an earlier build. */
export const SITE_RECORD = '.paks-site.json';

const siteRecord = z.object({
  written_by: z.literal('paks api build'),
  files: z.array(z.string().refine(isContainedPath)),
});

export interface SiteTarget {
  /** The folder itself: OUT, or where its symbolic links lead. */
  path: string;
  /** The files an earlier build wrote there; undefined when the folder is missing or empty. */
  earlier?: string[];
}

async function readSiteRecord(folder: string): Promise<string[] | undefined> {
  const text = await readFile(join(folder, SITE_RECORD), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const record = siteRecord.safeParse(value);
  return record.success ? [...record.data.files, SITE_RECORD] : undefined;
}

/** Refuses an OUT that is not a folder Paks may replace (checked before any work, and again when writing). */
export async function checkSiteTarget(out: string): Promise<SiteTarget> {
  const path = await followLinks(resolve(out)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP') throw new PaksError('usage', `${out} is a loop of symbolic links.`);
    throw error;
  });
  const existing = await stat(path).catch(() => undefined);
  if (!existing) return { path };
  if (!existing.isDirectory()) throw new PaksError('usage', `${out} exists and is not a folder.`, { hint: 'Name a new folder, or an earlier output of paks api build.' });
  if ((await readdir(path)).length === 0) return { path };
  const earlier = await readSiteRecord(path);
  if (!earlier) {
    throw new PaksError('usage', `${out} is not empty and is not an earlier output of paks api build (it has no ${SITE_RECORD}); Paks will not replace it.`, {
      hint: 'Name a new or empty folder. A site built by a Paks older than this one has no such record: remove it yourself once.',
    });
  }
  return { path, earlier };
}

/**
 * Writes the site into a fresh temporary folder beside OUT (or beside where its links lead),
 * then swaps it in: readers and a failed build never see half a site. An existing OUT must be
 * an earlier build; what it holds that the earlier build did not write (a CNAME, .git) is
 * carried into the new site, and only the files the earlier build recorded are removed.
 * Returns the old folder's path when something appeared in it during the swap and was left there.
 */
export async function writeSite(site: Site, out: string): Promise<string | undefined> {
  const target = await checkSiteTarget(out);
  const written = [...site.keys(), SITE_RECORD];
  const foreign = target.earlier ? (await folderContents(target.path, target.earlier)).foreign : [];
  const inTheWay = entriesInTheWay(foreign, written);
  if (inTheWay.length) {
    throw new PaksError('conflict', `${join(out, inTheWay[0]!)} was not written by paks api build and the new site needs that path; Paks will not replace it.`, {
      hint: 'Move it out of the folder, then build again.',
    });
  }
  await mkdir(dirname(target.path), { recursive: true });
  const temp = temporarySibling(target.path);
  const old = `${temp}.old`;
  const carried: string[] = [];
  let movedAway = false;
  try {
    await mkdir(temp);
    for (const [path, content] of site) {
      const destination = join(temp, ...path.split('/'));
      await mkdir(dirname(destination), { recursive: true });
      await writeFile(destination, content.body, { flag: 'wx' });
    }
    await writeFile(join(temp, SITE_RECORD), `${JSON.stringify({ written_by: 'paks api build', files: [...site.keys()].sort() }, null, 2)}\n`, { flag: 'wx' });
    for (const path of foreign) {
      await mkdir(dirname(join(temp, path)), { recursive: true });
      await rename(join(target.path, path), join(temp, path));
      carried.push(path);
    }
    // An empty OUT is replaced by the rename itself; an earlier build moves aside first.
    if (target.earlier) {
      await rename(target.path, old);
      movedAway = true;
    }
    await rename(temp, target.path);
  } catch (error) {
    if (movedAway) await rename(old, target.path).catch(() => undefined);
    for (const path of carried) await rename(join(temp, path), join(target.path, path)).catch(() => undefined);
    await removeWritten(temp, written);
    throw error;
  }
  if (!target.earlier) return undefined;
  return (await removeWritten(old, target.earlier)).length ? old : undefined;
}
