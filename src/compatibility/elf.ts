/** The program interpreter (PT_INTERP) of an ELF file: the dynamic loader it runs under. */

const PT_INTERP = 3;

/** `/lib64/ld-linux-x86-64.so.2` from the first bytes of an ELF file, or undefined if there is none. */
export function elfInterpreter(bytes: Uint8Array): string | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length < 52 || view.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = view[4] === 2;
  const little = view[5] === 1;
  const u16 = (at: number) => (little ? view.readUInt16LE(at) : view.readUInt16BE(at));
  const u32 = (at: number) => (little ? view.readUInt32LE(at) : view.readUInt32BE(at));
  const word = (at: number) => (is64 ? Number(little ? view.readBigUInt64LE(at) : view.readBigUInt64BE(at)) : u32(at));
  if (is64 && view.length < 64) return undefined;
  const phoff = word(is64 ? 0x20 : 0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const header = phoff + i * phentsize;
    if (header + phentsize > view.length) return undefined;
    if (u32(header) !== PT_INTERP) continue;
    const offset = word(header + (is64 ? 0x08 : 0x04));
    const size = word(header + (is64 ? 0x20 : 0x10));
    if (offset + size > view.length || size === 0) return undefined;
    return view.subarray(offset, offset + size).toString('latin1').replace(/\0+$/, '');
  }
  return undefined;
}
