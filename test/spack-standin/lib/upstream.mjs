// `spack versions` and `spack checksum` (0.23 transcripts 81-96, 133-134; 1.1 README
// item 11): remote versions come from spidering the package's list_url and the directory
// of its url, as Spack's find_versions_of_archive does; checksums from downloading.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { compareVersions } from './spec.mjs';
import { urlForVersion } from './install.mjs';
import { Die, out, sha256hex, tty } from './util.mjs';

// HTTP requests, synchronously (the stand-in's commands are synchronous): one child node
// process makes them all at once, as Spack's workers do, and answers with JSON. Redirects
// are followed like Python's urllib.
const FETCH = `
const [method, ...urls] = process.argv.slice(1);
const one = async (url) => {
  try {
    const r = await fetch(url, { method, redirect: 'follow' });
    const body = method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(await r.arrayBuffer());
    return { status: r.status, url: r.url, body: body.toString('base64') };
  } catch (e) {
    return { error: String(e.cause?.code ?? e.message) };
  }
};
process.stdout.write(JSON.stringify(await Promise.all(urls.map(one))));`;

export function requestAll(method, urls) {
  if (!urls.length) return [];
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', FETCH, method, ...urls], { encoding: 'utf8', maxBuffer: 1 << 30 });
  try {
    return JSON.parse(r.stdout).map((res) => (res.body !== undefined ? { ...res, body: Buffer.from(res.body, 'base64') } : res));
  } catch {
    return urls.map(() => ({ error: r.stderr || 'no response' }));
  }
}

export function request(method, url) {
  return requestAll(method, [url])[0];
}

const urlExists = (url) => {
  const r = request('HEAD', url);
  return !r.error && r.status < 400;
};

