#!/usr/bin/env node
// The repository keeps package-lock.json (what `npm ci` installs in a clone); the published
// package carries the same tree as npm-shrinkwrap.json, so `npm install --global paks@X`
// (as the generated workflows run it) installs the dependencies the tests ran with.
// prepack writes it from the lock, postpack (--remove) takes it away again.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv.includes('--root') ? process.argv[process.argv.indexOf('--root') + 1] : process.cwd();
const target = join(root, 'npm-shrinkwrap.json');
if (process.argv.includes('--remove')) rmSync(target, { force: true });
else writeFileSync(target, readFileSync(join(root, 'package-lock.json')));
