// Binary build caches, layout v2 (Spack 0.23):
//   build_cache/<arch>-<compiler>-<name>-<version>-<hash>.spec.json[.sig]
//   build_cache/<arch>/<compiler>/<name>-<version>/<...>.spack  (gzip tar)
//   build_cache/index.json, index.json.hash, _pgp/<FPR>.pub, _pgp/index.json
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { createTar, gzip, readTar } from './tar.mjs';
import { downloadOciTarball, readOciIndex } from './oci.mjs';
import { nodeFromSpecDict } from './spec.mjs';
import { databaseInstalls, nodesOfDatabase } from './database.mjs';
import { dumpYaml, parseYaml } from './yaml.mjs';
import { mirrorCollection, urlJoin, urlToPath } from './mirrors.mjs';
import { pyBytesRepr, pyJsonIndent0, sha256hex, SpackError, tty } from './util.mjs';
import { isV1 } from './dialect.mjs';
import { downloadTarballV3, mirrorsWithSpecV3, readIndexV3 } from './buildcache-v3.mjs';

export const CLEARSIGN_RE = /^-----BEGIN PGP SIGNED MESSAGE-----\s+Hash:\s+[^\s]+\s+(.+)-----BEGIN PGP SIGNATURE-----/ms;

export function tarballName(node, ext) {
  return `${node.archStr}-${node.compiler.name}-${node.compiler.version}-${node.name}-${node.version}-${node.hash}${ext}`;
}
export function tarballDir(node) {
  return `${node.archStr}/${node.compiler.name}-${node.compiler.version}/${node.name}-${node.version}`;
}

export function extractSpecJson(text) {
  const m = CLEARSIGN_RE.exec(text);
  return JSON.parse(m ? m[1] : text);
}

// --------------------------------------------------------------- tarball
function walkPrefix(prefix) {
  const out = [];
  const visit = (dir) => {
    const names = readdirSync(dir).sort();
    const files = [];
    const dirs = [];
    for (const n of names) {
      const p = join(dir, n);
      const st = lstatSync(p);
      if (st.isDirectory()) dirs.push(p);
      else files.push({ p, st });
    }
    for (const { p, st } of files) {
      if (relative(prefix, p) === join('.spack', 'binary_distribution')) continue;
      if (st.isSymbolicLink()) out.push({ path: p, type: 'symlink', linkname: readlinkSync(p), mode: 0o777 });
      else out.push({ path: p, type: 'file', mode: st.mode & 0o111 ? 0o755 : 0o644 });
    }
    for (const d of dirs) {
      out.push({ path: d, type: 'dir', mode: 0o755 });
      visit(d);
    }
  };
  visit(prefix);
  return out;
}

export function buildinfoFor(ctx, node, prefix, textFiles, binaries = []) {
  const hashToPrefix = {};
  for (const n of node.traverse({ deptypes: ['link', 'run'] })) if (!n.external) hashToPrefix[n.hash] = ctx.prefixOf(n);
  return {
    sbang_install_path: join(ctx.installRoot, 'bin', 'sbang'),
    buildpath: ctx.installRoot,
    spackprefix: ctx.spackRoot,
    relative_prefix: relative(ctx.installRoot, prefix),
    relocate_textfiles: textFiles,
    relocate_binaries: binaries,
    relocate_links: [],
    hardlinks_deduped: true,
    hash_to_prefix: hashToPrefix,
  };
}

