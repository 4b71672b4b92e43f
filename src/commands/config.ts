import type { Command } from 'commander';
import { contextFor } from '../cli/context.js';

export function register(program: Command): void {
  const config = program.command('config').description('show and change Paks settings (~/.paks/settings.yml over the shipped defaults)');

  config
    .command('init')
    .description('create ~/.paks/settings.yml from the commented defaults')
    .option('-f, --force', 'replace an existing file')
    .action(async (options: { force?: boolean }, command: Command) => {
      const ctx = contextFor(command);
      const { initSettingsFile } = await import('../settings/edit.js');
      const { userSettingsFile } = await import('../settings/load.js');
      const file = await initSettingsFile(userSettingsFile({ home: ctx.home, env: ctx.env, settingsFile: ctx.globals.settingsFile, cwd: ctx.cwd }), options);
      ctx.reporter.out(file);
    });

  config
    .command('get')
    .description('print the effective value of a setting')
    .argument('<key>', 'setting name')
    .action(async (key: string, _options: unknown, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { requireKey } = await import('../settings/values.js');
      const value = client.values[requireKey(key)];
      ctx.reporter.out(Array.isArray(value) ? value.join('\n') : String(value));
    });

  config
    .command('set')
    .description('set a setting in your settings file (typed: true, 3, null, text)')
    .argument('<key:value...>', 'one or more key:value pairs')
    .action(async (pairs: string[], _options: unknown, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client({ allowMissingSettingsFile: true });
      const { setSettings, splitAssignment } = await import('../settings/edit.js');
      const changes = await setSettings(client.settings.userFile, pairs.map(splitAssignment));
      for (const change of changes) ctx.reporter.out(`Updated ${change.key} to be ${formatValue(change.value)}`);
    });

  for (const [name, verb] of [['add', 'add an item to'], ['remove', 'remove an item from']] as const) {
    config
      .command(name)
      .description(`${verb} a list setting`)
      .argument('<key:value...>', 'one or more key:value pairs')
      .action(async (pairs: string[], _options: unknown, command: Command) => {
        const ctx = contextFor(command);
        const client = await ctx.client({ allowMissingSettingsFile: true });
        const edit = await import('../settings/edit.js');
        const { requireKey } = await import('../settings/values.js');
        for (const pair of pairs) {
          const { key, value } = edit.splitAssignment(pair);
          const known = requireKey(key);
          const current = client.values[known];
          const change = await (name === 'add' ? edit.addToSetting : edit.removeFromSetting)(client.settings.userFile, key, value.trim(), Array.isArray(current) ? current : []);
          await client.reloadSettings();
          ctx.reporter.out(`${name === 'add' ? 'Added' : 'Removed'} ${value.trim()} ${name === 'add' ? 'to' : 'from'} ${change.key}`);
        }
      });
  }

  config
    .command('list')
    .description('print every effective setting and where it comes from')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client();
      const { SETTING_KEYS } = await import('../settings/schema.js');
      const { values, sources, userFile, shippedFile } = client.settings;
      if (options.json) {
        const rows = Object.fromEntries(SETTING_KEYS.map((key) => [key, { value: values[key], source: sources[key] }]));
        ctx.reporter.out(JSON.stringify({ userFile, shippedFile, settings: rows }, null, 2));
        return;
      }
      const width = Math.max(...SETTING_KEYS.map((k) => k.length));
      for (const key of SETTING_KEYS) {
        const source = sources[key] === 'env' ? `PAKS_${key.toUpperCase()}` : sources[key] === 'user' ? userFile : 'default';
        ctx.reporter.out(`${key.padEnd(width)}  ${formatValue(values[key])}  (${source})`);
      }
    });

  config
    .command('path')
    .description('print the path of your settings file')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextFor(command);
      const { userSettingsFile } = await import('../settings/load.js');
      ctx.reporter.out(userSettingsFile({ home: ctx.home, env: ctx.env, settingsFile: ctx.globals.settingsFile, cwd: ctx.cwd }));
    });

  config
    .command('edit')
    .description('open your settings file in config_editor, $VISUAL or $EDITOR')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextFor(command);
      const client = await ctx.client({ allowMissingSettingsFile: true });
      const { editSettingsInteractively } = await import('../settings/editor.js');
      await editSettingsInteractively(client.settings.userFile, client.values.config_editor, ctx.env);
      ctx.reporter.out(client.settings.userFile);
    });
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return value === null ? 'null' : String(value);
}
