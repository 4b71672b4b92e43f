// GnuPG calls made the way spack.util.gpg makes them: real `gpg`, with
// GNUPGHOME=$SPACK_ROOT/opt/spack/gpg, output going to our stdout/stderr.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { SpackError } from './util.mjs';

export class Gpg {
  constructor(home) {
    this.home = home;
  }
  init() {
    if (!existsSync(this.home)) {
      mkdirSync(this.home, { recursive: true });
      chmodSync(this.home, 0o700);
    }
  }
  run(args, { input, capture = false, captureErr = false, check = true } = {}) {
    this.init();
    const r = spawnSync('gpg', args, {
      env: { ...process.env, GNUPGHOME: this.home },
      input,
      stdio: [input === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : 'inherit', captureErr ? 'pipe' : 'inherit'],
      encoding: 'utf8',
    });
    if (r.error) throw new SpackError(`Could not run gpg: ${r.error.message}`);
    if (check && r.status !== 0) {
      throw new SpackError(`Command exited with status ${r.status}:`, `'gpg' ${args.map((a) => `'${a}'`).join(' ')}`, { className: 'ProcessError' });
    }
    return r;
  }
  create({ name, email, comment = 'GPG created for Spack', expires = '0' }) {
    const algo = process.env.SPACK_STANDIN_KEY_ALGO || 'rsa4096';
    const m = algo.match(/^rsa(\d+)$/);
    if (!m) throw new SpackError(`SPACK_STANDIN_KEY_ALGO must be rsaNNNN (got ${algo})`);
    const params = `\nKey-Type: rsa\nKey-Length: ${m[1]}\nKey-Usage: sign\nName-Real: ${name}\nName-Email: ${email}\nName-Comment: ${comment}\nExpire-Date: ${expires}\n%no-protection\n%commit\n`;
    this.run(['--gen-key', '--batch'], { input: params });
  }
  _parse(output, kind) {
    const keys = [];
    let found = false;
    for (const line of output.split('\n')) {
      if (found) {
        if (line.startsWith('fpr')) {
          keys.push(line.split(':')[9]);
          found = false;
        } else if (line.startsWith('ssb') || line.startsWith('sub')) found = false;
      } else if (line.startsWith(kind)) found = true;
    }
    return keys;
  }
  signingKeys() {
    const r = this.run(['--list-secret-keys', '--with-colons', '--fingerprint'], { capture: true, captureErr: true, check: false });
    return this._parse(r.stdout ?? '', 'sec');
  }
  publicKeys() {
    const r = this.run(['--list-public-keys', '--with-colons', '--fingerprint'], { capture: true, captureErr: true, check: false });
    return this._parse(r.stdout ?? '', 'pub');
  }
  list({ trusted, signing }) {
    if (trusted) this.run(['--list-public-keys']);
    if (signing) this.run(['--list-secret-keys']);
  }
  export(location, keys = [], secret = false) {
    this.run(['--batch', '--yes', '--armor', secret ? '--export-secret-keys' : '--export', '--output', location, ...keys]);
  }
  trust(keyfile) {
    const r = this.run(['--with-colons', keyfile], { capture: true, captureErr: true, check: false });
    const keys = [];
    for (const line of (r.stdout ?? '').split('\n')) if (line.startsWith('fpr')) keys.push(line.split(':')[9]);
    this.run(['--batch', '--import', keyfile]);
    const unique = [...new Set(keys)];
    // only primary-key fingerprints: the first fpr after each pub
    const prim = this._parse(r.stdout ?? '', 'pub');
    const list = prim.length ? prim : unique;
    if (list.length) this.run(['--import-ownertrust'], { input: list.map((k) => `${k}:6:`).join('\n') + '\n' });
  }
  untrust(signing, keys) {
    for (const k of keys) this.run(['--batch', '--yes', signing ? '--delete-secret-and-public-keys' : '--delete-keys', k]);
  }
  sign(key, file, output, clearsign = true) {
    this.run([clearsign ? '--clearsign' : '--detach-sign', '--armor', '--local-user', key, '--output', output, file]);
  }
  verify(signature) {
    const r = this.run(['--verify', signature], { check: false });
    return r.status === 0;
  }
}
