import type { Language } from './extract-program.ts';
import type { RunSpec } from './harness.ts';
import { interpreterCache, probeBwrap, type BwrapReady, type BwrapSandboxOptions } from './bwrap-sandbox.ts';
import { resolvePython, type Interpreter } from './interpreters.ts';
import { addressSpaceBytes, interpreterFlags, type RunLimits } from './limits.ts';
import { OUT_OF_MEMORY } from './classify-run.ts';
import { programEnv, unprivilegedIdentity, type BatchOptions, type ProcessResult, type Sandbox } from './sandbox.ts';
import { Zygote, ZygoteError, type ZygoteRequest } from './zygote.ts';

// How long past a test's own wall-clock limit the judge waits for the zygote's report before calling it broken.
const ANSWER_GRACE_MS = 15_000;

/**
 * The default sandbox: warm zygotes (one per language per run slot, each a Python fork server inside bwrap) that
 * fork every sample into fresh mount, pid, network, ipc and uts namespaces with a private tmpfs, a scrubbed
 * environment and its own rlimits (see zygote-source.ts). Python programs skip the interpreter's start-up;
 * JavaScript programs are exec'd in the same fresh namespaces and skip bwrap's. A zygote that dies or stops
 * answering is killed and replaced; the run it served gets `sandbox_error`.
 */
export function createZygoteSandbox(options: BwrapSandboxOptions = {}): Sandbox {
  const identity = unprivilegedIdentity();
  const interpreterFor = interpreterCache(options);
  let ready: Promise<BwrapReady> | null = null;
  let python: Promise<Interpreter> | null = null;
  let info: Record<string, unknown> = {};
  const idle = new Map<Language, Zygote[]>();
  const all = new Set<Zygote>();
  let started = 0;
  let closed = false;

  async function acquire(language: Language): Promise<{ zygote: Zygote; interpreter: Interpreter }> {
    ready ??= probeBwrap(options).then((r) => ((info = r.info), r));
    const r = await ready;
    python ??= resolvePython(options.python);
    const [py, interpreter] = await Promise.all([python, interpreterFor(language)]);
    const list = idle.get(language) ?? [];
    idle.set(language, list);
    let zygote = list.pop();
    while (zygote && !zygote.alive) zygote = list.pop();
    if (!zygote) {
      if (closed) throw new ZygoteError('the code judge was closed');
      zygote = new Zygote({ bwrap: r.bwrap, disableUserns: r.disableUserns, python: py, extraReadOnly: interpreter.extraReadOnly, ...identity });
      all.add(zygote);
      started++;
    }
    zygote.hold(true);
    await zygote.ready;
    return { zygote, interpreter };
  }

  function release(language: Language, zygote: Zygote): void {
    if (!zygote.alive || closed) {
      all.delete(zygote);
      zygote.kill();
      return;
    }
    zygote.hold(false);
    idle.get(language)!.push(zygote);
  }

  async function executeBatch(specs: RunSpec[], limits: RunLimits, next: (r: ProcessResult, i: number) => boolean, options: BatchOptions = { judgeDecides: true }): Promise<void> {
    const first = specs[0];
    if (!first) return;
    let got = 0;
    const onResult = (r: ProcessResult, i: number) => {
      got = i + 1;
      return next(r, i);
    };
    let zygote: Zygote | null = null;
    try {
      const acquired = await acquire(first.language);
      zygote = acquired.zygote;
      const req: ZygoteRequest = {
        language: first.language,
        interpreter: acquired.interpreter.command,
        flags: interpreterFlags(first.language, limits),
        env: programEnv('/tmp', {}),
        files: first.files,
        limits: { ...limits, addressSpaceBytes: addressSpaceBytes(first.language, limits) },
        runs: specs.map((s) => ({ args: s.args, stdin: s.stdin, env: s.env })),
        ...(options.judgeDecides ? {} : { stopPattern: OUT_OF_MEMORY.source }),
      };
      await zygote.run(req, limits.timeoutMs + ANSWER_GRACE_MS, ({ setupError, ...r }, i) => onResult({ ...r, sandboxError: setupError ? `sandbox: ${setupError}` : null }, i));
    } catch (e) {
      // The run being served when the sandbox broke is an error, never a verdict about the program.
      if (got < specs.length) onResult(broken(e instanceof ZygoteError || e instanceof Error ? e.message : String(e)), got);
    } finally {
      if (zygote) release(first.language, zygote);
    }
  }

  return {
    mode: 'bwrap',
    describe: () => ({ sandbox: 'bwrap', warm: 'zygote', ...info }),
    executeBatch,
    async execute(spec, limits) {
      let result: ProcessResult = broken('no result');
      await executeBatch([spec], limits, (r) => ((result = r), false));
      return result;
    },
    stats: () => ({ zygotesStarted: started, zygotesLive: [...all].filter((z) => z.alive).length }),
    async close() {
      closed = true;
      for (const z of all) z.kill();
      all.clear();
      idle.clear();
    },
  };
}

function broken(message: string): ProcessResult {
  return { exitCode: null, signal: null, timedOut: false, outputLimited: false, stdout: '', stderr: '', sandboxError: `sandbox: ${message}`, wallMs: 0 };
}
