/**
 * The catalogue a person reads: plain HTML that works without scripts, one stylesheet and one
 * script beside it (no inline code, nothing from elsewhere), so it runs under a strict
 * Content-Security-Policy and offline. Links are relative, so the site works at any path.
 */
import type { BinaryDocument, PackageDocument, PackagesDocument } from './documents.js';
import { sitePaths } from './documents.js';

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
const h = escapeHtml;

/**
 * A link to somewhere outside the catalogue, or its text when the URL is not http(s):
 * a recipe's homepage is anyone's string, and `javascript:` or `data:` do not belong in a link.
 */
export function externalLink(url: string, text = url): string {
  let scheme: string | undefined;
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = undefined;
  }
  return scheme === 'https:' || scheme === 'http:' ? `<a href="${h(url)}" rel="noopener">${h(text)}</a>` : h(url === text ? url : `${text} (${url})`);
}

function page(options: { title: string; root: string; body: string; description?: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${h(CONTENT_SECURITY_POLICY.replace(" frame-ancestors 'none'", ''))}">
<title>${h(options.title)}</title>
${options.description ? `<meta name="description" content="${h(options.description)}">\n` : ''}<link rel="icon" href="${options.root}assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${options.root}assets/catalogue.css">
<script src="${options.root}assets/catalogue.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${options.body}
</body>
</html>
`;
}

export function renderIndex(document: PackagesDocument): string {
  const items = document.packages
    .map((p) => {
      const search = [p.name, p.description ?? ''].join(' ').toLowerCase();
      const badge = p.platforms.length === 0 ? '<span class="badge none">source only</span>' : p.signed ? '<span class="badge signed">signed</span>' : '<span class="badge unsigned">unsigned</span>';
      return `<li data-search="${h(search)}">
<h2><a href="${h(sitePaths.page(p.name))}">${h(p.name)}</a> <span class="version">${h(p.latest_version ?? '')}</span></h2>
<p>${h(p.description ?? 'No description.')}</p>
<p class="meta">${badge}${p.platform_labels.length ? ` <span>${h(p.platform_labels.join('; '))}</span>` : ''}${p.licenses.length ? ` <span>${h(p.licenses.join(', '))}</span>` : ''}</p>
</li>`;
    })
    .join('\n');
  const total = `${document.count} ${document.count === 1 ? 'package' : 'packages'}`;
  const body = `<header><h1>Packages</h1><p>${h(total)} with binaries from <code>${h(document.registry)}</code></p></header>
<main id="main">
<div class="search">
<label for="search">Search packages</label>
<input id="search" type="search" autocomplete="off" spellcheck="false" placeholder="Name or description" aria-controls="packages" aria-describedby="search-count">
</div>
<p id="search-count" role="status" aria-live="polite" data-total="${document.count}">${h(total)}</p>
<ul id="packages" class="packages">
${items}
</ul>
<p id="no-match" class="empty" hidden>No package matches.</p>
</main>
<footer><p>Machine-readable: <a href="${h(sitePaths.packages)}">${h(sitePaths.packages)}</a> (<a href="${h(sitePaths.schema('packages'))}">schema</a>). Generated ${h(document.generated_at)}.</p></footer>`;
  return page({ title: 'Packages', root: '', body, description: `${total} from ${document.registry}` });
}

function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function signature(binary: BinaryDocument): string {
  if (!binary.signed) return '<span class="badge unsigned">Unsigned</span>';
  const who = binary.signer?.fingerprint ?? binary.signer?.key_id ?? '';
  const note = binary.signer?.verified ? '' : ' (not verified by a published key)';
  return `<span class="badge signed">Signed</span>${who ? ` <span class="fingerprint" title="signing key">${h(spacedFingerprint(who))}</span>` : ''}${h(note)}`;
}

function command(id: string, text: string, label: string): string {
  return `<div class="command">
<code id="${h(id)}">${h(text)}</code>
<button type="button" class="copy" data-copy="${h(id)}" aria-label="${h(label)}">Copy</button>
</div>`;
}

function spacedFingerprint(fingerprint: string): string {
  return fingerprint.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * The first install is one copy-paste: trust the publisher key (checked against its
 * fingerprint) and install. Later installs need only the second half.
 */
function installSection(document: PackageDocument, install: string): string {
  if (!document.install.binary) return `${command('install', install, 'Copy the install command')}
<p>No binary has been pushed yet; this builds from source.</p>`;
  if (!document.install.first_time) return command('install', install, 'Copy the install command');
  return `<p>First time from this publisher: trust its key (Paks checks the fingerprint) and install.</p>
${command('install', document.install.first_time, 'Copy the trust and install command')}
<p>Already trusting this publisher:</p>
${command('install-again', document.install.binary, 'Copy the install command')}`;
}

export function renderPackage(document: PackageDocument, knownPackages: ReadonlySet<string>): string {
  const root = '../';
  // Site paths in documents are relative to the site root; this page is one folder down.
  const link = (url: string, text: string) => (/^[a-z][a-z0-9+.-]*:/i.test(url) ? externalLink(url, text) : `<a href="${h(`${root}${url}`)}">${h(text)}</a>`);
  const dependencyList = (names: readonly string[]) =>
    names.length ? names.map((n) => (knownPackages.has(n) ? `<a href="${h(`${n}.html`)}">${h(n)}</a>` : h(n))).join(', ') : 'none';
  const versions = document.versions
    .map((v) => {
      const rows = v.binaries.length
        ? v.binaries
            .map(
              (b) => `<tr>
<td data-label="Platform">${h(b.platform_label)} <span class="meta">${h([b.platform, b.spack_os].filter(Boolean).join(', '))}</span>${b.recipe_url ? ` ${externalLink(b.recipe_url, 'recipe at this build')}` : ''}</td>
<td data-label="Target">${h(b.target ?? '')}</td>
<td data-label="Compiler">${h(b.compiler ?? '')}</td>
<td data-label="Signature">${signature(b)}</td>
<td data-label="Size">${h(formatSize(b.size))}</td>
<td data-label="Pushed">${b.created ? `<time datetime="${h(b.created)}">${h(b.created.slice(0, 10))}</time>` : ''}</td>
<td data-label="SBOM">${[b.sbom.cyclonedx ? link(b.sbom.cyclonedx.url, 'CycloneDX') : '', b.sbom.spdx ? link(b.sbom.spdx.url, 'SPDX') : ''].filter(Boolean).join(' ') || 'none'}</td>
<td data-label="Digest"><code class="digest" title="${h(b.digest)}">${h(b.digest.slice(0, 19))}…</code></td>
</tr>`,
            )
            .join('\n')
        : '<tr><td colspan="8">No binary yet: <code>paks install</code> builds it from source.</td></tr>';
      return `<section class="version" id="v-${h(v.version)}">
<h3>${h(v.version)}${v.latest ? ' <span class="badge latest">latest</span>' : ''}${v.in_recipe ? '' : ' <span class="badge none">not in the recipe</span>'}</h3>
${v.release_url ? `<p><a href="${h(v.release_url)}" rel="noopener">GitHub release of ${h(document.name)} ${h(v.version)}</a></p>` : ''}
${v.install ? command(`install-${v.version}`, v.install, `Copy the install command of version ${v.version}`) : ''}
<div class="table"><table>
<caption class="visually-hidden">Binaries of ${h(document.name)} ${h(v.version)}</caption>
<thead><tr><th scope="col">Platform</th><th scope="col">Target</th><th scope="col">Compiler</th><th scope="col">Signature</th><th scope="col">Size</th><th scope="col">Pushed</th><th scope="col">SBOM</th><th scope="col">Digest</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
</section>`;
    })
    .join('\n');
  const install = document.install.binary ?? document.install.source;
  const body = `<header><p><a href="${root}index.html">← All packages</a></p><h1>${h(document.name)}</h1>
<p>${h(document.description ?? 'No description.')}</p></header>
<main id="main">
<h2>Install</h2>
${installSection(document, install)}
<dl class="facts">
<dt>Latest version</dt><dd>${h(document.latest_version ?? 'none')}</dd>
<dt>Homepage</dt><dd>${document.homepage ? externalLink(document.homepage) : 'none'}</dd>
<dt>Recipe</dt><dd>${document.recipe_url ? externalLink(document.recipe_url, `${document.name}/package.py`) : 'not linked'}</dd>
<dt>Publisher key</dt><dd>${document.publisher_key ? `${link(document.publisher_key.url, 'publisher.asc')} <span class="fingerprint">${h(spacedFingerprint(document.publisher_key.fingerprint))}</span>` : 'not published'}</dd>
<dt>Licences</dt><dd>${h(document.licenses.join(', ') || 'not stated')}</dd>
<dt>Maintainers</dt><dd>${h(document.maintainers.join(', ') || 'none listed')}</dd>
<dt>Registry</dt><dd><code>${h(document.repository)}</code></dd>
<dt>Build dependencies</dt><dd>${dependencyList(document.dependencies.build)}</dd>
<dt>Link dependencies</dt><dd>${dependencyList(document.dependencies.link)}</dd>
<dt>Run dependencies</dt><dd>${dependencyList(document.dependencies.run)}</dd>
<dt>Stand-alone tests</dt><dd>${h(document.tests.standalone.join(', ') || 'none')}</dd>
<dt>Variants</dt><dd>${document.variants.length ? `<ul class="plain">${document.variants.map((v) => `<li><code>${h(v.name)}</code> (default ${h(v.default)}; ${h(v.values)})${v.description ? ` ${h(v.description)}` : ''}</li>`).join('')}</ul>` : 'none'}</dd>
</dl>
<h2>Versions and binaries</h2>
${versions || '<p>No versions.</p>'}
</main>
<footer><p>Machine-readable: <a href="${root}${h(sitePaths.package(document.name))}">${h(sitePaths.package(document.name))}</a>. Generated ${h(document.generated_at)}.</p></footer>`;
  return page({ title: `${document.name} · Packages`, root, body, ...(document.description ? { description: document.description } : {}) });
}

export const CATALOGUE_CSS = `:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #4a5260; --line: #d0d7de; --link: #0a58ca; --code: #f3f4f6;
  --ok-fg: #0b5d2a; --ok-bg: #e3f4e8; --bad-fg: #8a1620; --bad-bg: #fde8ea; --info-fg: #3b3f46; --info-bg: #eceef1; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8eb; --bg: #0f1216; --muted: #b3bac4; --line: #39414c; --link: #8cb8ff; --code: #1d232b;
  --ok-fg: #b9f2c9; --ok-bg: #173b24; --bad-fg: #ffc9ce; --bad-bg: #4a1a20; --info-fg: #dfe3e8; --info-bg: #2a3038; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
h1 { margin: .5rem 0; font-size: 2rem; } h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; } h3 { margin: 1rem 0 .5rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--code); padding: .1rem .3rem; border-radius: 4px; overflow-wrap: anywhere; }
.search label { display: block; font-weight: 600; margin-bottom: .25rem; }
.search input { width: 100%; font-size: 1.1rem; padding: .6rem .75rem; border: 2px solid var(--line); border-radius: 6px; color: var(--fg); background: var(--bg); }
.packages { list-style: none; padding: 0; margin: 0; }
.packages li { border-bottom: 1px solid var(--line); padding: .75rem 0; }
.packages h2 { margin: 0; font-size: 1.15rem; } .packages p { margin: .25rem 0; }
.version, .meta { color: var(--muted); font-size: .9rem; }
.badge { display: inline-block; font-size: .8rem; font-weight: 600; padding: .05rem .45rem; border-radius: 999px; }
.badge.signed { color: var(--ok-fg); background: var(--ok-bg); } .badge.unsigned { color: var(--bad-fg); background: var(--bad-bg); }
.badge.none, .badge.latest { color: var(--info-fg); background: var(--info-bg); }
.fingerprint { font-family: ui-monospace, monospace; font-size: .85rem; overflow-wrap: anywhere; }
.command { display: flex; gap: .5rem; align-items: stretch; margin: .5rem 0; }
.command code { flex: 1; padding: .6rem .75rem; display: block; }
.copy { font: inherit; font-weight: 600; padding: .4rem .9rem; border: 2px solid var(--link); border-radius: 6px; background: var(--bg); color: var(--link); cursor: pointer; min-width: 5.5rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; } .facts dt { font-weight: 600; } .facts dd { margin: 0; }
.plain { margin: 0; padding-left: 1.1rem; }
.table { overflow-x: auto; } table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
footer { margin-top: 2rem; color: var(--muted); font-size: .9rem; }
.empty { font-style: italic; }
@media (max-width: 40rem) {
  body { padding: .75rem; } h1 { font-size: 1.6rem; }
  .facts { grid-template-columns: 1fr; } .facts dd { margin-bottom: .5rem; }
  thead { position: absolute; left: -999px; }
  table, tbody, tr, td { display: block; width: 100%; }
  tr { border-bottom: 2px solid var(--line); padding: .4rem 0; }
  td { border: 0; padding: .15rem 0; } td::before { content: attr(data-label) ": "; font-weight: 600; }
  .command { flex-direction: column; }
}
`;

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0a58ca"/><path d="M9 8h8a6 6 0 0 1 0 12h-4v5H9zm4 4v4h4a2 2 0 0 0 0-4z" fill="#fff"/></svg>
`;

