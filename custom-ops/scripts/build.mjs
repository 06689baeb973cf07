// Builds the native runtime (op library, N-API addon, CUDA kernels when nvcc
// is present) with CMake and gathers what the engine loads into
// dist/native/<platform>-<arch>/: treeformer_ort.node, libtreeformer_ops.so
// and the libonnxruntime.so.1 shipped by onnxruntime-node.
// Run by `npm install` (the "install" script) and `npm run build:native`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const opsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(opsDir, '..');
const buildDir = join(opsDir, 'build');
const platform = `${process.platform}-${process.arch}`;
const outDir = join(root, 'dist', 'native', platform);

if (platform !== 'linux-x64') {
  console.error(`treeformer: native runtime builds only on linux-x64 for now (this is ${platform})`);
  process.exit(1);
}

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root });

run('bash', [join(opsDir, 'scripts', 'fetch-ort-headers.sh')]);

const nodeApiInclude = require('node-api-headers').include_dir;
const addonApiInclude = dirname(require.resolve('node-addon-api/package.json'));
const cuda = process.env.TREEFORMER_CUDA === '0' ? 'OFF' : 'ON';
run('cmake', ['-S', opsDir, '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', `-DTREEFORMER_CUDA=${cuda}`,
  `-DNODE_API_INCLUDE_DIRS=${nodeApiInclude};${addonApiInclude}`]);
// CMAKE_BUILD_PARALLEL_LEVEL (e.g. 1 on a busy machine) overrides the default of 2 jobs.
const jobs = process.env.CMAKE_BUILD_PARALLEL_LEVEL || '2';
run('cmake', ['--build', buildDir, '--target', 'treeformer_ops', 'treeformer_ort', '-j', jobs]);

const ortDir = join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', 'linux', 'x64');
mkdirSync(outDir, { recursive: true });
for (const [from, name] of [
  [join(buildDir, 'libtreeformer_ops.so'), 'libtreeformer_ops.so'],
  [join(buildDir, 'treeformer_ort.node'), 'treeformer_ort.node'],
  [join(ortDir, 'libonnxruntime.so.1'), 'libonnxruntime.so.1'],
]) {
  if (!existsSync(from)) throw new Error(`treeformer: build output missing: ${from}`);
  copyFileSync(from, join(outDir, name));
}
console.log(`treeformer: native runtime ready in ${outDir}`);
