#!/usr/bin/env node
// npm's pretest step: the tests need real system tools (scripts/system-tools.mjs). Installs
// the missing ones when run as root on Debian; otherwise stops with the line that installs them.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { aptInstallLine, systemTools } from './system-tools.mjs';

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const missing = systemTools.filter((tool) => !onPath(tool.command));
if (missing.length === 0) process.exit(0);

const packages = missing.map((tool) => tool.debianPackage);
const commands = missing.map((tool) => tool.command).join(', ');
const isRoot = process.getuid?.() === 0;
if (!isRoot || !onPath('apt-get')) {
  const how = onPath('apt-get') ? `install them with: ${aptInstallLine(packages)}` : `install the packages that provide them (on Debian: ${aptInstallLine(packages)})`;
  process.stderr.write(`The tests need ${commands}, which ${missing.length === 1 ? 'is' : 'are'} not on PATH; ${how}\n`);
  process.exit(1);
}

process.stderr.write(`Installing what the tests need: ${[...new Set(packages)].join(' ')}\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...new Set(packages)]]) {
  const run = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (run.status !== 0) {
    process.stderr.write(`${run.stderr ?? ''}apt-get ${args[0]} failed (exit ${run.status ?? run.signal}); run "${aptInstallLine(packages, { root: true })}" by hand and try again.\n`);
    process.exit(1);
  }
}
const stillMissing = missing.filter((tool) => !onPath(tool.command));
if (stillMissing.length) {
  process.stderr.write(`apt-get finished but ${stillMissing.map((t) => t.command).join(', ')} is still not on PATH.\n`);
  process.exit(1);
}
