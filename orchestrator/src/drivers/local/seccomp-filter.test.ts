import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { describe, test } from 'node:test';
import { BPF_INSTRUCTION_BYTES, hostSeccompArch, SANDBOX_SECCOMP_RULES, seccompProgram } from './seccomp-filter.js';
import { type SeccompArch, SYSCALL_NUMBERS, type SyscallName } from './syscall-numbers.js';

// The kernel runs the host's program in sandbox-command.test.ts. This interpreter of the five
// classic-BPF instructions the generator emits is for what this machine's kernel cannot run:
// the other architecture's program and the big-endian layout. It checks what the kernel's
// loader checks of them too: aligned loads inside struct seccomp_data, jumps inside the program.
interface SeccompData {
  nr: number;
  arch?: number;
  args?: bigint[];
}

function runFilter(program: Buffer, data: SeccompData, arch: SeccompArch, endianness: 'LE' | 'BE' = 'LE'): number {
  const le = endianness === 'LE';
  const mem = Buffer.alloc(64);
  if (le) {
    mem.writeInt32LE(data.nr, 0);
    mem.writeUInt32LE(data.arch ?? AUDIT_ARCH[arch], 4);
  } else {
    mem.writeInt32BE(data.nr, 0);
    mem.writeUInt32BE(data.arch ?? AUDIT_ARCH[arch], 4);
  }
  for (const [i, a] of (data.args ?? []).entries()) {
    if (le) mem.writeBigUInt64LE(a, 16 + 8 * i);
    else mem.writeBigUInt64BE(a, 16 + 8 * i);
  }
  const count = program.length / BPF_INSTRUCTION_BYTES;
  let acc = 0;
  for (let pc = 0; pc < count; ) {
    const at = pc * BPF_INSTRUCTION_BYTES;
    const code = le ? program.readUInt16LE(at) : program.readUInt16BE(at);
    const [jt, jf] = [program.readUInt8(at + 2), program.readUInt8(at + 3)];
    const k = le ? program.readUInt32LE(at + 4) : program.readUInt32BE(at + 4);
    pc++;
    const branch = (taken: boolean) => {
      pc += taken ? jt : jf;
      assert.ok(pc < count, `jump out of the program at ${pc - 1}`);
    };
    switch (code) {
      case 0x20:
        assert.ok(k % 4 === 0 && k < 64, `load at ${k}`);
        acc = le ? mem.readUInt32LE(k) : mem.readUInt32BE(k);
        break;
      case 0x15:
        branch(acc === k);
        break;
      case 0x35:
        branch(acc >= k);
        break;
      case 0x45:
        branch((acc & k) !== 0);
        break;
      case 0x06:
        return k;
      default:
        assert.fail(`instruction ${code.toString(16)} at ${pc - 1}`);
    }
  }
  return assert.fail('the program ran off its end');
}

const AUDIT_ARCH: Record<SeccompArch, number> = { x86_64: 0xc000003e, aarch64: 0xc00000b7 };
const ALLOW = 0x7fff0000;
const KILL = 0x80000000;
const errno = (name: 'EPERM' | 'ENOSYS') => 0x00050000 | os.constants.errno[name];
const CLONE_NEWUSER = 0x10000000n;
/** What glibc's pthread_create passes clone: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID. */
const THREAD_FLAGS = 0x3d0f00n;

