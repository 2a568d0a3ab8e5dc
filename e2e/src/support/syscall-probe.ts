/**
 * A Python program an attacker would run in a repl's shell to try the system calls a sandbox's
 * seccomp filter must refuse, with the kernel's own numbers (python3's ctypes calls syscall(2)
 * directly, where Node cannot). It prints one `RESULT <name>=<errno name | ok>` line per call.
 *
 * Modes (argv[1]): `calls` tries each call once; `ptrace <pid>...` attaches to and detaches from
 * each pid; `x32` makes one call through the x32 ABI and `int80` one through the i386 ABI (both
 * x86_64 only): a filter kills the process, so nothing is printed and the shell sees SIGSYS.
 */
export const SYSCALL_PROBE = `
import ctypes, errno, mmap, os, platform, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = {
    'x86_64': dict(unshare=272, clone=56, clone3=435, keyctl=250, add_key=248, request_key=249, bpf=321,
                   userfaultfd=323, perf_event_open=298, io_uring_setup=425, personality=135, ptrace=101,
                   mount=165, setns=308, socket=41, getpid=39),
    'aarch64': dict(unshare=97, clone=220, clone3=435, keyctl=219, add_key=217, request_key=218, bpf=280,
                    userfaultfd=282, perf_event_open=241, io_uring_setup=425, personality=92, ptrace=117,
                    mount=40, setns=268, socket=198, getpid=172),
}[platform.machine()]
CLONE_NEWUSER = 0x10000000
SIGCHLD = 17


def report(label, r):
    e = ctypes.get_errno()
    print('RESULT %s=%s' % (label, 'ok' if r >= 0 else errno.errorcode.get(e, str(e))), flush=True)


def call(label, name, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(NR[name]), *[ctypes.c_long(a) for a in args])
    if r == 0 and name in ('clone', 'clone3'):
        os._exit(0)  # the child of a clone that was let through
    if r > 0 and name in ('clone', 'clone3'):
        os.waitpid(r, 0)
    report(label, r)


mode = sys.argv[1]
if mode == 'calls':
    call('clone_user', 'clone', CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)
    clone_args = (ctypes.c_uint64 * 8)(CLONE_NEWUSER, 0, 0, 0, SIGCHLD, 0, 0, 0)
    call('clone3', 'clone3', ctypes.addressof(clone_args), ctypes.sizeof(clone_args))
    call('keyctl', 'keyctl', 0, -3, 0)
    call('add_key', 'add_key', 0, 0, 0, 0, 0)
    call('request_key', 'request_key', 0, 0, 0, 0)
    call('bpf', 'bpf', 999, 0, 0)
    call('userfaultfd', 'userfaultfd', 1)
    call('perf_event_open', 'perf_event_open', 0, 0, -1, -1, 0)
    call('io_uring_setup', 'io_uring_setup', 1, 0)
    call('personality_query', 'personality', 0xFFFFFFFF)
    call('personality_no_aslr', 'personality', 0x0040000)
    call('socket_vsock', 'socket', 40, 1, 0)
    call('mount', 'mount', 0, 0, 0, 0, 0)
    call('setns', 'setns', -1, 0)
    call('unshare_user', 'unshare', CLONE_NEWUSER)  # last: once it works, this process is in a namespace of its own
elif mode == 'ptrace':
    for pid in map(int, sys.argv[2:]):
        ctypes.set_errno(0)
        r = libc.ptrace(ctypes.c_long(16), ctypes.c_long(pid), None, None)  # PTRACE_ATTACH
        if r == 0:
            os.waitpid(pid, 0x40000000)  # __WALL: it is our tracee now, not our child
            libc.ptrace(ctypes.c_long(17), ctypes.c_long(pid), None, None)  # PTRACE_DETACH
        report('ptrace_%d' % pid, r)
elif mode == 'x32':
    ctypes.set_errno(0)
    report('x32', libc.syscall(ctypes.c_long(0x40000000 | NR['getpid'])))
elif mode == 'int80':
    code = bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3])  # mov eax, 20 (i386 getpid); int 0x80; ret
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    fn = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
    r = fn()
    print('RESULT int80=%s' % ('ok' if r > 0 else errno.errorcode.get(-r, str(r))), flush=True)
`;

/** A terminal's output without its control sequences (bracketed paste, colours): the lines as printed. */
export function plainText(out: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is matched
  return out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

/** The `RESULT name=value` lines of a probe's output. */
export function probeResults(out: string): Map<string, string> {
  const results = new Map<string, string>();
  for (const m of plainText(out).matchAll(/^RESULT (\w+)=(\w+)\s*$/gm)) if (m[1] && m[2]) results.set(m[1], m[2]);
  return results;
}
