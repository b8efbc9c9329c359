/**
 * The fork server (zygote) the warm sandbox runs inside bubblewrap, as `python3 -B -c ZYGOTE_SOURCE`. Kept as a
 * string so that it ships with the module whatever the build does with non-TypeScript files.
 *
 * Processes, per request (one sample: its program and the tests to run it against):
 *
 *   zygote Z  (started once; bwrap's namespaces, read-only root and /dev, capabilities inside bwrap's own user
 *              namespace only; never reads a program, an input or an output, so its memory holds nothing of
 *              any run and a fork of it holds nothing of an earlier one)
 *     └ init P  (per request, cloned straight into fresh mount, pid, network, ipc and uts namespaces ahead
 *                of the request: pid 1 there; fresh /proc; reads the request; per test a fresh private tmpfs /tmp and /dev/shm with the
 *                program files; runs the test, captures its output, reports; killing P from inside is impossible
 *                (pid 1 ignores signals it has no handler for, and it is not dumpable, so not traceable); when P
 *                ends, the kernel kills everything left in the namespace)
 *         └ program Q  (per test: stdio on fresh pipes, every other descriptor closed, scrubbed environment,
 *                      rlimits, all capabilities dropped, no_new_privs; Python runs in the forked interpreter
 *                      (warm: no start-up), other languages are exec'd)
 *
 * Wire protocol on the zygote's stdin/stdout (fd 0/1), frames = 4-byte big-endian length + bytes:
 *   Z → judge  {"ready": true, "python": "3.11.2"} once
 *   judge → P  one byte "R", then a frame: the request JSON (P is already waiting in its fresh namespaces;
 *              the zygote itself never reads the control pipe; end of file there ends the zygote)
 *   P → judge  per test: a frame with the result JSON ("last": true on the final one), then its stdout and
 *              stderr bytes (lengths in the JSON); with a "stopPattern" in the request P goes on by itself unless
 *              a test hit a limit (timeout, output cap, setup failure, or a failure whose stderr matches the
 *              pattern: out of memory); without one, after every test but the last P reads one byte: "c" runs
 *              the next test, anything else stops
 *   Z → judge  {"end": status} when the request's init exited (0: all went as planned)
 */
