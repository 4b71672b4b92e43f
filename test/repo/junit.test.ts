import assert from 'node:assert/strict';
import { test } from 'node:test';
import { junitReport } from '../../src/repo/junit.js';

test('the JUnit report: a suite per package, a case per step, failures with their log, valid XML text', () => {
  const xml = junitReport({
    ok: false,
    packages: [
      { name: 'a', status: 'built', steps: [{ step: 'build', status: 'passed', seconds: 1.5, detail: 'a@1/abc' }] },
      { name: 'b', status: 'failed', steps: [{ step: 'build', status: 'passed', seconds: 2 }, { step: 'test', status: 'failed', seconds: 0.5, detail: 'Expected "x" & <y>', log: '\u001b[31mFAILED\u001b[0m' }] },
      { name: 'c', status: 'skipped', steps: [], reason: 'its dependency b failed' },
    ],
  });
  assert.match(xml, /<testsuite name="b" tests="2" failures="1" errors="0" skipped="0" time="2.5">/);
  assert.match(xml, /<failure message="Expected &quot;x&quot; &amp; &lt;y&gt;">\[31mFAILED\[0m<\/failure>/);
  assert.match(xml, /<skipped message="its dependency b failed"\/>/);
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(xml));
});