function dirname(url) {
  return url.slice(0, url.lastIndexOf('/'));
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// spack.url.wildcard_version on the archive's file name, anchored as find_versions_of_archive does.
function archiveRegex(pkg) {
  const file = pkg.url.split('/').pop();
  const known = pkg.versions.map((v) => v.version).sort((a, b) => b.length - a.length).find((v) => file.includes(v));
  const version = known ?? (file.match(/\d+(\.\d+)+/) ?? [null])[0];
  if (!version) return null;
  const wild = file.split(version).map(escapeRe).join('(\\d.*)');
  return new RegExp(`/${wild}(\\/download)?(#sha256=.*)?$`);
}

// Package.fetch_remote_versions: {version: url}. The archive URL itself always counts
// (133b: with the server down, `checksum --verify` still "Found 1 version").
export function fetchRemoteVersions(pkg) {
  if (!pkg.url) return new Map();
  const regex = archiveRegex(pkg);
  const listUrls = new Set([dirname(pkg.url)]);
  if (pkg.listUrl) listUrls.add(pkg.listUrl);
  for (const u of [...listUrls]) if (!u.endsWith('/')) listUrls.add(`${u}/`);
  const links = new Set([pkg.url]);
  const pages = [...listUrls];
  const answers = requestAll('GET', pages);
  for (const [i, page] of pages.entries()) {
    const r = answers[i];
    if (r.error || r.status >= 400) {
      tty.debug(`Error in _spider: <class 'spack.util.web.SpackWebError'>:Download of ${page} failed: ${r.error ?? `HTTP Error ${r.status}`}`);
      continue;
    }
    const html = r.body.toString('utf8');
    for (const m of html.matchAll(/href\s*=\s*["']([^"']+)["']/gi)) {
      try {
        links.add(new URL(m[1], r.url.endsWith('/') ? r.url : `${r.url}/`).href);
      } catch {
        /* not a URL */
      }
    }
  }
  const versions = new Map();
  if (!regex) return versions;
  for (const link of [...links].sort()) {
    const m = regex.exec(link);
    if (m && !versions.has(m[1])) versions.set(m[1], link);
  }
  return versions;
}

const byNewest = (a, b) => compareVersions(b, a);

export function versions(pkg, a) {
  const safe = pkg.versions.map((v) => v.version).sort(byNewest);
  const isTTY = process.stdout.isTTY;
  if (!(a.remote || a.new)) {
    if (isTTY) tty.msg('Safe versions (already checksummed):');
    if (!safe.length) {
      if (isTTY) tty.warn(`Found no versions for ${pkg.name}`);
    } else for (const v of safe) out(`  ${v}\n`);
    if (a.safe) return 0;
  }
  const fetched = [...fetchRemoteVersions(pkg).keys()];
  let remote;
  if (a.new) {
    if (isTTY) tty.msg('New remote versions (not yet checksummed):');
    const numeric = safe.filter((v) => !['develop', 'main', 'master', 'head', 'trunk', 'stable'].includes(v));
    const highest = numeric[0];
    remote = fetched.filter((v) => !highest || compareVersions(v, highest) > 0);
  } else {
    if (isTTY) tty.msg('Remote versions (not yet checksummed):');
    remote = fetched.filter((v) => !safe.includes(v));
  }
  if (!remote.length) {
    if (isTTY) tty.warn(fetched.length ? `Found no unchecksummed versions for ${pkg.name}` : `Found no versions for ${pkg.name}`);
  } else for (const v of [...new Set(remote)].sort(byNewest)) out(`  ${v}\n`);
  return 0;
}

function checksumsFor(pkg, urlByVersion) {
  const hashes = new Map();
  const versions = [...urlByVersion.keys()].sort(byNewest);
  const answers = requestAll('GET', versions.map((v) => urlByVersion.get(v)));
  for (const [i, v] of versions.entries()) {
    const url = urlByVersion.get(v);
    const r = answers[i];
    // Spack says "Fetching" once the server answered (133b: nothing when it is down).
    if (!r.error) tty.msg(`Fetching ${url}`);
    if (r.error || r.status >= 400) {
      tty.debug(`[WORKER] Failed to fetch ${url}: ${r.error ?? `HTTP Error ${r.status}`}`);
      continue;
    }
    hashes.set(v, sha256hex(r.body));
  }
  if (!hashes.size) throw new Die(`Could not fetch any versions for ${pkg.name}`);
  return hashes;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function checksum(pkg, a, file, spackVersion) {
  const requested = [...a.versions];
  let remote = null;
  if (a.latest) {
    remote = fetchRemoteVersions(pkg);
    if (remote.size) requested.push([...remote.keys()].sort(byNewest)[0]);
  }
  let urls = new Map();
  for (const v of requested) {
    const known = pkg.versions.find((x) => x.version === v);
    const url = known?.url ?? urlForVersion(pkg, v);
    if (urlExists(url)) {
      urls.set(v, url);
      continue;
    }
    remote ??= fetchRemoteVersions(pkg);
    if (remote.has(v)) urls.set(v, remote.get(v));
  }
  if (requested.length === 0) urls = remote ?? fetchRemoteVersions(pkg);
  if (!urls.size) throw new Die(`Could not find any remote versions for ${pkg.name}`);
  tty.info(`Found ${plural(urls.size, 'version')} of ${pkg.name}`);
  const hashes = checksumsFor(pkg, urls);
  if (a.verify) {
    const width = Math.max(...[...hashes.keys()].map((v) => v.length));
    let verified = 0;
    let failed = false;
    const rows = [];
    for (const [v, sha] of hashes) {
      const known = pkg.versions.find((x) => x.version === v);
      let status = '-';
      let msg = 'No previous checksum';
      if (known && sha === known.sha256) {
        status = '=';
        msg = 'Correct';
        verified++;
      } else if (known) {
        status = 'x';
        msg = sha;
        failed = true;
      }
      rows.push(`${v.padEnd(width)}  [${status}] ${msg}`);
    }
    tty.msg(`Verified ${verified} of ${hashes.size}`, '', ...rows, '');
    if (failed) {
      out('\n');
      throw new Die('Invalid checksums found.');
    }
    return 0;
  }
  const lines = [...hashes].map(([v, sha]) => `    version("${v}", sha256="${sha}")`).join('\n');
  out(`\n${lines}\n\n`);
  if (a.addToPackage) {
    // add_versions_to_package: each new line goes before the first older version, marked # FIXME.
    const statement = /([\t ]+version\([^)]*\))/;
    const parts = readFileSync(file, 'utf8').split(statement);
    const pending = [...hashes].map(([v, sha]) => [v, `    version("${v}", sha256="${sha}")`]);
    let added = 0;
    for (let i = 0; i < parts.length && pending.length; i++) {
      const m = /^[\t ]+version\(\s*"([^"]+)"[^)]*\)/.exec(parts[i]);
      if (!m) continue;
      const c = compareVersions(m[1], pending[0][0]);
      if (c < 0) {
        parts.splice(i, 0, pending.shift()[1], ' # FIXME', '\n');
        added++;
        i += 2; // the older statement is compared again with the next new version
      } else if (c === 0) pending.shift();
    }
    writeFileSync(file, parts.join(''));
    if (spackVersion.startsWith('0.')) {
      tty.msg(`Added ${added} new versions to ${pkg.name}`);
      tty.msg(`Open ${file} to review the additions.`);
    } else tty.msg(`Added ${added} new versions to ${pkg.name} in ${file}`);
  }
  return 0;
}

