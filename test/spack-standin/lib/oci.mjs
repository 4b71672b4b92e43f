// OCI build caches (oci:// mirrors), read side only, as Spack 0.23 reads them (transcripts
// 60-68): HTTPS always (even on loopback), the CA from config:ssl_certs, `index.spack` for the
// list of specs, `<name>-<version>-<hash>.spack` images whose config is the spec file and whose
// last layer is the tarball. Configs go to the source cache (`Using cached archive` later).
// The stand-in is synchronous, so each request runs in a short node child process.
// Spack 1.1 reads them the same way (its transcript 68: layout-3 configs, the same lines); in
// 1.x mode buildcache-v3.mjs routes oci:// mirrors here.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodesOfDatabase } from './database.mjs';
import { SpackError, sha256hex, tty } from './util.mjs';

const FETCH = `
const [url, ca, accept] = process.argv.slice(1);
const https = require('node:https');
const fs = require('node:fs');
const options = { headers: accept ? { accept } : {} };
if (ca) options.ca = fs.readFileSync(ca);
https.get(url, options, (res) => {
  const chunks = [];
  res.on('data', (c) => chunks.push(c));
  res.on('end', () => {
    if (res.statusCode !== 200) { process.stderr.write('HTTP ' + res.statusCode + ' ' + (res.statusMessage || '')); process.exit(4); }
    process.stdout.write(Buffer.concat(chunks));
  });
}).on('error', (e) => { process.stderr.write('TLS ' + (e.code || '') + ' ' + e.message); process.exit(5); });
`;

const MANIFEST_TYPES = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

// oci://host:port/name/space -> { host, name }
export function parseOciUrl(url) {
  const rest = url.replace(/^oci:\/\//, '');
  const slash = rest.indexOf('/');
  return { host: rest.slice(0, slash), name: rest.slice(slash + 1) };
}

function get(ctx, url, accept) {
  const ca = ctx.config.get('config')?.ssl_certs ?? '';
  try {
    return execFileSync(process.execPath, ['-e', FETCH, url, ca ? ctx.config.substitute(String(ca)) : '', accept ?? ''], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  } catch (e) {
    const why = String(e.stderr ?? '');
    if (why.startsWith('HTTP ')) {
      const [, code, ...text] = why.split(' ');
      throw Object.assign(new SpackError(`GET ${url} returned ${code}: ${text.join(' ') || 'Not Found'}`, null, { exitCode: 3 }), { httpStatus: Number(code) });
    }
    // What Python's urllib says (transcripts 61, 62).
    if (/wrong version number|EPROTO/i.test(why)) throw new SpackError('<urlopen error [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:992)>', null, { exitCode: 3 });
    if (/self.signed|SELF_SIGNED|unable to verify|UNABLE_TO_VERIFY/i.test(why)) {
      throw new SpackError('<urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:992)>', null, { exitCode: 3 });
    }
    throw new SpackError(`<urlopen error ${why.replace(/^TLS \S* /, '')}>`, null, { exitCode: 3 });
  }
}

function blobUrl(mirror, digest) {
  const { host, name } = parseOciUrl(mirror.fetchUrl);
  return `https://${host}/v2/${name}/blobs/${digest}`;
}

function manifest(ctx, mirror, tag) {
  const { host, name } = parseOciUrl(mirror.fetchUrl);
  return JSON.parse(get(ctx, `https://${host}/v2/${name}/manifests/${tag}`, MANIFEST_TYPES).toString('utf8'));
}

// Like readIndex() for file mirrors: [{node, inBuildcache}] from index.spack.
export function readOciIndex(ctx, mirror) {
  let data;
  try {
    const m = manifest(ctx, mirror, 'index.spack');
    data = JSON.parse(get(ctx, blobUrl(mirror, m.layers[0].digest)).toString('utf8'));
  } catch (e) {
    if (e.httpStatus === 404) {
      const { host, name } = parseOciUrl(mirror.fetchUrl);
      const url = `https://${host}/v2/${name}/manifests/index.spack`;
      const err = new Error(`Could not fetch manifest from ${url}, due to: GET ${url} returned 404: Not Found`);
      err.fetchIndexError = true;
      throw err;
    }
    throw e;
  }
  const installs = data.database.installs;
  return nodesOfDatabase(installs);
}

// Fetches one spec's image: config (the spec file) into the source cache, the last layer as the tarball.
export function downloadOciTarball(ctx, node, mirror, stageDir) {
  const tag = `${node.name}-${node.version}-${node.hash}.spack`;
  let m;
  try {
    m = manifest(ctx, mirror, tag);
  } catch (e) {
    if (e.httpStatus === 404) return null;
    throw e;
  }
  const cacheDir = join(ctx.sourceCache, 'blobs', 'sha256');
  const cached = join(cacheDir, m.config.digest.slice('sha256:'.length));
  let config;
  if (existsSync(cached)) {
    tty.msg(`Using cached archive: ${cached}`);
    config = readFileSync(cached);
  } else {
    config = get(ctx, blobUrl(mirror, m.config.digest));
    if (`sha256:${sha256hex(config)}` !== m.config.digest) throw new SpackError(`Checksum mismatch for ${blobUrl(mirror, m.config.digest)}`);
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cached, config);
  }
  const spec = JSON.parse(config.toString('utf8'));
  const layer = m.layers[m.layers.length - 1];
  tty.msg(`Fetching ${blobUrl(mirror, layer.digest)}`);
  const tarball = get(ctx, blobUrl(mirror, layer.digest));
  mkdirSync(stageDir, { recursive: true });
  const specfile = join(stageDir, `${tag}.spec.json`);
  writeFileSync(specfile, JSON.stringify({ spec: spec.spec, buildcache_layout_version: spec.buildcache_layout_version, binary_cache_checksum: spec.binary_cache_checksum }));
  const tarballFile = join(stageDir, `${tag}.tar.gz`);
  writeFileSync(tarballFile, tarball);
  return { specfile, tarball: tarballFile, verified: false, required: false };
}
