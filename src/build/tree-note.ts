/**
 * Where Paks notes that it built into the build tree of a Spack (~/.paks/build-trees/<id>):
 * only then does `paks list` ask that tree too, so a user who never builds pays for one
 * store, not two. The note says only "ask"; what is there is always Spack's answer.
 * Apart from build/tree.ts so that `paks list` loads no build code when there is no note.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PaksClient } from '../client.js';
import type { SpackRunner } from '../spack/runner.js';

function buildTreeNote(client: PaksClient, spack: SpackRunner): string {
  const id = createHash('sha256').update(spack.installation.executable).digest('hex').slice(0, 16);
  return join(client.home, '.paks', 'build-trees', id);
}

/** Called before a build installs into the build tree. */
export async function noteBuildTree(client: PaksClient): Promise<void> {
  if (client.values.build_padded_length <= 0) return;
  const note = buildTreeNote(client, await client.spack());
  await mkdir(join(note, '..'), { recursive: true });
  await writeFile(note, `${(await client.spack()).installation.executable}\n`);
}

/** Whether Paks has built into this Spack's build tree (and so `paks list` asks it too). */
export async function buildTreeUsed(client: PaksClient): Promise<boolean> {
  if (client.values.build_padded_length <= 0) return false;
  return access(buildTreeNote(client, await client.spack())).then(() => true, () => false);
}
