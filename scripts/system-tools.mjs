// The one list of system tools Paks and its tests use. `npm test` installs the missing ones
// first (scripts/install-system-tools.mjs) and `paks doctor` reports those marked 'paks'.
// Adding a tool is one line: its command, the Debian package that provides it, what it is for,
// and who needs it ('paks': a Paks feature, shown by doctor and needed by the tests; 'tests':
// the tests only).

/** @type {readonly import('./system-tools.d.mts').SystemTool[]} */
export const systemTools = [
  { command: 'git', debianPackage: 'git', usedFor: 'package repositories and paks bootstrap', neededBy: 'paks' },
  { command: 'gpg', debianPackage: 'gnupg', usedFor: 'signing and verifying build caches (GnuPG 2.2 or newer)', neededBy: 'paks' },
  { command: 'docker-registry', debianPackage: 'docker-registry', usedFor: 'a real OCI registry on loopback', neededBy: 'tests' },
  { command: 'htpasswd', debianPackage: 'apache2-utils', usedFor: 'registry users with Basic auth', neededBy: 'tests' },
  { command: 'openssl', debianPackage: 'openssl', usedFor: 'TLS certificates for the loopback registry', neededBy: 'tests' },
  { command: 'skopeo', debianPackage: 'skopeo', usedFor: 'copying pushed container images to an OCI layout', neededBy: 'tests' },
  { command: 'umoci', debianPackage: 'umoci', usedFor: 'building a base image and unpacking containers', neededBy: 'tests' },
  { command: 'busybox', debianPackage: 'busybox-static', usedFor: 'the shell of the tiny base image the container tests run', neededBy: 'tests' },
  { command: 'chromium', debianPackage: 'chromium', usedFor: 'driving the package catalogue in a real browser', neededBy: 'tests' },
  { command: 'setpriv', debianPackage: 'util-linux', usedFor: 'running a check as an unprivileged user', neededBy: 'tests' },
];

/** The command that installs these Debian packages (sudo unless root). */
export function aptInstallLine(packages, { root = false } = {}) {
  return `${root ? '' : 'sudo '}apt-get install -y --no-install-recommends ${[...new Set(packages)].join(' ')}`;
}