export function createSpackTarball(ctx, node) {
  const prefix = ctx.prefixOf(node);
  const rel = prefix.replace(/^\/+/, '');
  const entries = [];
  const parts = rel.split('/');
  for (let i = 1; i <= parts.length; i++) entries.push({ name: parts.slice(0, i).join('/'), type: 'dir', mode: 0o755 });
  const textFiles = [];
  const binaries = [];
  for (const e of walkPrefix(prefix)) {
    const name = `${rel}/${relative(prefix, e.path).split(sep).join('/')}`;
    if (e.type === 'file') {
      const data = readFileSync(e.path);
      const r = relative(prefix, e.path);
      if (!r.startsWith('.spack') && data.includes(Buffer.from(ctx.installRoot))) (data.includes(0) ? binaries : textFiles).push(r);
      entries.push({ name, type: 'file', mode: e.mode, data });
    } else entries.push({ name, type: e.type, mode: e.mode, linkname: e.linkname });
  }
  const buildinfo = buildinfoFor(ctx, node, prefix, textFiles, binaries);
  entries.push({ name: `${rel}/.spack/binary_distribution`, type: 'file', mode: 0o644, data: Buffer.from(dumpYaml(buildinfo)) });
  const buf = gzip(createTar(entries));
  return { buf, checksum: sha256hex(buf) };
}

