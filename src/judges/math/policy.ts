/**
 * The choices where reasonable verifiers differ. One configuration is used for every conformance suite; the
 * defaults are what the README documents.
 */
export interface MathPolicy {
  /** An inequality in one variable equals the interval it describes (x ≥ 2 ⇔ [2, ∞)), on either side. */
  relationAsSet: boolean;
  /**
   * A decimal in the response stands for a non-terminating exact reference only when it carries at least this many
   * significant digits (0.0833333333333333 = 1/12, but 0.333 ≠ 1/3).
   */
  decimalDigitsForExact: number;
  /** A decimal reference (a rounded value) is met by a response that rounds to it at the same decimal places. */
  roundToDecimalReference: boolean;
  /** Relative tolerance of float comparison (never absolute: tiny values compare by ratio or exactly). */
  relativeTolerance: number;
  /** Random points at which symbolic expressions are evaluated. */
  samplePoints: number;
  /** "1 or 2", several different boxed answers: a hedge fails against a single reference. */
  rejectHedges: boolean;
  /** 28% equals 28 and 0.28. */
  percentMatchesBare: boolean;
  /** Per-verification time limit in the worker pool. */
  timeoutMs: number;
}

export const DEFAULT_MATH_POLICY: Readonly<MathPolicy> = Object.freeze({
  relationAsSet: true,
  decimalDigitsForExact: 12,
  roundToDecimalReference: true,
  relativeTolerance: 1e-9,
  samplePoints: 4,
  rejectHedges: true,
  percentMatchesBare: true,
  timeoutMs: 5000,
});

export function mathPolicy(overrides: Partial<MathPolicy> = {}): MathPolicy {
  return { ...DEFAULT_MATH_POLICY, ...overrides };
}
