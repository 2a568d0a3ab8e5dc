import os from 'node:os';
import { type SeccompArch, SYSCALL_NUMBERS, type SyscallName } from './syscall-numbers.js';

/**
 * The seccomp filter every local sandbox runs under (bubblewrap's `--seccomp FD`; docs/security.md,
 * "Local sandboxes"). The sandbox is already unprivileged, so most calls here would fail for want
 * of a capability anyway; the filter shuts the doors to the kernel code an exploit reaches first:
 * a user namespace of its own (where it is root and mount, netfilter and more open up), keys,
 * bpf, userfaultfd, perf events, io_uring, another ABI's system call table.
 *
 * A deny list, as flatpak's (bubblewrap's own user) is, not Docker's allow list: a call the kernel
 * adds later is allowed until it is listed here, and nothing a shell, node, npm, git or python
 * needs is ever caught by a list that was not kept up to date. The list is what Docker's default
 * profile refuses a container without capabilities, with four differences, each for the repl:
 * - ptrace, process_vm_readv/writev are allowed (as Docker does on kernels since 4.8): gdb and
 *   strace work, the PID namespace holds only the repl's own processes, and the runner makes
 *   itself non-dumpable, which the kernel's ptrace check refuses to a process without capabilities;
 * - unshare and clone are refused only with a namespace flag (Docker refuses unshare entirely):
 *   unshare(CLONE_FS) and friends stay usable;
 * - io_uring is refused (Docker allows it): the kernel's largest recent source of exploits, and
 *   libuv, Node's I/O library, falls back to its thread pool when io_uring_setup fails;
 * - foreign ABIs are killed rather than allowed (i386 via int 0x80, x32 on x86_64, 32-bit arm):
 *   the rules are written against one table of numbers, so another table would bypass them.
 */

/** What a refused call answers: the errno of the call, or the death of the process. */
type Refusal = { errno: number } | 'kill';

/** A call the sandbox refuses: always, or only for some values of one argument (its low 32 bits). */
export interface SeccompRule {
  names: SyscallName[];
  refusal: Refusal;
  /** Absent: every call is refused. */
  when?: { arg: number; anyBitOf: number } | { arg: number; oneOf: number[] } | { arg: number; noneOf: number[] };
}

const EPERM = { errno: os.constants.errno.EPERM };
/** clone3 answers "no such call", so glibc falls back to clone, whose flags the filter can read. */
const ENOSYS = { errno: os.constants.errno.ENOSYS };

/** Every CLONE_NEW* flag clone(2) takes; unshare(2) also takes CLONE_NEWTIME, which is CSIGNAL's bit 0x80 for clone. */
const CLONE_NEW_FLAGS = 0x7e020000; // NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
const CLONE_NEWTIME = 0x80;
/** personality(2) values Docker allows: Linux, PER_LINUX32, UNAME26 and both, and the query. */
const HARMLESS_PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];
const AF_VSOCK = 40;

export const SANDBOX_SECCOMP_RULES: SeccompRule[] = [
  // A namespace of its own: a user namespace is root inside, the first step of most kernel exploits.
  { names: ['clone'], refusal: EPERM, when: { arg: 0, anyBitOf: CLONE_NEW_FLAGS } },
  { names: ['unshare'], refusal: EPERM, when: { arg: 0, anyBitOf: CLONE_NEW_FLAGS | CLONE_NEWTIME } },
  { names: ['clone3'], refusal: ENOSYS }, // its flags are in memory, out of a filter's reach
  { names: ['setns'], refusal: EPERM },
  // Mounts, old and new interface.
  {
    names: [
      'mount',
      'umount2',
      'pivot_root',
      'chroot',
      'open_tree',
      'move_mount',
      'fsopen',
      'fsconfig',
      'fsmount',
      'fspick',
      'mount_setattr',
    ],
    refusal: EPERM,
  },
  // Kernel interfaces a repl never needs and exploits often start from.
  {
    names: [
      'add_key',
      'request_key',
      'keyctl',
      'bpf',
      'userfaultfd',
      'perf_event_open',
      'io_uring_setup',
      'io_uring_enter',
      'io_uring_register',
    ],
    refusal: EPERM,
  },
  // Other processes' descriptors and memory advice (Docker: CAP_SYS_PTRACE only).
  { names: ['kcmp', 'pidfd_getfd', 'process_madvise'], refusal: EPERM },
  // The machine itself: modules, kexec, reboot, swap, accounting, quotas, clocks, names, raw I/O.
  {
    names: [
      'kexec_load',
      'kexec_file_load',
      'init_module',
      'finit_module',
      'delete_module',
      'create_module',
      'query_module',
      'get_kernel_syms',
      'reboot',
      'swapon',
      'swapoff',
      'acct',
      'quotactl',
      'quotactl_fd',
      'lookup_dcookie',
      'syslog',
      'uselib',
      'nfsservctl',
      '_sysctl',
      'sysfs',
      'ustat',
      'vhangup',
      'iopl',
      'ioperm',
      'settimeofday',
      'clock_settime',
      'sethostname',
      'setdomainname',
      'fanotify_init',
      'open_by_handle_at',
    ],
    refusal: EPERM,
  },
  // Memory placement across NUMA nodes (Docker: CAP_SYS_NICE only).
  {
    names: ['mbind', 'set_mempolicy', 'get_mempolicy', 'migrate_pages', 'move_pages', 'set_mempolicy_home_node'],
    refusal: EPERM,
  },
  // ADDR_NO_RANDOMIZE and the other execution domains (gdb then says it cannot turn ASLR off, and goes on).
  { names: ['personality'], refusal: EPERM, when: { arg: 0, noneOf: HARMLESS_PERSONALITIES } },
  // vsock is not namespaced: in a virtual machine it reaches the hypervisor's host, past the sandbox's network.
  { names: ['socket'], refusal: EPERM, when: { arg: 0, oneOf: [AF_VSOCK] } },
];

