import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';

export function register(program: Command): void {
  const key = program.command('key').description('the signing key (in Spack\'s keyring) and the publisher keys Paks trusts');

  key
    .command('create')
    .description('create the persistent signing key from the username and email settings')
    .option('--name <name>', 'name on the key (default: the username setting)')
    .option('--email <email>', 'email on the key (default: the email setting)')
    .option('-f, --force', 'create another key even though one exists')
    .action(async (options: { name?: string; email?: string; force?: boolean }, command: Command) => {
      const ctx = contextFor(command);
      const { createSigningKey } = await import('../signing/keys.js');
      const created = await createSigningKey(await ctx.client(), options);
      ctx.reporter.out(created.fingerprint);
    });

  key
    .command('list')
    .description('list signing keys and trusted publisher keys')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }, command: Command) => {
      const ctx = contextFor(command);
      const { listKeys } = await import('../signing/keys.js');
      const keys = await listKeys(await ctx.client());
      if (options.json) {
        ctx.reporter.out(JSON.stringify(keys, null, 2));
        return;
      }
      ctx.reporter.out('Signing keys (Spack keyring):');
      for (const k of keys.signing) ctx.reporter.out(`  ${k.fingerprint}  ${k.algorithm}  ${k.uids.join('; ')}`);
      if (!keys.signing.length) ctx.reporter.out('  none (create one with: paks key create)');
      ctx.reporter.out('Trusted publisher keys:');
      for (const k of keys.trusted) ctx.reporter.out(`  ${k.fingerprint}  ${k.uids.join('; ')}`);
      if (!keys.trusted.length) ctx.reporter.out('  none (trust one with: paks key trust FILE)');
    });

  key
    .command('export')
    .description('write the public signing key (armored) to FILE or stdout')
    .argument('[file]', 'where to write it')
    .option('--key <fingerprint>', 'which key (default: the signing key)')
    .action(async (file: string | undefined, options: { key?: string }, command: Command) => {
      const ctx = contextFor(command);
      const { exportPublicKey } = await import('../signing/keys.js');
      const armored = await exportPublicKey(await ctx.client(), options.key, file);
      if (file) ctx.reporter.out(file);
      else process.stdout.write(armored);
    });

  key
    .command('import')
    .description("import a key into Spack's keyring (a secret key makes it the signing key, e.g. in CI)")
    .argument('<file>', 'armored key file')
    .action(async (file: string, _options: unknown, command: Command) => {
      const ctx = contextFor(command);
      const { importKey } = await import('../signing/keys.js');
      await importKey(await ctx.client(), file);
      ctx.reporter.out(`Imported ${file}`);
    });

  key
    .command('trust')
    .description('trust a publisher\'s public key for verifying binaries at install')
    .argument('<source>', 'a key FILE; an https:// or file:// URL of a key, of a mirror\'s key manifest (v3/manifests/key/<FPR>.key.manifest.json) or of a mirror (ending in /); or a known publisher: spack, e4s')
    .option('--fingerprint <fpr>', 'the full fingerprint the key must have (required for a URL)')
    .action(async (source: string, options: { fingerprint?: string }, command: Command) => {
      const ctx = contextFor(command);
      const { trustPublisherKey } = await import('../signing/keys.js');
      const trusted = await trustPublisherKey(await ctx.client(), source, options);
      ctx.reporter.out(`Trusted ${trusted.fingerprint} ${trusted.uids.join('; ')}`);
    });
}
