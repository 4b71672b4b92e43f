/**
 * A Spack mirror reached by URL (`https://…` or `file://…`): "does this location look like
 * me" for the mirror source, and the URLs of the files inside it.
 */
import { PaksError } from '../errors.js';
import { displayUrl, parseSourceUrl } from '../http/fetch-url.js';

export interface MirrorLocation {
  /** The mirror's root, always ending in `/`. */
  root: URL;
  /** As the user wrote it (for messages and settings). */
  text: string;
}

/** An entry names a Spack mirror when it is an https:// or file:// URL (registries are host/path). */
export function looksLikeMirror(entry: string): boolean {
  return /^(https|file):\/\//i.test(entry.trim());
}

export function parseMirror(text: string): MirrorLocation {
  const url = parseSourceUrl(text.trim(), 'The mirror');
  if (url.search || url.hash) throw new PaksError('usage', `The mirror ${displayUrl(url)} must not carry a query or fragment.`);
  const root = new URL(url.href.endsWith('/') ? url.href : `${url.href}/`);
  return { root, text: text.trim() };
}

/** A file of the mirror; `rel` uses `/` and never leaves the root (it comes from Paks, not from the mirror). */
export function mirrorFile(mirror: MirrorLocation, rel: string): URL {
  if (rel.split('/').some((part) => part === '..' || part === '')) throw new PaksError('integrity', `"${rel}" is not a path inside a mirror.`);
  return new URL(rel, mirror.root);
}

export function describeMirror(mirror: MirrorLocation): string {
  return displayUrl(mirror.root).replace(/\/$/, '');
}
