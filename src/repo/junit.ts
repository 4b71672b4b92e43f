import type { RepoBuildReport } from './build.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * JUnit XML of `paks repo build`, the format CI services display: one test suite per
 * package, one test case per step (build with build-time tests, stand-alone tests, push).
 */
export function junitReport(report: RepoBuildReport): string {
  const suites = report.packages.map((pkg) => {
    const failures = pkg.steps.filter((s) => s.status === 'failed').length;
    const time = pkg.steps.reduce((sum, s) => sum + s.seconds, 0);
    const cases = pkg.steps.map((step) => {
      const open = `    <testcase classname="${escape(pkg.name)}" name="${step.step}" time="${step.seconds}">`;
      if (step.status === 'failed') {
        return `${open}\n      <failure message="${escape(step.detail ?? 'failed')}">${escape(step.log ?? '')}</failure>\n    </testcase>`;
      }
      return `${open}${step.detail ? `\n      <system-out>${escape(step.detail)}</system-out>\n    ` : ''}</testcase>`;
    });
    if (pkg.status === 'skipped') cases.push(`    <testcase classname="${escape(pkg.name)}" name="build" time="0">\n      <skipped message="${escape(pkg.reason ?? 'skipped')}"/>\n    </testcase>`);
    const skipped = pkg.status === 'skipped' ? 1 : 0;
    return `  <testsuite name="${escape(pkg.name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="paks repo build">\n${suites.join('\n')}\n</testsuites>\n`;
}
