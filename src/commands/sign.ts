import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';

interface SignOptions {
  key?: string;
  keyFile?: string;
  expectDigest?: string;
  force?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('sign')
    .description('sign an unsigned Spack build cache in place (layout v2 or v3), then verify it as paks install would')
    .argument('<cache-dir>', 'the build cache directory (e.g. from paks build --unsigned --cache-dir DIR)')
    .option('--key <fingerprint>', "which key (default: the signing key in Spack's keyring, or the only key in --key-file)")
    .option('--key-file <file>', 'an armored secret key to sign with, or - for standard input (e.g. the PAKS_SIGNING_KEY secret in CI); it is used from a temporary keyring and never stored')
    .option('--expect-digest <sha256:…>', 'refuse unless the cache is exactly this (the digest the build job reported)')
    .option('-f, --force', 'sign again specs that another key signed')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nThe digest of a cache folder is what `cd DIR && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum` prints, as sha256:<hex>.')
    .action(async (cacheDir: string, options: SignOptions, command: Command) => {
      const ctx = contextFor(command);
      const { resolve } = await import('node:path');
      const { signBuildCache } = await import('../signing/sign-cache.js');
      const dir = resolve(ctx.cwd, cacheDir);
      const sign = (signer: import('../signing/sign-cache.js').CacheSigner) => signBuildCache(dir, signer, { expectDigest: options.expectDigest, force: Boolean(options.force) });
      let report;
      if (options.keyFile) {
        const { readSecretKeyInput, withSecretKeySigner } = await import('../signing/signers.js');
        const { bytes, source } = await readSecretKeyInput(options.keyFile, ctx.cwd);
        report = await withSecretKeySigner(bytes, source, options.key, sign);
      } else {
        const { spackKeyringSigner } = await import('../signing/signers.js');
        report = await sign(await spackKeyringSigner(await ctx.client(), options.key));
      }
      if (options.json) {
        ctx.reporter.out(JSON.stringify(report, null, 2));
        return;
      }
      for (const spec of report.signed) ctx.reporter.out(`Signed ${spec}`);
      for (const spec of report.unchanged) ctx.reporter.out(`Already signed ${spec}`);
      ctx.reporter.out(`${report.dir} (layout v${report.layout}) is signed by ${report.fingerprint} and verifies.`);
    });
}
