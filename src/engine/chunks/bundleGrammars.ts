// `npm run bundle` step: copies the tree-sitter runtime and the grammars the
// chunker uses into dist/grammars, where the bundled engine looks first (the
// .vsix carries no node_modules).
import * as fs from 'fs';
import * as path from 'path';
import { wasmFiles, wasmPath } from './syntaxChunks';

const target = path.resolve(process.argv[2] ?? 'dist/grammars');
fs.mkdirSync(target, { recursive: true });
for (const file of wasmFiles()) fs.copyFileSync(wasmPath(file), path.join(target, file));
process.stdout.write(`grammars: ${wasmFiles().length} files in ${path.relative(process.cwd(), target)}\n`);