/** seccomp_data.arch for each table (AUDIT_ARCH_* in <linux/audit.h>). */
const AUDIT_ARCH: Record<SeccompArch, number> = { x86_64: 0xc000003e, aarch64: 0xc00000b7 };
/** x32 system calls arrive with x86_64's arch and this bit in the number (__X32_SYSCALL_BIT). */
const X32_SYSCALL_BIT = 0x40000000;

// Classic BPF, as seccomp runs it (<linux/filter.h>, <linux/seccomp.h>).
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
/** Offsets in struct seccomp_data: int nr, u32 arch, u64 instruction_pointer, u64 args[6]. */
const DATA_NR = 0;
const DATA_ARCH = 4;
const DATA_ARGS = 16;
/** One struct sock_filter: u16 code, u8 jt, u8 jf, u32 k. */
export const BPF_INSTRUCTION_BYTES = 8;
/** The kernel's limit on a filter's length (BPF_MAXINSNS). */
const BPF_MAX_INSTRUCTIONS = 4096;

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const load = (offset: number): Instruction => ({ code: BPF_LD_W_ABS, jt: 0, jf: 0, k: offset });
const jump = (code: number, k: number, jt: number, jf: number): Instruction => ({ code, jt, jf, k: k >>> 0 });
const ret = (k: number): Instruction => ({ code: BPF_RET_K, jt: 0, jf: 0, k: k >>> 0 });
const refuse = (refusal: Refusal): Instruction =>
  ret(refusal === 'kill' ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_ERRNO | refusal.errno);

/** The architectures a filter can be made for, by Node's name for the host's. */
export function hostSeccompArch(arch: string = process.arch): SeccompArch | null {
  if (arch === 'x64') return 'x86_64';
  if (arch === 'arm64') return 'aarch64';
  return null;
}

/**
 * The filter as bubblewrap reads it from `--seccomp FD`: struct sock_filter after struct
 * sock_filter, in the host's byte order. Each rule is a block that ends in its own returns, so
 * every jump is short and forward, and the call's number is loaded once.
 */
export function seccompProgram(
  arch: SeccompArch,
  rules: SeccompRule[] = SANDBOX_SECCOMP_RULES,
  endianness: 'LE' | 'BE' = os.endianness(),
): Buffer {
  const program: Instruction[] = [
    load(DATA_ARCH),
    jump(BPF_JEQ_K, AUDIT_ARCH[arch], 1, 0),
    refuse('kill'),
    load(DATA_NR),
  ];
  if (arch === 'x86_64') program.push(jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1), refuse('kill'));
  // The low 32 bits of an argument: every argument tested here is an int or flags the kernel reads as 32 bits.
  const argLow = (arg: number) => DATA_ARGS + 8 * arg + (endianness === 'LE' ? 0 : 4);
  for (const rule of rules) {
    for (const name of rule.names) {
      const nr = SYSCALL_NUMBERS[arch][name];
      if (nr === undefined) continue;
      const body = ruleBody(rule, argLow);
      program.push(jump(BPF_JEQ_K, nr, 0, body.length), ...body);
    }
  }
  program.push(ret(SECCOMP_RET_ALLOW));
  return encode(program, endianness);
}

/** What runs once the call's number matched: it always returns, so the next rule starts clean. */
function ruleBody(rule: SeccompRule, argLow: (arg: number) => number): Instruction[] {
  const { when } = rule;
  if (!when) return [refuse(rule.refusal)];
  if ('anyBitOf' in when) {
    return [
      load(argLow(when.arg)),
      jump(BPF_JSET_K, when.anyBitOf, 0, 1),
      refuse(rule.refusal),
      ret(SECCOMP_RET_ALLOW),
    ];
  }
  // A run of comparisons; a match jumps over the rest and over the first return to the second.
  const values = 'oneOf' in when ? when.oneOf : when.noneOf;
  const [unmatched, matched] =
    'oneOf' in when ? [ret(SECCOMP_RET_ALLOW), refuse(rule.refusal)] : [refuse(rule.refusal), ret(SECCOMP_RET_ALLOW)];
  return [
    load(argLow(when.arg)),
    ...values.map((v, i) => jump(BPF_JEQ_K, v, values.length - i, 0)),
    unmatched,
    matched,
  ];
}

function encode(program: Instruction[], endianness: 'LE' | 'BE'): Buffer {
  if (program.length > BPF_MAX_INSTRUCTIONS) throw new RangeError(`seccomp filter of ${program.length} instructions`);
  const out = Buffer.alloc(program.length * BPF_INSTRUCTION_BYTES);
  program.forEach(({ code, jt, jf, k }, i) => {
    if (jt > 0xff || jf > 0xff) throw new RangeError(`seccomp filter jump too long at instruction ${i}`);
    const at = i * BPF_INSTRUCTION_BYTES;
    if (endianness === 'LE') {
      out.writeUInt16LE(code, at);
      out.writeUInt32LE(k, at + 4);
    } else {
      out.writeUInt16BE(code, at);
      out.writeUInt32BE(k, at + 4);
    }
    out.writeUInt8(jt, at + 2);
    out.writeUInt8(jf, at + 3);
  });
  return out;
}
