/** The code judge: sandboxed execution of generated programs against tests. */
export { codeJudge } from './code-judge.ts';
export { createCodeRunner, type CodeJudgeOptions, type CodeCase, type CodeRunner } from './code-runner.ts';
export { parseCodeTests, InvalidCaseError, type CodeTests, type IoTest } from './code-tests.ts';
export { extractProgram, lastFencedBlock, parseLanguage, type Language } from './extract-program.ts';
export { OUTCOMES, verdictValueOf, codeVerdict, type Outcome, type CodeResult } from './outcome.ts';
export { SandboxUnavailableError, SANDBOX_HELP } from './bwrap-sandbox.ts';
export { DEFAULT_LIMITS, type RunLimits } from './limits.ts';