// `spack list --format version_json` (0.23 transcripts 95-96, 1.1 README item 12): Spack's
// hand-written JSON, one package per object, versions newest first.
export function versionJson(pkgs, spackVersion) {
  const items = pkgs.map((pkg) => {
    const versions = pkg.versions.map((v) => v.version).sort(byNewest);
    const safe = pkg.versions.filter((v) => !v.deprecated);
    const preferred = safe.find((v) => v.preferred)?.version ?? safe.map((v) => v.version).sort(byNewest)[0] ?? versions[0] ?? '';
    const file = spackVersion.startsWith('0.')
      ? `https://github.com/spack/spack/blob/develop/var/spack/repos/builtin/packages/${pkg.name}/package.py`
      : `https://github.com/spack/spack/blob/develop/var/spack/spack/pkg/${pkg.namespace}/${pkg.name}.py`;
    const deps = {};
    for (const type of ['build', 'link', 'run', 'test']) {
      let ordered = [...pkg.dependencies.filter((d) => d.implicit), ...pkg.dependencies.filter((d) => !d.implicit)];
      // Spack 1.1 lists the language virtuals after the other dependencies although the recipe
      // declares depends_on("c") first (1.1 transcripts 96 and 99: greet-paks ["gmake", "hello-paks", "c"]).
      if (!spackVersion.startsWith('0.')) {
        const language = (d) => ['c', 'cxx', 'fortran'].includes(d.spec.split(/[@+~%^ ]/)[0]);
        ordered = [...ordered.filter((d) => !language(d)), ...ordered.filter(language)];
      }
      deps[type] = [...new Set(ordered.filter((d) => d.type.includes(type)).map((d) => d.spec.split(/[@+~%^ ]/)[0]))];
    }
    const list = (a) => JSON.stringify(a).replace(/","/g, '", "');
    const depsText = `{${Object.entries(deps).map(([k, v]) => `"${k}": ${list(v)}`).join(', ')}}`;
    return `  {"name": "${pkg.name}",\n   "latest_version": "${preferred}",\n   "versions": ${list(versions)},\n   "homepage": "${pkg.homepage ?? 'None'}",\n   "file": "${file}",\n   "maintainers": ${list(pkg.maintainers ?? [])},\n   "dependencies": ${depsText}}`;
  });
  return `[\n${items.join(',\n')}\n]\n`;
}
