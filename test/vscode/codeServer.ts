// Starts and stops code-server (VS Code 1.100 for the browser) on 127.0.0.1,
// offline, with its own scratch user-data and extensions folders.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { codeServerEntry } from './tools';

export interface CodeServerDirs {
  /** Scratch root that holds the rest. */
  root: string;
  userData: string;
  extensions: string;
}

export interface CodeServer {
  host: string;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
}

/** Settings for a quiet, offline workbench (first-run tours, trust prompts and updates off). */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'window.restoreWindows': 'none',
};

export function makeScratchDirs(prefix: string): CodeServerDirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dirs = { root, userData: path.join(root, 'user-data'), extensions: path.join(root, 'extensions') };
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'Machine'), { recursive: true });
  fs.mkdirSync(dirs.extensions, { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  return dirs;
}

/** Writes machine settings (where machine-scoped settings such as treeformer.modelPath live). */
export function writeMachineSettings(dirs: CodeServerDirs, settings: Record<string, unknown>): void {
  fs.writeFileSync(path.join(dirs.userData, 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
}

function codeServerEnv(dirs: CodeServerDirs): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // no marketplace: nothing is fetched
    EXTENSIONS_GALLERY: '{"serviceUrl":""}',
    XDG_CONFIG_HOME: path.join(dirs.root, 'xdg-config'),
    XDG_DATA_HOME: path.join(dirs.root, 'xdg-data'),
  };
}

function commonArgs(dirs: CodeServerDirs): string[] {
  return ['--config', '/dev/null', '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--disable-telemetry', '--disable-update-check'];
}

export function installExtension(dirs: CodeServerDirs, vsix: string): void {
  const result = spawnSync(process.execPath, [codeServerEntry(), ...commonArgs(dirs), '--install-extension', vsix], {
    env: codeServerEnv(dirs),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) {
    throw new Error(`code-server --install-extension ${vsix} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** `port`: a free one when absent. */
export async function startCodeServer(dirs: CodeServerDirs, log: (line: string) => void, port?: number): Promise<CodeServer> {
  const host = '127.0.0.1';
  port ??= await freePort(host);
  const args = [codeServerEntry(), '--auth', 'none', '--bind-addr', `${host}:${port}`, ...commonArgs(dirs), '--disable-workspace-trust'];
  // Its own process group, so stop() ends code-server together with the extension host it forked.
  const child = spawn(process.execPath, args, { env: codeServerEnv(dirs), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  forwardLines(child, (line) => log(`[code-server] ${line}`));
  const url = `http://${host}:${port}`;
  await waitUntilHealthy(`${url}/healthz`, child, 60_000);
  return { host, port, url, stop: () => stopProcessGroup(child) };
}

function forwardLines(child: ChildProcess, log: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    });
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before it was ready`);
    if (await answers(url)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs / 1000} s`);
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.setTimeout(2000, () => request.destroy());
  });
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
