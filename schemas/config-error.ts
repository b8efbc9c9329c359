/**
 * A configuration problem (bad option, missing input, a build directory that holds another config): reported
 * with its path and what to do, without a stack; the CLI exits 1 before any work. The one class for it: every
 * layer throws this (it lives on the ground floor so that sources, models and sinks need not import upward).
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
