// Binary build caches, layout v3 (Spack 1.x), as the Spack 1.1 recording shows them
// (transcripts 21-27, 34b, 41, 154; test/fixtures/buildcache/v3-signed):
//   v3/layout.json                                   {"signing": "gpg"}
//   v3/manifests/spec/<name>/<name>-<version>-<hash>.spec.manifest.json   clearsigned if signed
//   v3/manifests/index/index.manifest.json, v3/manifests/key/{keys,<FPR>.key}.manifest.json
//   blobs/sha256/<cc>/<sha256>                       tarballs, gzip'd spec v5 JSON, index, keys
// A manifest is json.dumps(indent=0) of {"version":3,"data":[{contentLength, mediaType,
// compression, checksumAlgorithm, checksum}]}.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createSpackTarball } from './buildcache.mjs';
import { mirrorCollection, urlJoin, urlToPath } from './mirrors.mjs';
import { downloadOciTarball, readOciIndex } from './oci.mjs';
import { nodeFromSpecDict } from './spec.mjs';
import { databaseInstalls, nodesOfDatabase } from './database.mjs';
import { gzip } from './tar.mjs';
import { pyJsonIndent0, sha256hex, SpackError, tty } from './util.mjs';

const CLEARSIGNED = /^-----BEGIN PGP SIGNED MESSAGE-----\r?\n(?:[A-Za-z]+: [^\n]*\n)*\r?\n([\s\S]*?)\r?\n-----BEGIN PGP SIGNATURE-----/;
export const MEDIA = {
  tarball: 'application/vnd.spack.install.v2.tar+gzip',
  spec: 'application/vnd.spack.spec.v5+json',
  index: 'application/vnd.spack.db.v8+json',
  keyIndex: 'application/vnd.spack.keyindex.v1+json',
  key: 'application/pgp-keys',
};

const blobRel = (sum) => `blobs/sha256/${sum.slice(0, 2)}/${sum}`;
export const specManifestRel = (node) => `v3/manifests/spec/${node.name}/${node.name}-${node.version}-${node.hash}.spec.manifest.json`;

function record(buf, mediaType, compression) {
  return { contentLength: buf.length, mediaType, compression, checksumAlgorithm: 'sha256', checksum: sha256hex(buf) };
}

function writeBlob(root, buf) {
  const sum = sha256hex(buf);
  const file = join(root, blobRel(sum));
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, buf);
  return sum;
}

function writeManifest(root, rel, records) {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), pyJsonIndent0({ version: 3, data: records }));
}

function manifestJson(text) {
  const m = CLEARSIGNED.exec(text);
  return JSON.parse(m ? m[1].replace(/^- /gm, '') : text);
}

function readBlobOf(root, manifestRel, mediaType) {
  const manifest = manifestJson(readFileSync(join(root, manifestRel), 'utf8'));
  const rec = manifest.data.find((d) => d.mediaType === mediaType);
  if (!rec) throw new SpackError(`${manifestRel} lists no ${mediaType} blob`);
  const buf = readFileSync(join(root, blobRel(rec.checksum)));
  return { rec, buf: rec.compression === 'gzip' ? gunzipSync(buf) : buf };
}

// A first push to a mirror without v3/layout.json warns (transcripts 21, 22) and writes it,
// `{"signing": "gpg"}` even for unsigned pushes (23b).
export function ensureLayout(root) {
  const file = join(root, 'v3', 'layout.json');
  if (existsSync(file)) return;
  tty.warn("Configured mirror <unnamed> is missing layout.json and has either \n    never been pushed or is of an old layout version. If it's the latter, \n    consider running 'spack buildcache migrate' or rebuilding the specs in \n    in this mirror.");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ signing: 'gpg' }).replace(':', ': '));
}

