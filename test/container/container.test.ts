/**
 * Single-package containers, end to end with tools nobody here wrote: a busybox base image made
 * with umoci and pushed with skopeo (as in Spack 0.23 transcript 136), `paks container` on top,
 * then `skopeo copy` → `umoci unpack` → `chroot` runs the package's program (transcripts 142–144).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { MANIFEST_ACCEPT, registryGet, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { World, type Machine } from '../e2e/world.js';

const exec = promisify(execFile);

const get = async (registry: TestRegistry, path: string): Promise<any> => JSON.parse((await registryGet(registry, path)).toString('utf8'));

/** umoci init/new/unpack, busybox as /bin/sh, repack, config, skopeo copy to the registry. */
async function pushBaseImage(dir: string, target: string, architecture = 'amd64'): Promise<void> {
  const layout = join(dir, 'lay');
  await exec('umoci', ['init', '--layout', layout]);
  await exec('umoci', ['new', '--image', `${layout}:1`]);
  await exec('umoci', ['unpack', '--image', `${layout}:1`, join(dir, 'bundle')]);
  const rootfs = join(dir, 'bundle', 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  symlinkSync('busybox', join(rootfs, 'bin', 'sh'));
  await exec('umoci', ['repack', '--image', `${layout}:1`, join(dir, 'bundle')]);
  await exec('umoci', ['config', '--image', `${layout}:1`, '--os', 'linux', '--architecture', architecture, '--config.cmd', '/bin/sh']);
  await exec('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${target}`]);
}

describe('paks container: a runnable single-package image', () => {
  let world: World;
  let registry: TestRegistry;
  let builder: Machine;

  before(async () => {
    world = await World.create();
    registry = await startRegistry();
    await pushBaseImage(join(world.dir, 'base'), `${registry.host}/base/mini:1`);
    await pushBaseImage(join(world.dir, 'base-arm'), `${registry.host}/base/arm:1`, 'arm64');
    builder = await world.machine('builder');
    const installed = await builder.paks(['install', '--no-cache', 'greet-paks']);
    assert.equal(installed.exitCode, 0, installed.stderr);
  });
  after(async () => {
    await registry?.stop();
    await world?.dispose();
  });

  it('pushes an image that skopeo copies, umoci unpacks and chroot runs', async () => {
    const pushed = await builder.paks(['container', 'greet-paks', '--base-image', `${registry.host}/base/mini:1`, '--push', `${registry.host}/paks/greet-image`]);
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    assert.match(pushed.stdout, /^Pushed 127\.0\.0\.1:\d+\/paks\/greet-image:1\.0\.0-[a-z2-7]{7}@sha256:/m);

    const out = join(world.dir, 'pulled');
    mkdirSync(out, { recursive: true });
    await exec('skopeo', ['copy', '--src-tls-verify=false', `docker://${registry.host}/paks/greet-image:latest`, `oci:${out}/img:1`]);
    await exec('umoci', ['unpack', '--image', `${out}/img:1`, join(out, 'run')]);
    const runtime = JSON.parse(readFileSync(join(out, 'run', 'config.json'), 'utf8'));
    assert.deepEqual(runtime.process.args, ['/bin/sh']);
    const env = runtime.process.env as string[];
    const path = env.find((e) => e.startsWith('PATH='))!;
    assert.match(path, /^PATH=\/.*\/greet-paks-1\.0\.0-[a-z2-7]{32}\/bin:/, 'the package first on PATH');
    const run = await exec('env', ['-i', ...env, '/usr/sbin/chroot', join(out, 'run', 'rootfs'), '/bin/sh', '-c', 'greet-paks; greet-paks container; hello-paks']);
    assert.equal(run.stdout, 'greet-paks 1.0.0: Hello from hello-paks, world! (via libhellopaks 1.1.0)\ngreet-paks 1.0.0: Hello from hello-paks, container! (via libhellopaks 1.1.0)\nHello from hello-paks 1.1.0\n');
    // Without the image's Env busybox's PATH misses it (transcript 144b).
    await assert.rejects(exec('env', ['-i', '/usr/sbin/chroot', join(out, 'run', 'rootfs'), '/bin/sh', '-c', 'greet-paks']), /not found/);
  });

  it('labels the image, tags it per platform, and attaches the SBOMs as referrers', async () => {
    const index = await get(registry, 'paks/greet-image/manifests/1.0.0');
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(index.manifests[0].platform, { os: 'linux', architecture: 'amd64' });
    const manifest = await get(registry, `paks/greet-image/manifests/${index.manifests[0].digest}`);
    const base = await get(registry, 'base/mini/manifests/1');
    assert.deepEqual(manifest.layers[0], base.layers[0], 'the base layer first, as it is');
    assert.equal(manifest.layers.length, 4, 'base + gcc-runtime, hello-paks, greet-paks');
    const config = await get(registry, `paks/greet-image/blobs/${manifest.config.digest}`);
    assert.equal(config.config.Labels['org.opencontainers.image.title'], 'greet-paks');
    assert.equal(config.config.Labels['org.opencontainers.image.version'], '1.0.0');
    assert.match(config.config.Labels['org.opencontainers.image.created'], /^\d{4}-\d\d-\d\dT/);
    assert.equal(config.rootfs.diff_ids.length, 4);
    const referrers = await get(registry, `paks/greet-image/manifests/${index.manifests[0].digest.replace(':', '-')}`);
    assert.deepEqual(referrers.manifests.map((m: any) => m.artifactType).sort(), ['application/spdx+json', 'application/vnd.cyclonedx+json']);
  });

  it('paks build --base-image pushes the container beside the build cache', async () => {
    const built = await builder.paks(['build', 'greet-paks', '--unsigned', '--push', `${registry.host}/paks/built`, '--base-image', `${registry.host}/base/mini:1`]);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.match(built.stdout, /^Pushed container 127\.0\.0\.1:\d+\/paks\/built\/container:1\.0\.0-[a-z2-7]{7}@sha256:/m);
    const index = await get(registry, 'paks/built/container/manifests/latest');
    assert.equal(index.manifests.length, 1);
  });

  it('a community repository whose paks.yaml names container.base_image pushes the container with each package', async () => {
    const repo = join(world.dir, 'community');
    const init = await builder.paks(['repo', 'init', repo, '--registry', `${registry.host}/community`, '--platform', 'ubuntu-24.04']);
    assert.equal(init.exitCode, 0, init.stderr);
    const added = await builder.paks(['repo', 'add', 'hello-paks', '--from-spack', '--repo', repo]);
    assert.equal(added.exitCode, 0, added.stderr);
    const config = join(repo, 'paks.yaml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\ncontainer:\n  base_image: ${registry.host}/base/mini:1\n`);
    assert.equal((await builder.paks(['key', 'create'])).exitCode, 0);
    const built = await builder.paks(['repo', 'build', 'hello-paks', '--push', '--tests', 'none', '--repo', repo]);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.match(built.stdout, /container 127\.0\.0\.1:\d+\/community\/hello-paks\/container:/);
    const index = await get(registry, 'community/hello-paks/container/manifests/latest');
    assert.equal(index.manifests.length, 1);
  });

  it('refuses a missing base image, and one for another architecture, in one sentence each', async () => {
    const missing = await builder.paks(['container', 'greet-paks', '--base-image', `${registry.host}/base/nope:1`, '--push', `${registry.host}/paks/x`]);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /^Error: The base image 127\.0\.0\.1:\d+\/base\/nope:1 does not exist/m);
    const arm = await builder.paks(['container', 'greet-paks', '--base-image', `${registry.host}/base/arm:1`, '--push', `${registry.host}/paks/x`]);
    assert.equal(arm.exitCode, 2);
    assert.match(arm.stderr, /^Error: The base image .*base\/arm:1 is for linux\/arm64, but the package is built for linux\/amd64\./m);
    // An index without this platform: only the arm64 image in it.
    const armManifest = await fetch(`${registry.url}/v2/base/arm/manifests/1`, { headers: { accept: MANIFEST_ACCEPT } });
    const armBytes = Buffer.from(await armManifest.arrayBuffer());
    const { createHash } = await import('node:crypto');
    const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${createHash('sha256').update(armBytes).digest('hex')}`, size: armBytes.length, platform: { os: 'linux', architecture: 'arm64' } }] };
    const put = await fetch(`${registry.url}/v2/base/arm/manifests/multi`, { method: 'PUT', body: JSON.stringify(index), headers: { 'content-type': index.mediaType } });
    assert.equal(put.status, 201);
    const noEntry = await builder.paks(['container', 'greet-paks', '--base-image', `${registry.host}/base/arm:multi`, '--push', `${registry.host}/paks/x`]);
    assert.equal(noEntry.exitCode, 2);
    assert.match(noEntry.stderr, /^Error: The base image .*base\/arm:multi has no entry for linux\/amd64 \(it offers linux\/arm64\)\./m);
    const scheme = await builder.paks(['container', 'greet-paks', '--base-image', `oci://${registry.host}/base/mini:1`, '--push', `${registry.host}/paks/x`]);
    assert.equal(scheme.exitCode, 2);
    assert.doesNotMatch(missing.stderr + arm.stderr, /at .*\.js:\d+/, 'no stack traces');
  });
});