/** Search as you type over the list the page already has, and the copy buttons. */
export const CATALOGUE_JS = `'use strict';
(function () {
  var search = document.getElementById('search');
  if (search) {
    var items = Array.prototype.slice.call(document.querySelectorAll('#packages > li'));
    var count = document.getElementById('search-count');
    var none = document.getElementById('no-match');
    var total = Number(count.getAttribute('data-total'));
    var plural = function (n) { return n + (n === 1 ? ' package' : ' packages'); };
    var apply = function () {
      var words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var text = item.getAttribute('data-search') || '';
        var match = words.every(function (w) { return text.indexOf(w) >= 0; });
        item.hidden = !match;
        if (match) shown++;
      });
      count.textContent = words.length ? shown + ' of ' + plural(total) : plural(total);
      none.hidden = shown !== 0;
    };
    search.addEventListener('input', apply);
    var q = new URLSearchParams(window.location.search).get('q');
    if (q) { search.value = q; }
    apply();
    document.addEventListener('keydown', function (event) {
      if (event.key === '/' && document.activeElement !== search) { event.preventDefault(); search.focus(); }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('button.copy'), function (button) {
    button.addEventListener('click', function () {
      var target = document.getElementById(button.getAttribute('data-copy'));
      var text = target ? target.textContent : '';
      var done = function (ok) {
        button.textContent = ok ? 'Copied' : 'Select and copy';
        setTimeout(function () { button.textContent = 'Copy'; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback(target)); });
      } else {
        done(fallback(target));
      }
    });
  });
  function fallback(target) {
    if (!target) return false;
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try { return document.execCommand('copy'); } catch (e) { return false; }
  }
})();
`;
