/**
 * Tiny static ELF executables for foreign architectures, built from hand-assembled instructions: each does
 * write(1, "ok\n", 3) then exit(0) through a system call. Running one proves that the kernel hands foreign
 * binaries to QEMU through binfmt_misc — nothing here calls QEMU directly.
 */

export interface TinyElfSpec {
  /** 64-bit ELF (ELFCLASS64) or 32-bit (ELFCLASS32); always little-endian. */
  is64: boolean;
  /** e_machine: 183 = EM_AARCH64, 40 = EM_ARM. */
  machine: number;
  /** e_flags (ARM: the EABI version). */
  flags: number;
  /** Where the single PT_LOAD segment (the whole file) is mapped. */
  baseAddress: number;
  /** The 32-bit instruction words, little-endian, followed by `data`. */
  code: readonly number[];
  data: string;
}

const PT_LOAD = 1;
const PF_R_X = 5;
const ET_EXEC = 2;

function header(spec: TinyElfSpec, entry: number): Buffer {
  const size = spec.is64 ? 64 : 52;
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, spec.is64 ? 2 : 1, 1, 1, 0]); // magic, class, LSB, EV_CURRENT, SYSV ABI
  b.writeUInt16LE(ET_EXEC, 16);
  b.writeUInt16LE(spec.machine, 18);
  b.writeUInt32LE(1, 20); // e_version
  if (spec.is64) {
    b.writeBigUInt64LE(BigInt(entry), 24);
    b.writeBigUInt64LE(64n, 32); // e_phoff: right after this header
    b.writeUInt32LE(spec.flags, 48);
    b.writeUInt16LE(64, 52); // e_ehsize
    b.writeUInt16LE(56, 54); // e_phentsize
  } else {
    b.writeUInt32LE(entry, 24);
    b.writeUInt32LE(52, 28);
    b.writeUInt32LE(spec.flags, 36);
    b.writeUInt16LE(52, 40);
    b.writeUInt16LE(32, 42);
  }
  b.writeUInt16LE(1, spec.is64 ? 56 : 44); // e_phnum (section header fields stay 0: none)
  return b;
}

function programHeader(spec: TinyElfSpec, fileSize: number): Buffer {
  const b = Buffer.alloc(spec.is64 ? 56 : 32);
  b.writeUInt32LE(PT_LOAD, 0);
  if (spec.is64) {
    b.writeUInt32LE(PF_R_X, 4);
    // p_offset 0; p_vaddr = p_paddr = base; p_filesz = p_memsz = the file; p_align 4 KiB
    b.writeBigUInt64LE(BigInt(spec.baseAddress), 16);
    b.writeBigUInt64LE(BigInt(spec.baseAddress), 24);
    b.writeBigUInt64LE(BigInt(fileSize), 32);
    b.writeBigUInt64LE(BigInt(fileSize), 40);
    b.writeBigUInt64LE(0x1000n, 48);
  } else {
    b.writeUInt32LE(spec.baseAddress, 8);
    b.writeUInt32LE(spec.baseAddress, 12);
    b.writeUInt32LE(fileSize, 16);
    b.writeUInt32LE(fileSize, 20);
    b.writeUInt32LE(PF_R_X, 24);
    b.writeUInt32LE(0x1000, 28);
  }
  return b;
}

/** Assembles the ELF file: header, one program header, code, data; entry = the first instruction. Throws on no code. */
export function buildTinyElf(spec: TinyElfSpec): Buffer {
  if (spec.code.length === 0) throw new Error('buildTinyElf: no code');
  const headersSize = spec.is64 ? 64 + 56 : 52 + 32;
  const code = Buffer.alloc(spec.code.length * 4);
  spec.code.forEach((word, i) => code.writeUInt32LE(word >>> 0, i * 4));
  const body = Buffer.concat([code, Buffer.from(spec.data, 'latin1')]);
  const fileSize = headersSize + body.length;
  return Buffer.concat([header(spec, spec.baseAddress + headersSize), programHeader(spec, fileSize), body]);
}

/** linux/arm64: Linux syscalls write = 64, exit = 93 in x8; `adr x1, msg` is 7 instructions ahead. */
export const AARCH64_OK_SPEC: TinyElfSpec = {
  is64: true,
  machine: 183,
  flags: 0,
  baseAddress: 0x400000,
  data: 'ok\n',
  code: [
    0xd2800020, // mov  x0, #1
    0x100000e1, // adr  x1, msg        (+28)
    0xd2800062, // mov  x2, #3
    0xd2800808, // mov  x8, #64        (write)
    0xd4000001, // svc  #0
    0xd2800000, // mov  x0, #0
    0xd2800ba8, // mov  x8, #93        (exit)
    0xd4000001, // svc  #0
  ],
};

/** linux/arm (ARMv4+ instructions, so v6 and v7 alike), EABI5: write = 4, exit = 1 in r7; pc reads 8 ahead. */
export const ARM_OK_SPEC: TinyElfSpec = {
  is64: false,
  machine: 40,
  flags: 0x05000200,
  baseAddress: 0x10000,
  data: 'ok\n',
  code: [
    0xe3a00001, // mov  r0, #1
    0xe28f1014, // add  r1, pc, #20    (msg)
    0xe3a02003, // mov  r2, #3
    0xe3a07004, // mov  r7, #4         (write)
    0xef000000, // svc  #0
    0xe3a00000, // mov  r0, #0
    0xe3a07001, // mov  r7, #1         (exit)
    0xef000000, // svc  #0
  ],
};

/** The executables the doctor runs, by the QEMU handler that must pick them up. */
export const TINY_ELVES = {
  'qemu-aarch64': { platform: 'linux/arm64', bytes: buildTinyElf(AARCH64_OK_SPEC) },
  'qemu-arm': { platform: 'linux/arm/v7', bytes: buildTinyElf(ARM_OK_SPEC) },
} as const;
