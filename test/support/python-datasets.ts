/**
 * A Python with Hugging Face `datasets` for compatibility tests: the repo's .venv when it has it, else a venv
 * made once under the OS temp dir from the offline wheels (/opt/pypi), else null (the caller skips, saying why).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WHEELS = ['file:///opt/pypi/simple', 'file:///opt/pypi-more/simple'];

function hasDatasets(python: string): boolean {
  return existsSync(python) && spawnSync(python, ['-c', 'import datasets, pyarrow'], { stdio: 'ignore' }).status === 0;
}

export function pythonWithDatasets(): { python: string } | { skip: string } {
  const repoPython = path.join(repoRoot, '.venv/bin/python');
  if (hasDatasets(repoPython)) return { python: repoPython };
  const own = path.join(process.env.DISTILLERY_TEST_CACHE ?? tmpdir(), 'distillery-test-venv-datasets'); // kept between runs
  const ownPython = path.join(own, 'bin/python');
  if (hasDatasets(ownPython)) return { python: ownPython };
  if (!existsSync('/opt/pypi/simple/datasets')) return { skip: 'no .venv with `datasets` and no offline wheels at /opt/pypi: cannot check HF datasets loading' };
  try {
    execFileSync('python3', ['-m', 'venv', own], { stdio: 'ignore' });
    execFileSync(path.join(own, 'bin/pip'), ['install', '--quiet', 'datasets', 'pyarrow'], {
      stdio: 'ignore',
      env: { ...process.env, PIP_INDEX_URL: WHEELS[0], PIP_EXTRA_INDEX_URL: WHEELS[1] },
    });
  } catch (e) {
    return { skip: `could not make a venv with datasets from /opt/pypi: ${(e as Error).message}` };
  }
  return hasDatasets(ownPython) ? { python: ownPython } : { skip: 'installed datasets but cannot import it' };
}

/** Environment for `datasets` that never reaches the network and caches under the given dir. */
export function offlineHfEnv(cacheDir: string): NodeJS.ProcessEnv {
  return { ...process.env, HF_DATASETS_OFFLINE: '1', HF_HUB_OFFLINE: '1', HF_HOME: cacheDir, HF_DATASETS_CACHE: path.join(cacheDir, 'datasets') };
}
