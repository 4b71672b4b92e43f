import { randomBytes } from 'node:crypto';
import { createReadStream, lstatSync, mkdirSync, renameSync } from 'node:fs';
import { lstat, mkdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PaksError } from '../errors.js';
import type { Reporter, Task } from '../ui/reporter.js';
import type { RegistryClient } from './client.js';
import { listRegularFiles, type DirectoryFile } from './directory-files.js';
import { hasherFor } from './digest.js';
import { conflictingTitles, unsafeTitleReason } from './layer-title.js';
import type { FetchedManifest } from './manifests.js';
import {
  ANNOTATION_CREATED,
  ANNOTATION_DESCRIPTION,
  ANNOTATION_SOURCE,
  ANNOTATION_TITLE,
  EMPTY_CONFIG,
  MEDIA_TYPE_PATTERN,
  mediaTypeForPath,
  OCI_MANIFEST,
  PAKS_BUILDCACHE,
} from './media-types.js';
import { hostPlatform, matchesPlatform, selectFromIndex, type IndexSelector } from './platform.js';
import { formatReference, isValidTag, manifestTarget, type ImageReference } from './reference.js';
import { mapInSizeLanes } from './pool.js';
import type { Descriptor, ImageManifest } from './schemas.js';

/** Blobs from this size on are bandwidth-bound and share their own concurrency lane. */
const LARGE_BLOB = 1024 * 1024;

export interface PushArtifactOptions {
  client: RegistryClient;
  directory: string;
  /** Where to push; its tag (or digest) names the manifest. */
  reference: ImageReference;
  /** More tags for the same manifest. */
  tags?: readonly string[];
  /** Extra manifest annotations (override the defaults below). */
  annotations?: Record<string, string>;
  artifactType?: string;
  /** org.opencontainers.image.source / .description on the manifest. */
  source?: string;
  description?: string;
  mediaTypeFor?: (relPath: string) => string;
  reporter?: Reporter;
  concurrency?: number;
  now?: () => Date;
  /**
   * Work that runs beside the blob upload and must succeed before any tag moves (reading
   * the build cache for its Spack images): awaited before the manifest, so when it fails
   * no tag points anywhere new.
   */
  ready?: Promise<unknown>;
  /**
   * Each file's layer, as soon as its blob is in the registry (pushed or already there);
   * `inPrevious`: the manifest the tag named before this push already listed this blob.
   */
  onLayer?: (layer: Descriptor, inPrevious: boolean) => void;
  /** The directory's files, when the caller has listed them already (listRegularFiles). */
  files?: readonly DirectoryFile[];
}

export interface PushedArtifact {
  digest: string;
  size: number;
  mediaType: string;
  manifest: ImageManifest;
  /** The reference pushed, with the manifest digest filled in. */
  reference: ImageReference;
  tags: string[];
  blobs: { pushed: number; existing: number; bytesPushed: number };
  /** The tag already named a manifest with this content (all but its creation time): it was kept. */
  unchanged: boolean;
}

/**
 * Pushes every regular file under `directory` as one layer titled with its relative path.
 * Blobs go first, several at once; the manifest goes last, only after every blob is in,
 * so no tag ever points at missing content. Extra tags then point at the same digest.
 */
