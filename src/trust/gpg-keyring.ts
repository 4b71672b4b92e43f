/**
 * A GnuPG keyring read through the real `gpg` (Spack signs with its own keyring at
 * `$SPACK_ROOT/opt/spack/gpg`, or `$SPACK_GNUPGHOME`). Arguments are always an array, never a
 * shell string, and the home directory is always passed explicitly.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { PaksError } from '../errors.js';
import { parseColonListing, type GpgKey } from './gpg-colons.js';

export interface GpgKeyringOptions {
  /** The GnuPG home directory (what `--homedir` gets). */
  homedir: string;
  /** The gpg program; `gpg` on PATH by default. */
  gpg?: string;
  /** Environment for gpg (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
}

/** Where Spack keeps its keyring: `$SPACK_GNUPGHOME`, else `<spack root>/opt/spack/gpg`. */
export function spackGpgHome(spackRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.SPACK_GNUPGHOME || join(spackRoot, 'opt', 'spack', 'gpg');
}

const KEY_SELECTOR = /^(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{40})$/;

export class GpgKeyring {
  readonly homedir: string;
  private readonly gpg: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: GpgKeyringOptions) {
    this.homedir = options.homedir;
    this.gpg = options.gpg ?? 'gpg';
    this.env = options.env ?? process.env;
  }

  async listPublic(): Promise<GpgKey[]> {
    return parseColonListing(await this.run(['--with-colons', '--fixed-list-mode', '--list-keys']));
  }

  async listSecret(): Promise<GpgKey[]> {
    return parseColonListing(await this.run(['--with-colons', '--fixed-list-mode', '--list-secret-keys']));
  }

  /** The armored public key for a fingerprint (or long key id). */
  async exportPublic(fingerprint: string): Promise<string> {
    const selector = this.selector(fingerprint);
    const armored = await this.run(['--armor', '--export', selector]);
    if (!armored.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
      throw new PaksError('not-found', `The keyring ${this.homedir} has no public key ${fingerprint}`, {
        hint: `List its keys with \`gpg --homedir ${this.homedir} --list-keys\` (or \`spack gpg list\`).`,
      });
    }
    return armored;
  }

  /** The secret key to sign with: the one asked for, or the only usable one. */
  async signingKey(fingerprint?: string): Promise<GpgKey> {
    const usable = (await this.listSecret()).filter(
      (k) => k.secretAvailable && !k.revoked && !k.expired && /s/i.test(k.capabilities),
    );
    if (fingerprint !== undefined) {
      const wanted = this.selector(fingerprint).toUpperCase();
      const key = usable.find((k) => k.fingerprint.endsWith(wanted));
      if (!key) {
        throw new PaksError('trust', `The keyring ${this.homedir} holds no usable secret key ${fingerprint}`, {
          hint: 'Check the fingerprint with `spack gpg list --signing`.',
        });
      }
      return key;
    }
    if (usable.length === 0) {
      throw new PaksError('trust', `The keyring ${this.homedir} holds no secret key to sign with`, {
        hint: 'Create one with `spack gpg create NAME EMAIL`, or import yours with `spack gpg trust SECRET-KEY-FILE`.',
      });
    }
    if (usable.length > 1) {
      throw new PaksError(
        'usage',
        `The keyring ${this.homedir} holds ${usable.length} secret keys (${usable.map((k) => k.fingerprint).join(', ')}); say which one to sign with`,
      );
    }
    return usable[0]!;
  }

  /**
   * Signs a throw-away text with the key, without any prompt: a key that needs a passphrase
   * nobody can type (CI, no terminal) or a keyring gpg cannot lock fails here, in a second,
   * instead of after a long build.
   */
  async checkCanSign(fingerprint: string): Promise<void> {
    const selector = this.selector(fingerprint);
    try {
      await this.run(['--pinentry-mode', 'error', '--local-user', selector, '--clearsign'], 'paks signing check\n');
    } catch (error) {
      const detail = error instanceof PaksError ? error.message.split('\n').slice(1).join(' ').trim() : '';
      throw new PaksError('trust', `The signing key ${fingerprint} cannot sign without a prompt: it needs a passphrase or its keyring is locked${detail ? ` (${detail})` : ''}.`, {
        hint: 'Unlock it in gpg-agent first (e.g. gpg-preset-passphrase), use a key without a passphrase for CI, or build with --unsigned.',
        cause: error,
      });
    }
  }

  /**
   * Clearsigns `text` with the key, as `spack buildcache push --key` does (SHA512, the
   * armor Spack verifies); never prompts.
   */
  async clearsign(fingerprint: string, text: string): Promise<string> {
    const selector = this.selector(fingerprint);
    const signed = await this.run(['--pinentry-mode', 'error', '--local-user', selector, '--digest-algo', 'SHA512', '--clearsign'], text);
    return signed.endsWith('\n') ? signed : `${signed}\n`;
  }

  /** Imports the keys of an armored or binary key file (public or secret) into this keyring. */
  async importFile(file: string): Promise<void> {
    await this.run(['--pinentry-mode', 'error', '--import', file]);
  }

  private selector(fingerprint: string): string {
    const compact = fingerprint.replace(/^0x/i, '').replace(/\s+/g, '');
    if (!KEY_SELECTOR.test(compact)) {
      throw new PaksError('usage', `"${fingerprint}" is not a key fingerprint (40 hex digits) or long key id (16)`);
    }
    return compact;
  }

  private async checkHome(): Promise<void> {
    const info = await stat(this.homedir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new PaksError('not-found', `There is no GnuPG keyring at ${this.homedir}`, {
        hint: "Create Spack's keyring with `spack gpg create NAME EMAIL`, or set SPACK_GNUPGHOME to where yours is.",
      });
    }
    try {
      await access(this.homedir, constants.R_OK | constants.X_OK);
    } catch {
      throw new PaksError('trust', `The GnuPG keyring ${this.homedir} cannot be read by this user`, {
        hint: 'Check its owner and permissions, or point SPACK_GNUPGHOME at a keyring you own.',
      });
    }
  }

  private async run(args: string[], input?: string): Promise<string> {
    await this.checkHome();
    const full = ['--homedir', this.homedir, '--batch', '--no-tty', ...args];
    const result = await execa(this.gpg, full, { env: this.env, reject: false, ...(input === undefined ? { stdin: 'ignore' as const } : { input }), timeout: 60_000 });
    if (result.failed && (result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      throw new PaksError('not-found', `GnuPG is not installed: "${this.gpg}" was not found`, {
        hint: 'Install GnuPG 2 (e.g. `apt-get install gnupg`).',
      });
    }
    if (result.exitCode !== 0 || result.failed) {
      const stderr = String(result.stderr ?? '').trim().split('\n').slice(-5).join('\n');
      throw new PaksError(
        'trust',
        `gpg ${args.join(' ')} failed on the keyring ${this.homedir} (exit ${result.exitCode ?? 'none'})` +
          (stderr ? `:\n${stderr}` : ''),
        { hint: 'The keyring may be locked by another gpg, damaged, or not yours.' },
      );
    }
    return String(result.stdout);
  }
}