export function pushSpecV3(ctx, gpg, node, mirror, { unsigned, key, force }) {
  const root = urlToPath(mirror.pushUrl);
  const rel = specManifestRel(node);
  if (existsSync(join(root, rel)) && !force) {
    throw Object.assign(new SpackError(`Refusing to overwrite the following file: ${urlJoin(mirror.pushUrl, rel)}`), { noOverwrite: true });
  }
  const specJsonPath = join(ctx.prefixOf(node), '.spack', 'spec.json');
  const specDict = existsSync(specJsonPath) ? JSON.parse(readFileSync(specJsonPath, 'utf8')) : node.toSpecDict();
  specDict.buildcache_layout_version = 2;
  const { buf } = createSpackTarball(ctx, node);
  const specBlob = gzip(Buffer.from(JSON.stringify(specDict)));
  writeBlob(root, buf);
  writeBlob(root, specBlob);
  const text = pyJsonIndent0({ version: 3, data: [record(buf, MEDIA.tarball, 'gzip'), record(specBlob, MEDIA.spec, 'gzip')] });
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  if (unsigned) {
    writeFileSync(join(root, rel), text);
    return;
  }
  const tmp = join(ctx.stageRoot, `push-${process.pid}-${node.hash}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const plain = join(tmp, 'spec.manifest.json');
    writeFileSync(plain, text);
    gpg.sign(key, plain, `${plain}.sig`, true);
    copyFileSync(`${plain}.sig`, join(root, rel));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // a signed push publishes its key (key manifests present right after transcript 21)
  pushKeysV3(gpg, root, [key], ctx);
}

export function pushKeysV3(gpg, root, keys, ctx) {
  for (const k of keys) {
    const tmp = join(ctx.stageRoot, `key-${process.pid}-${k}.pub`);
    mkdirSync(dirname(tmp), { recursive: true });
    gpg.export(tmp, [k]);
    const buf = readFileSync(tmp);
    rmSync(tmp, { force: true });
    writeBlob(root, buf);
    writeManifest(root, `v3/manifests/key/${k}.key.manifest.json`, [record(buf, MEDIA.key, 'none')]);
  }
  generateKeyIndexV3(root);
}

export function generateKeyIndexV3(root) {
  const dir = join(root, 'v3', 'manifests', 'key');
  mkdirSync(dir, { recursive: true });
  const keys = {};
  for (const f of readdirSync(dir).sort()) {
    const m = f.match(/^([0-9A-F]{40})\.key\.manifest\.json$/);
    if (m) keys[m[1]] = {};
  }
  const buf = Buffer.from(JSON.stringify({ keys }));
  writeBlob(root, buf);
  writeManifest(root, 'v3/manifests/key/keys.manifest.json', [record(buf, MEDIA.keyIndex, 'none')]);
}

// Every spec in the mirror, read from its manifest's spec blob ("Fetching" each, transcript 21)
function readSpecBlobs(root, url, { announce = false } = {}) {
  const dir = join(root, 'v3', 'manifests', 'spec');
  if (!existsSync(dir)) return [];
  const nodes = [];
  for (const name of readdirSync(dir).sort()) {
    for (const f of readdirSync(join(dir, name)).sort()) {
      if (!f.endsWith('.spec.manifest.json')) continue;
      try {
        const { rec, buf } = readBlobOf(root, `v3/manifests/spec/${name}/${f}`, MEDIA.spec);
        if (announce) tty.msg(`Fetching ${urlJoin(url, blobRel(rec.checksum))}`);
        nodes.push(nodeFromSpecDict(JSON.parse(buf.toString('utf8'))));
      } catch {
        /* ignore unreadable */
      }
    }
  }
  return nodes;
}

export function generateIndexV3(root, url) {
  const roots = readSpecBlobs(root, url, { announce: true });
  const installs = databaseInstalls(roots);
  const buf = Buffer.from(JSON.stringify({ database: { version: '8', installs } }));
  writeBlob(root, buf);
  writeManifest(root, 'v3/manifests/index/index.manifest.json', [record(buf, MEDIA.index, 'none')]);
}

export function readIndexV3(mirror) {
  const root = urlToPath(mirror.fetchUrl);
  const rel = 'v3/manifests/index/index.manifest.json';
  if (!existsSync(join(root, rel))) {
    const e = new Error(`Could not fetch index from ${urlJoin(mirror.fetchUrl, rel)}`);
    e.fetchIndexError = true;
    throw e;
  }
  const installs = JSON.parse(readBlobOf(root, rel, MEDIA.index).buf.toString('utf8')).database.installs;
  return nodesOfDatabase(installs);
}

// File mirrors with the spec's manifest, and oci:// mirrors whose index.spack lists it (transcript 68).
export function mirrorsWithSpecV3(ctx, node) {
  return mirrorCollection(ctx).filter((m) => {
    if (m.fetchUrl?.startsWith('oci://')) return readOciIndex(ctx, m).some((e) => e.node.hash === node.hash && e.inBuildcache);
    return m.fetchUrl?.startsWith('file://') && existsSync(join(urlToPath(m.fetchUrl), specManifestRel(node)));
  });
}

// Fetches the spec and tarball of `node` from the first mirror that has them; a signed
// mirror needs a manifest gpg verifies (gpg prints "Good signature" on stderr, transcript 41).
export function downloadTarballV3(ctx, gpg, node, mirrors, unsignedOverride) {
  const tried = [];
  for (const m of mirrors) {
    if (m.fetchUrl.startsWith('oci://')) {
      // An OCI mirror added with --unsigned (transcripts 60, 68): the image config is the spec,
      // its last layer the tarball, checked against binary_cache_checksum.
      if (!(unsignedOverride || !m.signed)) continue;
      const dl = downloadOciTarball(ctx, node, m, join(ctx.stageRoot, 'build_cache'));
      if (!dl) continue;
      const spec = JSON.parse(readFileSync(dl.specfile, 'utf8'));
      return { ...dl, expected: spec.binary_cache_checksum?.hash };
    }
    const root = urlToPath(m.fetchUrl);
    const rel = specManifestRel(node);
    const text = readFileSync(join(root, rel), 'utf8');
    const required = !(unsignedOverride || !m.signed);
    let verified = false;
    if (required) {
      tried.push(urlJoin(m.fetchUrl, rel));
      verified = CLEARSIGNED.test(text) && gpg.verify(join(root, rel));
      if (!verified) continue;
    }
    const manifest = manifestJson(text);
    const spec = manifest.data.find((d) => d.mediaType === MEDIA.spec);
    const tarball = manifest.data.find((d) => d.mediaType === MEDIA.tarball);
    const stage = join(ctx.stageRoot, 'build_cache');
    mkdirSync(stage, { recursive: true });
    const specfile = join(stage, `${node.name}-${node.version}-${node.hash}.spec.json`);
    writeFileSync(specfile, gunzipSync(readFileSync(join(root, blobRel(spec.checksum)))));
    const source = join(root, blobRel(tarball.checksum));
    if (!existsSync(source)) continue;
    tty.msg(`Fetching ${urlJoin(m.fetchUrl, blobRel(tarball.checksum))}`);
    const staged = join(stage, tarball.checksum);
    copyFileSync(source, staged);
    return { specfile, tarball: staged, verified, required, expected: tarball.checksum };
  }
  if (tried.length) {
    throw new SpackError('Spack found new style signed binary packages, but was unable to verify any of them.  Please obtain and trust the correct public key.  If these are public spack binaries, please see the spack docs for locations where keys can be found.', null, { className: 'NoVerifyException' });
  }
  return null;
}

// `buildcache keys [--install --trust]` on a layout v3 mirror (transcript 40): fetch the key
// index blob, then each key blob, and trust them.
export function fetchKeysV3(ctx, gpg, mirror, { install, trust }) {
  const root = urlToPath(mirror.fetchUrl);
  const indexRel = 'v3/manifests/key/keys.manifest.json';
  if (!existsSync(join(root, indexRel))) return;
  const { rec, buf } = readBlobOf(root, indexRel, MEDIA.keyIndex);
  tty.msg(`Fetching ${urlJoin(mirror.fetchUrl, blobRel(rec.checksum))}`);
  for (const fpr of Object.keys(JSON.parse(buf.toString('utf8')).keys ?? {})) {
    const rel = `v3/manifests/key/${fpr}.key.manifest.json`;
    if (!existsSync(join(root, rel))) continue;
    const key = readBlobOf(root, rel, MEDIA.key);
    tty.msg(`Fetching ${urlJoin(mirror.fetchUrl, blobRel(key.rec.checksum))}`);
    const stage = join(ctx.stageRoot, 'build_cache');
    mkdirSync(stage, { recursive: true });
    const dest = join(stage, `${fpr}.pub`);
    writeFileSync(dest, key.buf);
    if (install && trust) gpg.trust(dest);
  }
}