export async function pushArtifact(options: PushArtifactOptions): Promise<PushedArtifact> {
  const { client, reference } = options;
  manifestTarget(reference); // a reference with neither tag nor digest is a usage error, before any work
  const repo = { registry: reference.registry, repository: reference.repository };
  const tags = [...new Set(options.tags ?? [])].filter((t) => t !== reference.tag);
  for (const tag of tags) {
    if (!isValidTag(tag)) throw new PaksError('usage', `"${tag}" is not a valid tag.`, { hint: 'A tag is up to 128 letters, digits, "_", "." or "-".' });
  }
  const artifactType = options.artifactType ?? PAKS_BUILDCACHE;
  const mediaTypeFor = options.mediaTypeFor ?? mediaTypeForPath;
  const files = options.files ?? (await listRegularFiles(options.directory));
  if (files.length === 0) {
    throw new PaksError('usage', `${options.directory} has no files to push.`, { hint: 'Push the directory that `spack buildcache push` wrote.' });
  }
  for (const file of files) {
    const type = mediaTypeFor(file.relPath);
    if (!MEDIA_TYPE_PATTERN.test(type)) throw new PaksError('usage', `"${type}" (for ${file.relPath}) is not a valid media type.`);
  }
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const target = formatReference(reference);
  const task = options.reporter?.task(`Pushing ${count(files.length, 'file')} (${formatBytes(total)}) to ${target}`);
  const progress = progressReporter(task, files.length, total, 'pushed');

  try {
    const current = await currentManifest(client, reference, options.reporter);
    const previousLayers = new Set(current?.manifest.layers.map((layer) => layer.digest));
    const knownDigests = new Set(current ? [current.manifest.config.digest, ...previousLayers] : []);
    if (!knownDigests.has(EMPTY_CONFIG.digest)) await client.pushBlobBytes(repo, Buffer.from(EMPTY_CONFIG.data, 'base64'), EMPTY_CONFIG.mediaType);
    const counts = { pushed: 0, existing: 0, bytesPushed: 0 };
    const layers = await mapInSizeLanes(files, (file) => file.size >= LARGE_BLOB, options.concurrency ?? client.concurrency, async (file) => {
      const blob = await client.pushBlobFromFile(repo, file.path, mediaTypeFor(file.relPath), { onProgress: progress.bytes, knownDigests, stats: file.stats });
      if (blob.pushed) {
        counts.pushed++;
        counts.bytesPushed += blob.size;
      } else counts.existing++;
      progress.fileDone();
      const layer: Descriptor = { mediaType: blob.mediaType, digest: blob.digest, size: blob.size, annotations: { [ANNOTATION_TITLE]: file.relPath } };
      options.onLayer?.(layer, previousLayers.has(blob.digest));
      return layer;
    });

    await options.ready;
    const annotations: Record<string, string> = { [ANNOTATION_CREATED]: (options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    if (options.source) annotations[ANNOTATION_SOURCE] = options.source;
    if (options.description) annotations[ANNOTATION_DESCRIPTION] = options.description;
    Object.assign(annotations, options.annotations);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { ...EMPTY_CONFIG },
      layers,
      annotations,
    };
    if (current && (!reference.digest || reference.digest === current.digest) && sameButCreated(current.bytes, manifest)) {
      // Nothing changed: the tag keeps its manifest (and digest); extra tags point at it too.
      for (const tag of tags) await client.putManifest(repo, tag, current.bytes, OCI_MANIFEST);
      task?.succeed(`${target} already holds these ${count(files.length, 'file')}: nothing changed, it stays ${current.digest}`);
      return {
        digest: current.digest,
        size: current.bytes.length,
        mediaType: OCI_MANIFEST,
        manifest: current.manifest,
        reference: { ...reference, digest: current.digest },
        tags: [...(reference.tag ? [reference.tag] : []), ...tags],
        blobs: counts,
        unchanged: true,
      };
    }
    const bytes = Buffer.from(JSON.stringify(manifest));
    // A tag when there is one (a digest alone only checks that the same bytes come out).
    const put = await client.putManifest(repo, reference.tag ?? manifestTarget(reference), bytes, OCI_MANIFEST);
    if (reference.digest && reference.digest !== put.digest) {
      throw new PaksError('usage', `The pushed manifest is ${put.digest}, not the digest ${reference.digest} the reference names.`, { hint: 'Push to a tag instead of a digest.' });
    }
    for (const tag of tags) await client.putManifest(repo, tag, bytes, OCI_MANIFEST);
    const done = `Pushed ${count(files.length, 'file')} to ${target} (${counts.pushed} uploaded, ${formatBytes(counts.bytesPushed)}; ${counts.existing} already there)`;
    task?.succeed(done);
    return {
      digest: put.digest,
      size: put.size,
      mediaType: OCI_MANIFEST,
      manifest,
      reference: { ...reference, digest: put.digest },
      tags: [...(reference.tag ? [reference.tag] : []), ...tags],
      blobs: counts,
      unchanged: false,
    };
  } catch (error) {
    task?.fail(`Push to ${target} failed`);
    throw error;
  }
}

/**
 * The manifest the tag names now, if any. The registry keeps every blob a manifest refers
 * to, so pushing the same content again needs no HEAD for them, and when nothing changed
 * at all, no new manifest either. Best effort: without it, everything is checked.
 */
async function currentManifest(client: RegistryClient, reference: ImageReference, reporter?: Reporter): Promise<(FetchedManifest & { kind: 'manifest' }) | undefined> {
  if (!reference.tag) return undefined;
  try {
    const current = await client.getManifest({ registry: reference.registry, repository: reference.repository, tag: reference.tag });
    return current.kind === 'manifest' ? current : undefined;
  } catch (error) {
    if (!(error instanceof PaksError && error.kind === 'not-found')) reporter?.debug(`could not read the current ${formatReference(reference)}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** Whether the registry's manifest bytes say exactly what `manifest` says, creation time aside. */
function sameButCreated(existing: Buffer, manifest: ImageManifest): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(existing.toString('utf8'));
  } catch {
    return false;
  }
  const [theirs, ours] = [withoutCreated(parsed), withoutCreated(manifest)];
  // Paks writes its keys in one order, so plain JSON usually settles it; sorting is the fallback.
  return JSON.stringify(theirs) === JSON.stringify(ours) || canonical(theirs) === canonical(ours);
}

function withoutCreated(manifest: unknown): unknown {
  if (typeof manifest !== 'object' || manifest === null || !('annotations' in manifest)) return manifest;
  const { [ANNOTATION_CREATED]: _created, ...annotations } = (manifest as { annotations: Record<string, string> }).annotations ?? {};
  return { ...manifest, annotations };
}

/** JSON with object keys sorted, so key order does not make two equal documents differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface PullArtifactOptions {
  client: RegistryClient;
  reference: ImageReference;
  directory: string;
  /** Chooses the manifest when the reference names an index (default: this machine's os/arch). */
  platform?: IndexSelector;
  reporter?: Reporter;
  concurrency?: number;
}

export interface PulledArtifact {
  /** Digest of the manifest whose layers were downloaded. */
  digest: string;
  /** The reference pulled, with that digest filled in. */
  reference: ImageReference;
  manifest: ImageManifest;
  /** Relative paths written under the directory. */
  files: string[];
  size: number;
}

/**
 * Downloads every layer of an artifact into `directory` under its title. Every title is
 * checked before anything is downloaded; layers land in a staging folder inside the
 * directory, verified, and move into place only when all of them arrived. On failure,
 * everything this pull created is removed. A file already there is replaced only when it
 * holds the same bytes; any other stops the pull before it downloads.
 */
export async function pullArtifact(options: PullArtifactOptions): Promise<PulledArtifact> {
  const { client } = options;
  const directory = resolve(options.directory);
  const target = formatReference(options.reference);
  const resolved = await resolveManifest(client, options.reference, options.platform);
  const { manifest } = resolved;
  const repo = { registry: options.reference.registry, repository: options.reference.repository };

  const layers = manifest.layers.map((layer, index) => {
    const title = layer.annotations?.[ANNOTATION_TITLE];
    if (title === undefined) {
      throw new PaksError('integrity', `Cannot pull ${target}: layer ${index + 1} (${layer.digest}) has no ${ANNOTATION_TITLE} annotation, so Paks does not know where to put it.`);
    }
    const reason = unsafeTitleReason(title, directory);
    if (reason) {
      throw new PaksError('integrity', `Refusing to pull ${target}: the layer title "${title.replace(/\0/g, '\\0')}" is unsafe (${reason}). Nothing was downloaded.`, {
        hint: 'The artifact was not made by Paks or was tampered with; do not use it.',
      });
    }
    return { layer, title };
  });
  const conflict = conflictingTitles(layers.map((l) => l.title));
  if (conflict) throw new PaksError('integrity', `Refusing to pull ${target}: ${conflict}. Nothing was downloaded.`);

  await refuseForeignFiles(directory, layers, target);

  const total = layers.reduce((sum, l) => sum + l.layer.size, 0);
  const task = options.reporter?.task(`Pulling ${count(layers.length, 'file')} (${formatBytes(total)}) from ${target}`);
  const progress = progressReporter(task, layers.length, total, 'downloaded');
  const created = new CreatedPaths();
  const staging = join(directory, `.paks-pull-${randomBytes(6).toString('hex')}`);
  try {
    await created.root(directory);
    await mkdir(staging);
    await mapInSizeLanes(layers, ({ layer }) => layer.size >= LARGE_BLOB, options.concurrency ?? client.concurrency, async ({ layer }, index) => {
      await client.fetchBlobToFile(repo, layer, join(staging, String(index)), { onProgress: progress.bytes });
      progress.fileDone();
    });
    // Every byte is in and verified: move the files into place. Synchronous on purpose: a
    // tight loop of local renames, where a promise per call would cost more than the call.
    for (const [index, { title }] of layers.entries()) {
      const parent = title.includes('/') ? title.slice(0, title.lastIndexOf('/')) : '';
      created.directory(directory, parent);
      const destination = join(directory, title);
      const found = lstatSync(destination, { throwIfNoEntry: false });
      if (found?.isDirectory()) throw new PaksError('conflict', `Cannot pull ${target}: ${destination} is a directory.`);
      renameSync(join(staging, String(index)), destination);
      if (!found) created.file(destination);
    }
    await rm(staging, { recursive: true, force: true });
    task?.succeed(`Pulled ${count(layers.length, 'file')} (${formatBytes(total)}) from ${target} into ${options.directory}`);
    return {
      digest: resolved.digest,
      reference: { ...options.reference, digest: resolved.digest },
      manifest,
      files: layers.map((l) => l.title),
      size: total,
    };
  } catch (error) {
    task?.fail(`Pull of ${target} failed; removed what it had written`);
    await rm(staging, { recursive: true, force: true });
    await created.undo();
    throw error;
  }
}

async function resolveManifest(client: RegistryClient, reference: ImageReference, selector?: IndexSelector): Promise<FetchedManifest & { kind: 'manifest' }> {
  const fetched = await client.getManifest(reference);
  if (fetched.kind === 'manifest') return fetched;
  const entries = fetched.index.manifests;
  let chosen: Descriptor | undefined;
  if (selector) chosen = selectFromIndex(entries, selector);
  else if (entries.length === 1) chosen = entries[0];
  else {
    const host = hostPlatform();
    const matching = entries.filter((e) => matchesPlatform(host)(e) === true);
    if (matching.length > 1) {
      throw new PaksError('usage', `${formatReference(reference)} has ${matching.length} builds for ${host.os}/${host.architecture}; Paks cannot tell which one to pull.`, {
        hint: 'Pull one of them by digest (REF@sha256:...) or by its per-build tag.',
      });
    }
    chosen = matching[0];
  }
  if (!chosen) {
    const available = entries.map((e) => (e.platform ? `${e.platform.os}/${e.platform.architecture}` : e.digest)).join(', ');
    throw new PaksError('not-found', `${formatReference(reference)} has no build for this platform (it has: ${available || 'nothing'}).`);
  }
  const inner = await client.getManifest({ registry: reference.registry, repository: reference.repository, digest: chosen.digest });
  if (inner.kind !== 'manifest') throw new PaksError('registry', `${formatReference(reference)} points to an index inside an index, which Paks does not follow.`);
  return inner;
}

/** Remembers the files and directories a pull made, to remove them if it fails. */
/**
 * A pull replaces a file already in the directory only when it holds the very bytes the
 * layer holds (an earlier pull of the same content); anything else there is not Paks' to
 * overwrite, so the pull stops before downloading.
 */
async function refuseForeignFiles(directory: string, layers: ReadonlyArray<{ layer: Descriptor; title: string }>, target: string): Promise<void> {
  for (const { layer, title } of layers) {
    const destination = join(directory, title);
    const found = await lstat(destination).catch(() => undefined);
    if (!found || found.isDirectory()) continue; // a directory in the way is refused below, as before
    const same = found.isFile() && found.size === layer.size && (await digestOfFile(destination, layer.digest)) === layer.digest;
    if (!same) {
      throw new PaksError('conflict', `Cannot pull ${target} into ${directory}: ${title} is already there ${found.isSymbolicLink() ? 'as a symbolic link' : 'with other content'}, and Paks does not replace a file it did not write. Nothing was downloaded.`, {
        hint: 'Pull into a new or empty folder, or move that file away.',
      });
    }
  }
}

async function digestOfFile(path: string, algorithmOf: string): Promise<string> {
  const hasher = hasherFor(algorithmOf);
  for await (const chunk of createReadStream(path)) hasher.update(chunk as Buffer);
  return hasher.finish();
}

class CreatedPaths {
  private readonly files: string[] = [];
  private readonly directories: string[] = [];
  private readonly checked = new Set<string>();

  file(path: string): void {
    this.files.push(path);
  }

  /** Makes the pull directory (and missing parents), remembering what was new. */
  async root(directory: string): Promise<void> {
    const found = await lstat(directory).catch(() => undefined);
    if (found && !found.isDirectory()) throw new PaksError('usage', `Cannot pull into ${directory}: it exists and is not a directory.`);
    const first = await mkdir(directory, { recursive: true });
    if (first === undefined) return;
    for (let path = directory; path.length >= first.length; path = dirname(path)) this.directories.unshift(path);
  }

  /** Makes `relDir` under `root` one level at a time, refusing to walk through symbolic links. */
  directory(root: string, relDir: string): void {
    const parts = relDir === '' ? [] : relDir.split('/');
    let current = root;
    for (const part of parts) {
      current = join(current, part);
      // Checked (or made) for an earlier file of this pull: many files share their parents.
      if (this.checked.has(current)) continue;
      const found = lstatSync(current, { throwIfNoEntry: false });
      if (found && !found.isDirectory()) {
        throw new PaksError('integrity', `Cannot pull into ${current}: it exists and is not a directory${found.isSymbolicLink() ? ' (a symbolic link)' : ''}.`, {
          hint: 'Pull into an empty directory.',
        });
      }
      if (!found) {
        mkdirSync(current);
        this.directories.push(current);
      }
      this.checked.add(current);
    }
  }

  async undo(): Promise<void> {
    for (const file of this.files.reverse()) await rm(file, { force: true });
    for (const dir of this.directories.reverse()) await rmdir(dir).catch(() => {});
  }
}

function progressReporter(task: Task | undefined, files: number, total: number, verb: string) {
  let bytes = 0;
  let done = 0;
  let last = 0;
  const show = (force = false) => {
    const now = Date.now();
    if (!task || (!force && now - last < 200)) return;
    last = now;
    task.update(`${done}/${files} files ${verb}, ${formatBytes(bytes)} of ${formatBytes(total)}`);
  };
  return {
    bytes: (n: number) => {
      bytes += n;
      show();
    },
    fileDone: () => {
      done++;
      show(done === files);
    },
  };
}

export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
