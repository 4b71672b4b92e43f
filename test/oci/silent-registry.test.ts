/**
 * A registry that accepts connections and never answers: `paks install` spends at most
 * registry_lookup_timeout on it (scheme probe, retries and the Spack-native look-up all
 * included); `paks pull` says within registry_timeout that it does not answer and gives up
 * after 3 × registry_timeout of silence.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PaksError } from '../../src/errors.js';
import { createLookupBudget, LookupTimedOut } from '../../src/oci/lookup-budget.js';
import { retryPolicy, withRetry } from '../../src/oci/transport/retry.js';
import { runPaks } from '../helpers/cli.js';
import { startSilentServer, type SilentServer } from '../helpers/silent-server.js';
import { World } from '../e2e/world.js';

let server: SilentServer;
let host: string;
before(async () => {
  server = await startSilentServer();
  host = server.host;
});
after(() => server.stop());

const noAnswer = () => Object.assign(new Error('h did not start answering within 1 s'), { code: 'ETIMEDOUT', noAnswer: true });

describe('retries of a registry that does not answer', () => {
  it('stop once a new try would start 3 timeouts after the first silent one, and the user hears it once', async () => {
    let clock = 0;
    const heard: string[] = [];
    const policy = retryPolicy({ attempts: 10, maxSilentMs: 3000, now: () => clock, random: () => 0, baseDelayMs: 500, sleep: async (ms) => void (clock += ms), onNoAnswer: (_, message) => heard.push(message) });
    let tries = 0;
    await assert.rejects(
      withRetry(async () => { tries++; clock += 1000; throw noAnswer(); }, policy, { what: 'read h/x:1', host: 'h' }),
      (error: unknown) => error instanceof PaksError && /^Could not read h\/x:1: h does not answer \(h did not start answering within 1 s; 3 tries in 3\.8 s\)\.$/.test(error.message),
    );
    assert.equal(tries, 3, 'not the 10 attempts a flaky registry gets');
    assert.deepEqual(heard, ['h does not answer (h did not start answering within 1 s); Paks tries again for up to 3 s.']);
  });

  it('end the wait between tries when the signal fires', async () => {
    const controller = new AbortController();
    const policy = retryPolicy({ signal: controller.signal, baseDelayMs: 60_000, maxDelayMs: 60_000, maxSilentMs: 600_000 });
    setTimeout(() => controller.abort(new LookupTimedOut(100)), 100);
    const started = Date.now();
    await assert.rejects(withRetry(async () => { throw noAnswer(); }, policy, { what: 'x', host: 'h' }), (error: unknown) => error instanceof LookupTimedOut && error.message === 'no answer within 0.1 s');
    assert.ok(Date.now() - started < 10_000);
  });

  it('a look-up budget is shared by every step asking the same registry', async () => {
    const budget = createLookupBudget(100);
    const first = new AbortController();
    await assert.rejects(budget.within('r', first, () => new Promise(() => {})), LookupTimedOut);
    assert.equal(first.signal.aborted, true, 'the requests of the first step are ended');
    let ran = false;
    await assert.rejects(budget.within('r', new AbortController(), async () => void (ran = true)), LookupTimedOut);
    assert.equal(ran, false, 'a later step does not ask a registry whose time is spent');
    assert.equal(await budget.within('other', new AbortController(), async () => 'yes'), 'yes');
  });
});

describe('a silent registry on the command line', () => {
  let world: World;
  before(async () => {
    world = await World.create();
  });
  after(async () => {
    await world?.dispose();
  });

  it('paks install --cache-only spends at most registry_lookup_timeout on it, Spack-native look-up included', async () => {
    const user = await world.machine('silent-install');
    const started = Date.now();
    const result = await user.paks(['install', '--registry', `${host}/acme`, '--cache-only', 'zlib'], { PAKS_REGISTRY_TIMEOUT: '0.3', PAKS_REGISTRY_LOOKUP_TIMEOUT: '1' });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(result.exitCode, 1, result.stderr);
    const escaped = host.replace(/\./g, '\\.');
    // The Paks artifact's look-up gives up on the silence (3 × 0.3 s) or the budget (1 s); the Spack-native one gets what is left.
    const paksLookup = `${escaped}/acme/zlib:latest: (?:no answer within 1 s|Could not read ${escaped}/acme/zlib:latest: ${escaped} does not answer \\([^)]*\\))`;
    assert.match(result.stderr, new RegExp(`No binary of zlib for [^:]+: ${paksLookup}; ${escaped}/acme/zlib \\(a Spack OCI build cache\\): no answer within 1 s\\.`));
    assert.doesNotMatch(result.stderr, /connection timed out/);
    // Before, the Spack-native look-up waited on its own: over 20 s with these settings.
    assert.ok(seconds < 12, `took ${seconds} s`);
  });

  it('paks pull says the registry does not answer, then gives up after 3 × registry_timeout of silence', async () => {
    const home = await mkdtemp(join(tmpdir(), 'paks-silent-'));
    try {
      const started = Date.now();
      const result = await runPaks(['pull', `${host}/acme/zlib:1`, join(home, 'out')], { home, env: { PAKS_REGISTRY_TIMEOUT: '0.3' } });
      const seconds = (Date.now() - started) / 1000;
      assert.equal(result.exitCode, 1, result.stderr);
      const escaped = host.replace(/\./g, '\\.');
      assert.match(result.stderr, new RegExp(`${escaped} does not answer \\(${escaped} did not answer the TLS handshake within 0\\.3 s\\); Paks tries again for up to 0\\.9 s\\.`));
      assert.match(result.stderr, new RegExp(`Could not read ${escaped}/acme/zlib:1: ${escaped} does not answer \\(${escaped} did not answer the TLS handshake within 0\\.3 s; \\d tries in [\\d.]+ s\\)\\.`));
      assert.ok(seconds < 8, `took ${seconds} s`);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
