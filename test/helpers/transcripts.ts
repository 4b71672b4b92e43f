// Reads the recorded real-Spack transcripts under test/fixtures (see the README beside them):
// sections `### command`, `### exit_code`, `### wall_seconds`, `### stdout`, `### stderr`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Transcript {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A transcript file, by its path under test/fixtures/. */
export function readTranscriptFile(relPath: string): Transcript {
  const text = readFileSync(`${FIXTURES}${relPath}`, 'utf8');
  const between = (start: string, end: string): string => {
    const i = text.indexOf(start) + start.length;
    return text.slice(i, end ? text.indexOf(end, i) : text.length);
  };
  return {
    command: between('### command\n', '\n### exit_code'),
    exitCode: Number(between('### exit_code\n', '\n')),
    stdout: between('### stdout\n', '### stderr'),
    stderr: between('### stderr\n', ''),
  };
}

/** Transcript `name` (e.g. `99-cat-greet-paks-with-tests`) of a release's recording. */
export function readTranscript(series: '0.23' | '1.1', name: string): Transcript {
  return readTranscriptFile(`${series === '0.23' ? 'spack' : 'spack-1.1'}/transcripts/${name}.txt`);
}
