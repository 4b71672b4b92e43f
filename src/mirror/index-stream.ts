/**
 * Reads a Spack build-cache index (`{"database": {"version": …, "installs": {HASH: RECORD, …}}}`,
 * tens of MB for a large stack) as a stream: each install record is cut out by a small
 * scanner that follows only strings, keys and nesting, and parsed on its own with JSON.parse.
 * Memory holds one record at a time, never the whole index.
 */
import { PaksError } from '../errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;

/** Called with each record's hash (its key) and its JSON text. */
export type OnInstall = (hash: string, json: string) => void;

/** Feed chunks in order, then `end()`; throws a PaksError when the text is not such an index. */
export class InstallRecordScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The key of the value open at each depth (1: a key of the top object, 2: of database, 3: of installs). */
  private readonly keys: string[] = [];
  /** A key being read (only strings at the top three levels are kept). */
  private capturing = false;
  private stringStart = 0;
  private stringParts: Buffer[] = [];
  private lastString = '';
  /** The record being cut out: pieces of earlier chunks, and where it starts in this one. */
  private recording = false;
  private recordStart = 0;
  private recordParts: Buffer[] = [];
  private recordKey = '';
  private installsSeen = false;
  records = 0;

  constructor(private readonly onInstall: OnInstall, private readonly source: string) {}

  write(chunk: Buffer): void {
    const n = chunk.length;
    // The hot loop keeps its state in locals; only structure at the top three levels is looked at closely.
    let inString = this.inString;
    let escaped = this.escaped;
    let depth = this.depth;
    for (let i = 0; i < n; i++) {
      const byte = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) {
          inString = false;
          if (this.capturing) this.endString(chunk, i);
        }
        continue;
      }
      if (byte === QUOTE) {
        inString = true;
        if (depth <= 3) {
          this.capturing = true;
          this.stringStart = i + 1;
        }
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        if (depth === 3 && byte === OPEN_OBJECT && this.keys[1] === 'database' && this.keys[2] === 'installs') {
          this.recording = true;
          this.recordStart = i;
          this.recordKey = this.keys[3] ?? '';
        }
        depth++;
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        depth--;
        if (depth < 0) throw this.malformed('more closing brackets than opening ones');
        if (depth === 3 && this.recording) this.endRecord(chunk, i + 1);
        else if (depth === 2 && this.keys[1] === 'database' && this.keys[2] === 'installs') this.installsSeen = true;
      } else if (byte === COLON && depth <= 3) {
        this.keys[depth] = this.lastString;
      }
    }
    this.inString = inString;
    this.escaped = escaped;
    this.depth = depth;
    // Unfinished pieces carry over to the next chunk.
    if (this.recording) {
      this.recordParts.push(chunk.subarray(this.recordStart));
      this.recordStart = 0;
    }
    if (this.capturing) {
      this.stringParts.push(chunk.subarray(this.stringStart));
      this.stringStart = 0;
    }
  }

  end(): void {
    if (this.depth !== 0 || this.inString) throw this.malformed('it ends in the middle of a value');
    if (!this.installsSeen) throw this.malformed('it has no database.installs object');
  }

  private endString(chunk: Buffer, end: number): void {
    const piece = chunk.subarray(this.stringStart, end);
    this.lastString = (this.stringParts.length ? Buffer.concat([...this.stringParts, piece]) : piece).toString('utf8');
    this.stringParts = [];
    this.capturing = false;
  }

  private endRecord(chunk: Buffer, end: number): void {
    const piece = chunk.subarray(this.recordStart, end);
    const text = (this.recordParts.length ? Buffer.concat([...this.recordParts, piece]) : piece).toString('utf8');
    this.recordParts = [];
    this.recording = false;
    this.records++;
    this.onInstall(this.recordKey, text);
  }

  private malformed(why: string): PaksError {
    return new PaksError('integrity', `${this.source} is not a Spack build-cache index: ${why}.`);
  }
}