export const ZYGOTE_SOURCE = String.raw`
import os, sys, io, gc, re, fcntl, json, ctypes, select, signal, resource, struct, time, traceback, atexit, types, builtins

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x4000000, 0x8000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
MNT_DETACH = 2
F_SETPIPE_SZ = 1031
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 1, 4, 24, 38, 47
SIGNAL_NAMES = {int(s): s.name for s in signal.Signals}

def fail(what):
    e = ctypes.get_errno()
    raise OSError(e, what + ": " + os.strerror(e))

def check(rc, what):
    if rc != 0:
        fail(what)

def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]

def send(obj, *payloads):
    body = json.dumps(obj).encode()
    write_all(1, struct.pack(">I", len(body)) + body + b"".join(payloads))

def read_exact(fd, n):
    chunks = []
    while n > 0:
        b = os.read(fd, min(n, 1 << 20))
        if not b:
            raise EOFError("the judge closed the control pipe")
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)

def mount(source, target, fstype, flags, data):
    check(libc.mount(source, target.encode(), fstype, flags, data), "mount " + target)

def fresh_tmpfs(target, size):
    libc.umount2(target.encode(), MNT_DETACH)  # the previous test's, if any
    opts = "size=%d,mode=0700,uid=%d,gid=%d" % (size, os.getuid(), os.getgid())
    mount(b"tmpfs", target, b"tmpfs", MS_NOSUID | MS_NODEV, opts.encode())

class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

CAP_SETPCAP, CAP_SYS_ADMIN = 8, 21

def drop_from_bounding_set(caps):
    for cap in caps:
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:  # EINVAL: no such cap
            fail("drop capability %d from the bounding set" % cap)

def drop_capabilities():
    """Q: no capability left anywhere (the zygote already narrowed the bounding set to the two it uses)."""
    drop_from_bounding_set((CAP_SETPCAP, CAP_SYS_ADMIN))
    check(libc.prctl(PR_CAP_AMBIENT, 4, 0, 0, 0), "clear ambient capabilities")  # PR_CAP_AMBIENT_CLEAR_ALL
    check(libc.capset(ctypes.byref(CapHeader(0x20080522, 0)), (CapData * 2)()), "capset")
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")

def set_limits(lim, language):
    cpu = lim["cpuSeconds"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (lim["addressSpaceBytes"],) * 2)
    if language == "python":
        resource.setrlimit(resource.RLIMIT_DATA, (lim["memoryBytes"],) * 2)
    # RLIMIT_NPROC counts every process of this uid in the zygote's user namespace: bwrap's reaper, the zygote
    # and init are three of them.
    resource.setrlimit(resource.RLIMIT_NPROC, (lim["maxProcesses"] + 3,) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (lim["maxFileBytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lim["maxOpenFiles"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

def exit_status(e):
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1

def run_python(args):
    """What python3 -B FILE ARGS / python3 -B -c CODE ARGS does, in this already started interpreter."""
    if args[0] == "-c":
        source, filename, sys.argv = args[1], "<string>", ["-c"] + args[2:]
        sys.path[0] = ""
    else:
        filename = os.path.abspath(args[0])
        with open(filename, encoding="utf-8") as f:
            source = f.read()
        sys.argv = list(args)
        sys.path[0] = os.path.dirname(filename)
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    if filename != "<string>":
        main.__file__ = filename
    sys.modules["__main__"] = main
    if "random" in sys.modules:  # never share a generator state between runs
        sys.modules["random"].seed()
    status = 0
    try:
        exec(compile(source, filename, "exec"), main.__dict__)
    except SystemExit as e:
        status = exit_status(e)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        status = 1
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()
        atexit._run_exitfuncs()
    except SystemExit as e:
        status = exit_status(e)
    except BaseException:
        status = status or 1
    try:
        sys.stdout.flush()
    except BaseException:
        status = 120
    try:
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(status)

def program(req, run, fds, setup):
    """The program's own process Q: fresh stdio, nothing else open, clean environment, limits, no privileges.
    A failure before the program starts is written to fd 3 (close-on-exec), which init reports as the sandbox's."""
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.dup2(setup, 3, inheritable=False)
        os.closerange(4, 1 << 20)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir("/tmp")
        set_limits(req["limits"], req["language"])
        drop_capabilities()
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # its own /proc/self as usual; init stays undumpable
        env = dict(req["env"], **run["env"])
        if req["language"] != "python":
            os.execve(req["interpreter"], [req["interpreter"]] + req["flags"] + run["args"], env)
        os.environ.clear()
        os.environ.update(env)
        # as the interpreter makes them: newline "\n", stdout block-buffered on a pipe, stderr line-buffered
        sys.stdin = sys.__stdin__ = open(0, "r", encoding="utf-8", newline="\n", closefd=False)
        sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", newline="\n", closefd=False)
        sys.stderr = sys.__stderr__ = io.TextIOWrapper(io.open(2, "wb", closefd=False), encoding="utf-8", errors="backslashreplace", newline="\n", line_buffering=True)
        args = run["args"]
        os.close(3)
    except BaseException as e:
        os.write(3, ("cannot start the program: %r" % (e,)).encode())
        os._exit(126)
    try:
        run_python(args)
    finally:
        os._exit(126)  # never return into init's code  # never return into init's code

def kill_all_but_me():
    try:
        os.kill(-1, signal.SIGKILL)  # pid 1: every other process of the namespace
    except ProcessLookupError:
        pass

def reap_all():
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return

def run_test(req, run):
    """Run one test in this namespace; every process it made is gone when this returns."""
    lim = req["limits"]
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    setup_r, setup_w = os.pipe()
    try:  # fewer wake-ups for a program that prints a lot (up to /proc/sys/fs/pipe-max-size, 1 MiB by default)
        fcntl.fcntl(out_w, F_SETPIPE_SZ, min(max(lim["maxOutputBytes"] + 1, 65536), 1 << 20))
    except OSError:
        pass
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        program(req, run, (in_r, out_w, err_w), setup_w)
    for fd in (in_r, out_w, err_w, setup_w):
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    stdin = run["stdin"].encode()
    os.set_blocking(in_w, False)
    poller = select.poll()
    open_fds = {out_r: "out", err_r: "err"}
    for fd in open_fds:
        poller.register(fd, select.POLLIN)
    poller.register(pidfd, select.POLLIN)
    if stdin:
        poller.register(in_w, select.POLLOUT)
    else:
        os.close(in_w)
        in_w = -1
    out, err = bytearray(), bytearray()
    cap, err_cap = lim["maxOutputBytes"], 8192
    deadline = started + lim["timeoutMs"] / 1000
    timed_out = output_limited = exited = False
    status = None
    while open_fds or not exited:
        left = deadline - time.monotonic()
        if left <= 0 and not (timed_out or output_limited):
            timed_out = True
            kill_all_but_me()
        events = poller.poll(max(0, left) * 1000 if not (timed_out or output_limited) else 1000)
        for fd, ev in events:
            if fd == in_w:
                try:
                    n = os.write(in_w, stdin[:65536])
                    stdin = stdin[n:]
                except BlockingIOError:
                    continue
                except OSError:
                    stdin = b""
                if not stdin:
                    poller.unregister(in_w)
                    os.close(in_w)
                    in_w = -1
            elif fd == pidfd:
                poller.unregister(pidfd)
                _, status = os.waitpid(pid, 0)
                exited = True
                kill_all_but_me()  # a daemonised child cannot outlive the program nor hold its output open
            else:
                data = os.read(fd, 1 << 20)
                if not data:
                    poller.unregister(fd)
                    os.close(fd)
                    del open_fds[fd]
                elif open_fds[fd] == "out":
                    if output_limited:
                        continue
                    room = cap - len(out)
                    out += data[:room]
                    if len(data) > room:
                        output_limited = True
                        kill_all_but_me()
                else:
                    err += data
                    if len(err) > err_cap:
                        del err[: len(err) - err_cap]
    wall_ms = (time.monotonic() - started) * 1000
    if in_w >= 0:
        os.close(in_w)
    os.close(pidfd)
    reap_all()
    setup_error = os.read(setup_r, 4096).decode("utf-8", "replace")  # every writer is gone: data or EOF
    os.close(setup_r)
    code = sig = None
    if os.WIFSIGNALED(status):
        sig = SIGNAL_NAMES.get(os.WTERMSIG(status), "signal %d" % os.WTERMSIG(status))
    else:
        code = os.WEXITSTATUS(status)
    result = {"exitCode": code, "signal": sig, "timedOut": timed_out, "outputLimited": output_limited, "wallMs": wall_ms, "setupError": setup_error or None}
    return result, bytes(out), bytes(err)

def init(req):
    """P: runs the request's tests one after the other, each in a fresh /tmp."""
    size = req["limits"]["maxFileBytes"]
    runs = req["runs"]
    # Without a stop pattern the judge says after each test whether to go on; with one, init goes on by itself
    # unless the test hit a limit (the judge's own early-stop rule): no round trip per test.
    stop_pattern = re.compile(req["stopPattern"], re.I) if req.get("stopPattern") else None
    for i, run in enumerate(runs):
        fresh_tmpfs("/tmp", size)
        fresh_tmpfs("/dev/shm", size)
        for f in req["files"]:
            with open("/tmp/" + f["name"], "w", encoding="utf-8") as out:
                out.write(f["content"])
        gc.freeze()
        result, out, err = run_test(req, run)
        result["stdoutBytes"], result["stderrBytes"] = len(out), len(err)
        last = i == len(runs) - 1
        if stop_pattern is not None and not last:
            failed = result["signal"] is not None or result["exitCode"] != 0
            last = bool(result["timedOut"] or result["outputLimited"] or result["signal"] == "SIGXCPU" or result["setupError"]
                        or (failed and stop_pattern.search(err.decode("utf-8", "replace"))))
        result["last"] = last
        send(result, out, err)
        if last or (stop_pattern is None and os.read(0, 1) != b"c"):
            break
    os._exit(0)

NAMESPACES = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
# clone(2) straight into fresh namespaces (its arguments other than the flags are 0, so their order, which
# differs between architectures, does not matter); elsewhere: fork, unshare, fork.
SYS_CLONE = {"x86_64": 56, "aarch64": 220}.get(os.uname().machine)
pylibc = ctypes.PyDLL(None, use_errno=True)  # keeps the GIL across the call, as os.fork does

def fork_into_namespaces():
    """Like os.fork, but the child is pid 1 of fresh namespaces. In the parent: the child's pid."""
    if SYS_CLONE is None:
        pid = os.fork()
        if pid:
            return pid
        check(libc.unshare(NAMESPACES), "unshare")
        pid = os.fork()
        if pid:
            _, status = os.waitpid(pid, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
        return 0
    ctypes.pythonapi.PyOS_BeforeFork()
    pid = pylibc.syscall(SYS_CLONE, NAMESPACES | signal.SIGCHLD, 0, 0, 0, 0)
    if pid == 0:
        ctypes.pythonapi.PyOS_AfterFork_Child()
        return 0
    ctypes.pythonapi.PyOS_AfterFork_Parent()
    if pid < 0:
        fail("clone into new namespaces")
    return pid

NO_MORE_REQUESTS = 99

def serve_one():
    """Z's child P, pid 1 of fresh namespaces, made before its request comes (so that the clone and the mounts
    are not on the request's path): set up, wait for one request, run it, exit with how it went."""
    try:
        mount(None, "/", None, MS_REC | MS_PRIVATE, None)
        mount(b"proc", "/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
        if os.read(0, 1) != b"R":
            os._exit(NO_MORE_REQUESTS)
        (n,) = struct.unpack(">I", read_exact(0, 4))
        init(json.loads(read_exact(0, n)))
    except BaseException:
        traceback.print_exc()
    os._exit(70)

def main():
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # nothing in the sandbox may trace it or read its memory
    drop_from_bounding_set(c for c in range(64) if c not in (CAP_SETPCAP, CAP_SYS_ADMIN))
    send({"ready": True, "python": sys.version.split()[0]})
    while True:
        # Objects made so far are never collected again: a fork's collector then does not touch (and copy)
        # the pages of every object the zygote holds.
        gc.freeze()
        pid = fork_into_namespaces()
        if pid == 0:
            serve_one()
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == NO_MORE_REQUESTS:
            os._exit(0)
        send({"end": os.waitstatus_to_exitcode(status)})

main()
`;
