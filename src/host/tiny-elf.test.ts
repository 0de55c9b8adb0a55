import { describe, expect, it } from 'vitest';
import { AARCH64_OK_SPEC, TINY_ELVES, buildTinyElf } from './tiny-elf.js';

/** Debian qemu-user-static's registrations: an ELF is handed to QEMU when (bytes & mask) == magic. */
const REGISTRATIONS = {
  'qemu-aarch64': {
    magic: '7f454c460201010000000000000000000200b700',
    mask: 'ffffffffffffff00fffffffffffffffffeffffff',
  },
  'qemu-arm': { magic: '7f454c4601010100000000000000000002002800', mask: 'ffffffffffffff00fffffffffffffffffeffffff' },
};

function matches(bytes: Buffer, reg: { magic: string; mask: string }): boolean {
  const magic = Buffer.from(reg.magic, 'hex');
  const mask = Buffer.from(reg.mask, 'hex');
  return magic.every((m, i) => ((bytes[i] ?? 0) & (mask[i] ?? 0)) === m);
}

describe('tiny foreign ELF executables', () => {
  it('each matches its own QEMU handler and not the other', () => {
    expect(matches(TINY_ELVES['qemu-aarch64'].bytes, REGISTRATIONS['qemu-aarch64'])).toBe(true);
    expect(matches(TINY_ELVES['qemu-aarch64'].bytes, REGISTRATIONS['qemu-arm'])).toBe(false);
    expect(matches(TINY_ELVES['qemu-arm'].bytes, REGISTRATIONS['qemu-arm'])).toBe(true);
    expect(matches(TINY_ELVES['qemu-arm'].bytes, REGISTRATIONS['qemu-aarch64'])).toBe(false);
  });

  it('lays out the 64-bit header: entry right after the headers, one PT_LOAD covering the file', () => {
    const elf = TINY_ELVES['qemu-aarch64'].bytes;
    expect(elf.length).toBe(64 + 56 + 8 * 4 + 3);
    expect(elf.readUInt16LE(16)).toBe(2); // ET_EXEC
    expect(elf.readUInt16LE(18)).toBe(183); // EM_AARCH64
    expect(elf.readBigUInt64LE(24)).toBe(0x400000n + 120n); // e_entry
    expect(elf.readUInt16LE(56)).toBe(1); // e_phnum
    expect(elf.readUInt32LE(64)).toBe(1); // PT_LOAD
    expect(elf.readBigUInt64LE(64 + 32)).toBe(BigInt(elf.length)); // p_filesz
    expect(elf.subarray(-3).toString()).toBe('ok\n');
  });

  it('lays out the 32-bit ARM header with the EABI5 flags', () => {
    const elf = TINY_ELVES['qemu-arm'].bytes;
    expect(elf.length).toBe(52 + 32 + 8 * 4 + 3);
    expect(elf[4]).toBe(1); // ELFCLASS32
    expect(elf.readUInt16LE(18)).toBe(40); // EM_ARM
    expect(elf.readUInt32LE(24)).toBe(0x10000 + 84);
    expect(elf.readUInt32LE(36)).toBe(0x05000200);
    expect(elf.readUInt32LE(52 + 16)).toBe(elf.length);
  });

  it('the adr/add offsets point at the message', () => {
    // aarch64 `adr x1` at word 1: immhi (bits 23..5) << 2 | immlo (bits 30..29) bytes ahead of itself.
    const adr = AARCH64_OK_SPEC.code[1]!;
    const offset = (((adr >>> 5) & 0x7ffff) << 2) | ((adr >>> 29) & 3);
    expect(4 + offset).toBe(AARCH64_OK_SPEC.code.length * 4);
  });

  it('refuses an empty program', () => {
    expect(() => buildTinyElf({ ...AARCH64_OK_SPEC, code: [] })).toThrow(/no code/);
  });
});
