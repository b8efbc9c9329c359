import type { Rational } from './rational.ts';

/** Parsed answer. Scalars evaluate to numbers; the rest compare structurally (sets order-free, tuples ordered). */
export type Node =
  /** A literal; `decimal` marks a written decimal (0.333), which is not an exact value of 1/3. */
  | { t: 'num'; value: Rational; decimal: boolean; digits: number }
  | { t: 'sym'; name: string }
  | { t: 'const'; name: 'pi' | 'e' | 'i' | 'inf' }
  | { t: 'add'; args: Node[] }
  | { t: 'mul'; args: Node[] }
  | { t: 'neg'; arg: Node }
  | { t: 'div'; num: Node; den: Node }
  | { t: 'pow'; base: Node; exp: Node }
  /** sqrt, root (args: [radicand, index]), sin, …, abs, fact, log (args: [x, base?]), binom, floor, ceil. */
  | { t: 'fn'; name: string; args: Node[] }
  /** a ± b (a absent for a leading ±): two values. */
  | { t: 'pm'; a: Node | null; b: Node }
  | { t: 'percent'; arg: Node }
  /** Parenthesised or bracketed list: tuples, points, vectors, intervals. */
  | { t: 'tuple'; open: '(' | '['; close: ')' | ']'; items: Node[] }
  | { t: 'set'; items: Node[] }
  | { t: 'union'; args: Node[] }
  | { t: 'ratio'; a: Node; b: Node }
  /** a op b op c …; ops normalised to = < > <= >= != in. */
  | { t: 'rel'; ops: string[]; args: Node[] }
  | { t: 'matrix'; rows: Node[][] }
  | { t: 'text'; value: string }
  /** A top-level list of answers ("1, 2 and 3"); `or` when joined by "or" (a hedge against a single reference). */
  | { t: 'list'; items: Node[]; or: boolean };

export class ParseError extends Error {
  override name = 'ParseError';
}