describe('the sandbox seccomp filter', () => {
  for (const arch of ['x86_64', 'aarch64'] as const) {
    const nr = (name: SyscallName) => {
      const n = SYSCALL_NUMBERS[arch][name];
      assert.ok(n !== undefined, `${arch} has ${name}`);
      return n;
    };
    for (const endianness of ['LE', 'BE'] as const) {
      const program = seccompProgram(arch, SANDBOX_SECCOMP_RULES, endianness);
      const decide = (data: SeccompData) => runFilter(program, data, arch, endianness);

      test(`${arch} ${endianness}: namespaces, clone3 and the flagged calls`, () => {
        assert.equal(program.length % BPF_INSTRUCTION_BYTES, 0);
        assert.equal(decide({ nr: nr('clone'), args: [CLONE_NEWUSER | 17n] }), errno('EPERM'));
        assert.equal(decide({ nr: nr('clone'), args: [0x20000n | 17n] }), errno('EPERM'), 'CLONE_NEWNS');
        assert.equal(decide({ nr: nr('clone'), args: [THREAD_FLAGS] }), ALLOW, 'a thread');
        assert.equal(decide({ nr: nr('clone'), args: [17n] }), ALLOW, 'fork');
        // Only the low 32 bits count, as in the kernel (clone reads lower_32_bits of its flags).
        assert.equal(decide({ nr: nr('clone'), args: [(1n << 32n) | 17n] }), ALLOW);
        assert.equal(decide({ nr: nr('clone'), args: [(1n << 32n) | CLONE_NEWUSER] }), errno('EPERM'));
        assert.equal(decide({ nr: nr('unshare'), args: [CLONE_NEWUSER] }), errno('EPERM'));
        assert.equal(decide({ nr: nr('unshare'), args: [0x80n] }), errno('EPERM'), 'CLONE_NEWTIME');
        assert.equal(decide({ nr: nr('unshare'), args: [0x200n | 0x400n] }), ALLOW, 'CLONE_FS | CLONE_FILES');
        assert.equal(decide({ nr: nr('clone3') }), errno('ENOSYS'));
        for (const p of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn])
          assert.equal(decide({ nr: nr('personality'), args: [p] }), ALLOW, `personality ${p}`);
        assert.equal(decide({ nr: nr('personality'), args: [0x40000n] }), errno('EPERM'), 'ADDR_NO_RANDOMIZE');
        assert.equal(decide({ nr: nr('socket'), args: [40n, 1n] }), errno('EPERM'), 'AF_VSOCK');
        for (const domain of [1n, 2n, 10n, 16n])
          assert.equal(decide({ nr: nr('socket'), args: [domain, 1n] }), ALLOW, `socket ${domain}`);
      });

      test(`${arch} ${endianness}: every listed call is refused, anything else allowed, other ABIs killed`, () => {
        for (const rule of SANDBOX_SECCOMP_RULES) {
          if (rule.when) continue;
          const want = rule.refusal === 'kill' ? KILL : 0x00050000 | rule.refusal.errno;
          for (const name of rule.names) {
            const n = SYSCALL_NUMBERS[arch][name];
            if (n !== undefined) assert.equal(decide({ nr: n, args: [0n] }), want, name);
          }
        }
        const listed = new Set(Object.values(SYSCALL_NUMBERS[arch]));
        for (let n = 0; n < 500; n++) {
          if (!listed.has(n)) assert.equal(decide({ nr: n, args: [CLONE_NEWUSER] }), ALLOW, `call ${n}`);
        }
        for (const foreign of [0x40000003 /* i386 */, 0x40000028 /* arm */, 0xc000003e, 0xc00000b7]) {
          if (foreign !== AUDIT_ARCH[arch]) assert.equal(decide({ nr: 0, arch: foreign }), KILL, foreign.toString(16));
        }
        // x32 calls come with x86_64's arch and bit 30 set in the number; aarch64 has no such ABI.
        assert.equal(decide({ nr: 0x40000000 | 39 }), arch === 'x86_64' ? KILL : ALLOW);
      });
    }

    test(`${arch}: the numbers are the kernel's`, (t) => {
      const header = {
        x86_64: '/usr/include/x86_64-linux-gnu/asm/unistd_64.h',
        aarch64: '/usr/include/asm-generic/unistd.h',
      }[arch];
      if (!fs.existsSync(header)) return t.skip(`no ${header} here (linux-libc-dev)`);
      const defined = new Map<string, number>();
      for (const m of fs.readFileSync(header, 'utf8').matchAll(/^#define __NR_(\w+)\s+(\d+)\s*$/gm))
        if (m[1] && m[2]) defined.set(m[1], Number(m[2]));
      for (const [name, n] of Object.entries(SYSCALL_NUMBERS[arch])) assert.equal(defined.get(name), n, name);
      // A call the table leaves out really is missing on that architecture, not forgotten.
      const named = new Set(SANDBOX_SECCOMP_RULES.flatMap((r) => r.names));
      for (const name of named) {
        if (!(name in SYSCALL_NUMBERS[arch])) assert.equal(defined.get(name), undefined, `${arch} lacks ${name}`);
      }
    });
  }

  test("the host's architecture has a filter", (t) => {
    if (process.platform !== 'linux') return t.skip('Linux only');
    assert.ok(hostSeccompArch(), process.arch);
    assert.equal(hostSeccompArch('ia32'), null);
  });
});
