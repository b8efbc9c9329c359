/**
 * Pack what a GPU machine without Node needs to run `bench/gpu/bench.ts` into ONE git-ignored folder, `.gpu-carry/`
 * (name it in the device tool's `carry`):
 *   runtime.tar.xz  the node binary running this script and onnxruntime-node 1.30 for linux-x64 (JS, N-API binding,
 *                   libonnxruntime.so with its built-in WebGPU provider); kept when its node and onnxruntime files
 *                   are unchanged (compressing it takes minutes on a busy machine; --force remakes it)
 *   bench.mjs       the bench bundled into one file (made every time: it holds the sampler's code)
 *   *.deb           the Vulkan loader (Dawn, inside libonnxruntime, opens libvulkan.so.1) and libglvnd, which the
 *                   NVIDIA driver's ICD needs; unpacked with dpkg -x
 *   MANIFEST.json   sizes and sha256 of the above, and the node / onnxruntime versions
 * It prints the sizes and the working tree's, against the device tool's 64 MiB limit for the two together.
 *
 *   npm run bench:gpu:pack            (Linux x64 only: the GPU machine is x86-64)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values: flags } = parseArgs({ options: { force: { type: 'boolean', default: false } } });

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CARRY = path.join(ROOT, '.gpu-carry');
const LIMIT = 64 * 2 ** 20;

function run(cmd: string, args: string[], cwd = ROOT): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  throw new Error(`bench:gpu:pack: the GPU machine is linux-x64; this is ${process.platform}-${process.arch}, whose node binary would not run there`);
}

const ortNode = path.join(ROOT, 'node_modules', 'onnxruntime-node');
const ortCommon = path.join(ROOT, 'node_modules', 'onnxruntime-common');
const ortBin = path.join(ortNode, 'bin', 'napi-v6', 'linux', 'x64');
// What runtime.tar.xz is made of: when this is unchanged the archive is kept.
const runtimeKey = createHash('sha256')
  .update(process.version)
  .update(readFileSync(process.execPath))
  .update(readFileSync(path.join(ortNode, 'package.json')))
  .update(readFileSync(path.join(ortCommon, 'package.json')))
  .update(readdirSync(ortBin).sort().map((f) => sha256(path.join(ortBin, f))).join())
  .digest('hex');
const manifestFile = path.join(CARRY, 'MANIFEST.json');
const previous = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')) : null;
const keepRuntime = !flags.force && previous?.runtimeKey === runtimeKey && existsSync(path.join(CARRY, 'runtime.tar.xz'));
for (const f of existsSync(CARRY) ? readdirSync(CARRY) : []) if (!(keepRuntime && f === 'runtime.tar.xz')) rmSync(path.join(CARRY, f), { recursive: true, force: true });
mkdirSync(CARRY, { recursive: true });

// 1. The bench in one file; onnxruntime-node stays a package (its binding is loaded from its own folder).
await build({
  entryPoints: [path.join(ROOT, 'bench', 'gpu', 'bench.ts')],
  outfile: path.join(CARRY, 'bench.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['onnxruntime-node'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});

// 2. node + onnxruntime-node (linux-x64 binaries only) + onnxruntime-common, in one xz archive (node alone is
//    ~99 MB raw, libonnxruntime ~46 MB).
if (keepRuntime) {
  console.log('runtime.tar.xz: node and onnxruntime unchanged, kept (--force remakes it)');
} else {
  const stage = mkdtempSync(path.join(os.tmpdir(), 'distillery-gpu-pack-'));
  try {
    cpSync(process.execPath, path.join(stage, 'node'));
    for (const part of ['package.json', 'dist', path.join('bin', 'napi-v6', 'linux', 'x64')]) {
      cpSync(path.join(ortNode, part), path.join(stage, 'node_modules', 'onnxruntime-node', part), { recursive: true });
    }
    for (const part of ['package.json', 'dist']) cpSync(path.join(ortCommon, part), path.join(stage, 'node_modules', 'onnxruntime-common', part), { recursive: true });
    console.log('runtime.tar.xz: compressing node + onnxruntime (minutes on a busy machine)');
    run('tar', ['-C', stage, '-cf', path.join(CARRY, 'runtime.tar'), '.']);
    run('xz', ['-6', '-T0', path.join(CARRY, 'runtime.tar')]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

// 3. The Vulkan loader and libglvnd as Debian packages (the device README's recipe: apt-get download, dpkg -x there).
//    libvulkan1 alone is not enough on the H200: the NVIDIA ICD (libGLX_nvidia.so.0) needs libglvnd's
//    libGLdispatch, else the loader says "Could not get 'vkCreateInstance' via 'vk_icdGetInstanceProcAddr'" and Dawn
//    finds no adapter (seen there on 2026-12-04; with these packages it ran).
const DEBS = ['libvulkan1', 'libglvnd0', 'libglx0', 'libegl1', 'libgl1', 'libopengl0', 'libgles2'];
const download = () => spawnSync('apt-get', ['download', ...DEBS], { cwd: CARRY, encoding: 'utf8' });
let apt = download();
if (apt.status !== 0) {
  run('apt-get', ['update', '-qq']);
  apt = download();
}
if (apt.status !== 0) throw new Error(`bench:gpu:pack: apt-get download ${DEBS.join(' ')} failed: ${apt.stderr}`);

const files = readdirSync(CARRY).filter((name) => name !== 'MANIFEST.json').sort().map((name) => {
  const file = path.join(CARRY, name);
  return { name, bytes: statSync(file).size, sha256: sha256(file) };
});
const ortVersion = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')).version;
writeFileSync(path.join(CARRY, 'MANIFEST.json'), JSON.stringify({ node: process.version, onnxruntimeNode: ortVersion, runtimeKey, files }, null, 2) + '\n');

// The working tree that travels with it: tracked files plus untracked files git does not ignore.
const travelling = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter(Boolean);
let tree = 0;
for (const f of travelling) {
  try {
    tree += statSync(path.join(ROOT, f)).size;
  } catch {
    // deleted but still in the index
  }
}
const carry = files.reduce((a, f) => a + f.bytes, 0);
for (const f of files) console.log(`${f.name.padEnd(40)} ${mib(f.bytes).padStart(10)}`);
console.log(`carry ${mib(carry)} + working tree ${mib(tree)} = ${mib(carry + tree)} of the device tool's ${mib(LIMIT)}`);
if (carry + tree > LIMIT) {
  console.error('bench:gpu:pack: over the limit: the device tool would refuse the call');
  process.exitCode = 1;
}
