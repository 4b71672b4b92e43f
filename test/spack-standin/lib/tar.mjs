// Minimal tar (PAX, like Python's tarfile default) writer and reader.
import { gunzipSync, gzipSync } from 'node:zlib';

function octal(n, len) {
  return n.toString(8).padStart(len - 1, '0') + '\0';
}

function header({ name, mode, size = 0, type = '0', linkname = '', mtime = 0 }) {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100, 'utf8');
  b.write(octal(mode, 8), 100);
  b.write(octal(0, 8), 108);
  b.write(octal(0, 8), 116);
  b.write(octal(size, 12), 124);
  b.write(octal(mtime, 12), 136);
  b.write('        ', 148);
  b.write(type, 156);
  b.write(linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257);
  b.write('00', 263);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return b;
}

function pad(buf) {
  const r = buf.length % 512;
  return r ? Buffer.concat([buf, Buffer.alloc(512 - r)]) : buf;
}

function paxRecord(key, value) {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

// entries: [{name, type: 'file'|'dir'|'symlink', mode, data?: Buffer, linkname?}]
export function createTar(entries) {
  const chunks = [];
  for (const e of entries) {
    const name = e.type === 'dir' && !e.name.endsWith('/') ? e.name + '/' : e.name;
    const typeflag = e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0';
    const data = e.type === 'file' ? e.data : Buffer.alloc(0);
    const linkname = e.linkname ?? '';
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(linkname) > 100) {
      let pax = paxRecord('path', name);
      if (linkname) pax = pax + paxRecord('linkpath', linkname);
      const pb = Buffer.from(pax);
      chunks.push(header({ name: './PaxHeaders/' + name.split('/').filter(Boolean).pop().slice(0, 80), mode: 0o644, size: pb.length, type: 'x' }));
      chunks.push(pad(pb));
    }
    chunks.push(header({ name: name.slice(0, 100), mode: e.mode, size: data.length, type: typeflag, linkname: linkname.slice(0, 100) }));
    if (data.length) chunks.push(pad(data));
  }
  chunks.push(Buffer.alloc(1024));
  const raw = Buffer.concat(chunks);
  // tarfile pads to a multiple of RECORDSIZE (20 blocks)
  const rec = 512 * 20;
  const r = raw.length % rec;
  return r ? Buffer.concat([raw, Buffer.alloc(rec - r)]) : raw;
}

export function gzip(buf) {
  return gzipSync(buf, { level: 6 });
}

export function readTar(buf) {
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const entries = [];
  let off = 0;
  let pax = {};
  let longName = null;
  let longLink = null;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const str = (a, l) => h.subarray(a, a + l).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const type = str(156, 1) || '0';
    let name = str(0, 100);
    const prefix = str(257, 6).startsWith('ustar') ? str(345, 155) : '';
    if (prefix) name = `${prefix}/${name}`;
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = {};
      const text = data.toString('utf8');
      let i = 0;
      while (i < text.length) {
        const sp = text.indexOf(' ', i);
        const len = Number(text.slice(i, sp));
        const rec = text.slice(sp + 1, i + len - 1);
        const eq = rec.indexOf('=');
        pax[rec.slice(0, eq)] = rec.slice(eq + 1);
        i += len;
      }
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'K') {
      longLink = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    const entry = {
      name: pax.path ?? longName ?? name,
      mode: parseInt(str(100, 8).trim() || '0', 8),
      type: type === '5' ? 'dir' : type === '2' ? 'symlink' : type === '1' ? 'hardlink' : 'file',
      linkname: pax.linkpath ?? longLink ?? str(157, 100),
      data: Buffer.from(data),
    };
    entries.push(entry);
    pax = {};
    longName = null;
    longLink = null;
  }
  return entries;
}