// --------------------------------------------------------------- push
export function pushSpec(ctx, gpg, node, mirror, { unsigned, key, force }) {
  const root = urlToPath(mirror.pushUrl);
  const bc = join(root, 'build_cache');
  const spackfile = join(bc, tarballDir(node), tarballName(node, '.spack'));
  if (existsSync(spackfile)) {
    if (force) rmSync(spackfile);
    else throw Object.assign(new SpackError(`Refusing to overwrite the following file: ${urlJoin(mirror.pushUrl, 'build_cache', tarballDir(node), tarballName(node, '.spack'))}`), { noOverwrite: true });
  }
  const specJsonPath = join(ctx.prefixOf(node), '.spack', 'spec.json');
  const specDict = existsSync(specJsonPath) ? JSON.parse(readFileSync(specJsonPath, 'utf8')) : node.toSpecDict();
  let signKey = null;
  if (!unsigned) signKey = selectSigningKey(gpg, key);
  const { buf, checksum } = createSpackTarball(ctx, node);
  specDict.buildcache_layout_version = 2;
  specDict.binary_cache_checksum = { hash_algorithm: 'sha256', hash: checksum };
  const tmp = join(ctx.stageRoot, `push-${process.pid}-${node.hash}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const specFile = join(tmp, tarballName(node, '.spec.json'));
    writeFileSync(specFile, pyJsonIndent0(specDict));
    if (!unsigned) gpg.sign(signKey, specFile, `${specFile}.sig`, true);
    mkdirSync(dirname(spackfile), { recursive: true });
    writeFileSync(spackfile, buf);
    const ext = unsigned ? '.spec.json' : '.spec.json.sig';
    copyFileSync(unsigned ? specFile : `${specFile}.sig`, join(bc, tarballName(node, ext)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!unsigned) pushKeys(gpg, root, [signKey]);
}

export function selectSigningKey(gpg, key) {
  if (key) return key;
  const keys = gpg.signingKeys();
  if (keys.length > 1) {
    throw new SpackError(`Multiple keys available for signing\n${'[' + keys.map((k) => `'${k}'`).join(', ') + ']'}\nUse spack buildcache create -k <key hash> to pick a key.`, null, { className: 'PickKeyException' });
  }
  if (keys.length === 0) {
    throw new SpackError('No default key available for signing.\nUse spack gpg init and spack gpg create to create a default key.', null, { className: 'NoKeyException' });
  }
  return keys[0];
}

export function pushKeys(gpg, root, keys) {
  const dir = join(root, 'build_cache', '_pgp');
  mkdirSync(dir, { recursive: true });
  for (const k of keys) gpg.export(join(dir, `${k}.pub`), [k]);
  generateKeyIndex(root);
}

export function generateKeyIndex(root) {
  const dir = join(root, 'build_cache', '_pgp');
  mkdirSync(dir, { recursive: true });
  const keys = {};
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.pub')) keys[f.slice(0, -4)] = {};
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ keys }));
}

// --------------------------------------------------------------- index
export function readSpecFiles(root) {
  const bc = join(root, 'build_cache');
  if (!existsSync(bc)) return [];
  const files = readdirSync(bc)
    .filter((f) => f.endsWith('.spec.json') || f.endsWith('.spec.json.sig'))
    .sort();
  const res = [];
  for (const f of files) {
    try {
      res.push(nodeFromSpecDict(extractSpecJson(readFileSync(join(bc, f), 'utf8'))));
    } catch {
      /* ignore unreadable */
    }
  }
  return res;
}

export function generateIndex(root) {
  const roots = readSpecFiles(root);
  const installs = databaseInstalls(roots);
  const text = JSON.stringify({ database: { version: '7', installs } });
  const bc = join(root, 'build_cache');
  mkdirSync(bc, { recursive: true });
  writeFileSync(join(bc, 'index.json'), text);
  writeFileSync(join(bc, 'index.json.hash'), sha256hex(text));
}

// Specs listed by a mirror's index.json: [{node, inBuildcache}]
export function readIndex(mirror) {
  if (isV1()) return readIndexV3(mirror);
  const root = urlToPath(mirror.fetchUrl);
  const file = join(root, 'build_cache', 'index.json');
  if (!existsSync(file)) {
    const url = urlJoin(mirror.fetchUrl, 'build_cache', 'index.json');
    const e = new Error(`Could not fetch index from ${url}, due to: <urlopen error [Errno 2] No such file or directory: '${file}'>`);
    e.fetchIndexError = true;
    throw e;
  }
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const installs = data.database.installs;
  return nodesOfDatabase(installs);
}

// All specs available from configured binary mirrors (index + spec files),
// used by `buildcache list` and the concretizer's reuse.
export function allCachedNodes(ctx, { warn = false } = {}) {
  const res = new Map();
  const issues = [];
  for (const m of mirrorCollection(ctx)) {
    if (!m.fetchUrl?.startsWith('file://') && !m.fetchUrl?.startsWith('oci://')) continue;
    try {
      for (const { node, inBuildcache } of m.fetchUrl.startsWith('oci://') ? readOciIndex(ctx, m) : readIndex(m)) if (inBuildcache || node.external) if (!res.has(node.hash)) res.set(node.hash, node);
    } catch (e) {
      if (e.fetchIndexError) issues.push(`FetchIndexError: ${e.message}`);
      else throw e;
    }
  }
  if (warn && issues.length) tty.warn('The following issues were ignored while updating the indices of binary caches', ...issues);
  return [...res.values()];
}

// --------------------------------------------------------------- install
// Mirrors that hold a spec file for this node (direct check, like try_direct_fetch)
export function mirrorsWithSpec(ctx, node) {
  if (isV1()) return mirrorsWithSpecV3(ctx, node);
  const res = [];
  for (const m of mirrorCollection(ctx)) {
    if (m.fetchUrl?.startsWith('oci://')) {
      if (readOciIndex(ctx, m).some((e) => e.node.hash === node.hash && e.inBuildcache)) res.push(m);
      continue;
    }
    if (!m.fetchUrl?.startsWith('file://')) continue;
    const bc = join(urlToPath(m.fetchUrl), 'build_cache');
    if (existsSync(join(bc, tarballName(node, '.spec.json.sig'))) || existsSync(join(bc, tarballName(node, '.spec.json')))) res.push(m);
  }
  return res;
}

function stageFetch(ctx, url, srcPath) {
  if (!existsSync(srcPath)) return null;
  const dir = join(ctx.stageRoot, 'build_cache');
  mkdirSync(dir, { recursive: true });
  const dest = join(dir, srcPath.split('/').pop());
  copyFileSync(srcPath, dest);
  tty.msg(`Fetching ${url}`);
  return dest;
}

// download_tarball(): returns {specfile, tarball, verified, required} or null
export function downloadTarball(ctx, gpg, node, mirrors, unsignedOverride) {
  if (isV1()) return downloadTarballV3(ctx, gpg, node, mirrors, unsignedOverride);
  const triedToVerify = [];
  for (const trySigned of [true, false]) {
    for (const m of mirrors) {
      const currentlyUnsigned = unsignedOverride ? true : !m.signed;
      // Spack 0.23 OCI mirrors are unsigned (it forces --unsigned when pushing).
      if (m.fetchUrl.startsWith('oci://')) {
        if (trySigned && !currentlyUnsigned) continue;
        const dl = downloadOciTarball(ctx, node, m, join(ctx.stageRoot, 'build_cache'));
        if (dl) return { ...dl, required: !currentlyUnsigned };
        continue;
      }
      const ext = trySigned ? '.spec.json.sig' : '.spec.json';
      const root = urlToPath(m.fetchUrl);
      const specUrl = urlJoin(m.fetchUrl, 'build_cache', tarballName(node, ext));
      const spackRel = `${tarballDir(node)}/${tarballName(node, '.spack')}`;
      const local = stageFetch(ctx, specUrl, join(root, 'build_cache', tarballName(node, ext)));
      if (!local) continue;
      let verified = false;
      let layoutOk = true;
      try {
        const d = extractSpecJson(readFileSync(local, 'utf8'));
        if ((d.buildcache_layout_version ?? 0) > 2) {
          tty.warn(`Ignoring binary package for ${node.name}/${node.hash.slice(0, 7)} from ${m.fetchUrl} due to invalid metadata file: Layout version ${d.buildcache_layout_version} is too new`);
          layoutOk = false;
        }
      } catch (e) {
        tty.warn(`Ignoring binary package for ${node.name}/${node.hash.slice(0, 7)} from ${m.fetchUrl} due to invalid metadata file: ${e.message}`);
        layoutOk = false;
      }
      if (!layoutOk) {
        rmSync(local, { force: true });
        continue;
      }
      if (trySigned && !currentlyUnsigned) {
        triedToVerify.push(specUrl);
        verified = gpg.verify(local);
        if (!verified) tty.warn(`Failed to verify: ${specUrl}`);
      }
      if (currentlyUnsigned || verified || !trySigned) {
        const tarball = stageFetch(ctx, urlJoin(m.fetchUrl, 'build_cache', spackRel), join(root, 'build_cache', ...spackRel.split('/')));
        if (tarball) return { specfile: local, tarball, verified, required: !currentlyUnsigned };
      }
      rmSync(local, { force: true });
    }
  }
  if (triedToVerify.length) {
    throw new SpackError(
      'Spack found new style signed binary packages, but was unable to verify any of them.  Please obtain and trust the correct public key.  If these are public spack binaries, please see the spack docs for locations where keys can be found.',
      null,
      { className: 'NoVerifyException' },
    );
  }
  return null;
}

export function extractTarball(ctx, node, dl) {
  const prefix = ctx.prefixOf(node);
  const specDict = extractSpecJson(readFileSync(dl.specfile, 'utf8'));
  if (dl.required && !dl.verified) {
    throw new SpackError('To install unsigned packages, use the --no-check-signature option, or configure the mirror with signed: false.', null, { className: 'UnsignedPackageException' });
  }
  const buf = readFileSync(dl.tarball);
  const local = sha256hex(buf);
  // layout v3: the manifest's digest of the tarball blob
  const expected = dl.expected ?? specDict.binary_cache_checksum?.hash;
  if (local !== expected) {
    const contents = buf.length > 32 ? Buffer.concat([buf.subarray(0, 16), Buffer.from('...'), buf.subarray(buf.length - 16)]) : buf;
    rmSync(dl.tarball, { force: true });
    rmSync(dl.specfile, { force: true });
    const e = new SpackError(`sha256 checksum failed for ${dl.tarball}`, `Expected ${expected} but got ${local}. File size = ${buf.length} bytes. Contents = ${pyBytesRepr(contents)}`, { className: 'NoChecksumException' });
    e.noChecksum = true;
    throw e;
  }
  if (existsSync(prefix)) throw new SpackError(`Refusing to overwrite the following file: ${prefix}`, null, { className: 'NoOverwriteException' });
  const entries = readTar(buf);
  const bd = entries
    .filter((e) => e.type === 'file' && e.name.endsWith('.spack/binary_distribution'))
    .map((e) => e.name)
    .sort((a, b) => a.length - b.length)[0];
  if (!bd) throw new SpackError('Tarball is not a Spack package, missing binary_distribution file', null, { className: 'ValueError' });
  const pkgPrefix = bd.split('/').slice(0, -2).join('/');
  mkdirSync(prefix, { recursive: true });
  try {
    for (const e of entries) {
      const name = e.name.replace(/\/+$/, '');
      if (!(name === pkgPrefix || name.startsWith(pkgPrefix + '/'))) {
        if (e.type === 'dir' && pkgPrefix.startsWith(name)) continue;
        throw new SpackError(`Tarball contains file ${name} outside of prefix ${pkgPrefix}`, null, { className: 'ValueError' });
      }
      const rel = name.slice(pkgPrefix.length).replace(/^\/+/, '');
      const dest = join(prefix, rel);
      if (e.type === 'dir') mkdirSync(dest, { recursive: true });
      else if (e.type === 'symlink') {
        mkdirSync(dirname(dest), { recursive: true });
        rmSync(dest, { force: true });
        symlinkSync(e.linkname, dest);
      } else {
        mkdirSync(dirname(dest), { recursive: true });
        writeFileSync(dest, e.data, { mode: e.mode });
      }
    }
    relocate(ctx, node, prefix);
  } catch (err) {
    rmSync(prefix, { recursive: true, force: true });
    throw err;
  } finally {
    rmSync(dl.tarball, { force: true });
    rmSync(dl.specfile, { force: true });
  }
}

function relocate(ctx, node, prefix) {
  const biFile = join(prefix, '.spack', 'binary_distribution');
  if (!existsSync(biFile)) return;
  const bi = parseYaml(readFileSync(biFile, 'utf8')) ?? {};
  const oldRoot = String(bi.buildpath ?? '');
  const oldPrefix = join(oldRoot, String(bi.relative_prefix ?? ''));
  const map = [];
  const newHashToPrefix = {};
  for (const n of node.traverse()) if (!n.external) newHashToPrefix[n.hash] = ctx.prefixOf(n);
  for (const [h, p] of Object.entries(bi.hash_to_prefix ?? {})) if (newHashToPrefix[h]) map.push([String(p), newHashToPrefix[h]]);
  map.push([oldPrefix, prefix]);
  if (oldRoot) map.push([oldRoot, ctx.installRoot]);
  if (oldPrefix === prefix) return;
  // Longest old prefix first, so a dependency's prefix is not taken for the install root.
  map.sort((a, b) => b[0].length - a[0].length);
  for (const rel of bi.relocate_textfiles ?? []) {
    const f = join(prefix, String(rel));
    if (!existsSync(f)) continue;
    let text = readFileSync(f, 'latin1');
    for (const [from, to] of map) if (from !== to) text = text.split(from).join(to);
    writeFileSync(f, text, 'latin1');
  }
  // spack.relocate: a binary keeps its size, so a prefix may shrink (padded with NULs) but never grow.
  for (const rel of bi.relocate_binaries ?? []) {
    const f = join(prefix, String(rel));
    if (!existsSync(f)) continue;
    const data = readFileSync(f, 'latin1');
    let out = '';
    let at = 0;
    for (;;) {
      let hit = null;
      for (const [from, to] of map) {
        const i = data.indexOf(from, at);
        if (i >= 0 && (!hit || i < hit.i)) hit = { i, from, to };
      }
      if (!hit) break;
      if (hit.to.length > hit.from.length) {
        throw new SpackError(
          `Cannot replace ${pyBytesRepr(Buffer.from(hit.from))} with ${pyBytesRepr(Buffer.from(hit.to))} because the new prefix is longer. To fix this, compile with more padding (config:install_tree:padded_length), or install to a shorter prefix.`,
          null,
          { className: 'CannotGrowString' },
        );
      }
      // The C string keeps its length: what follows the prefix moves up, NULs fill the end.
      const end = data.indexOf('\0', hit.i);
      const stop = end < 0 ? data.length : end;
      const tail = data.slice(hit.i + hit.from.length, stop);
      out += data.slice(at, hit.i) + hit.to + tail + '\0'.repeat(hit.from.length - hit.to.length);
      at = stop;
    }
    writeFileSync(f, out + data.slice(at), 'latin1');
  }
}
