// The packaged extension in code-server, driven through the UI in headless
// Chromium: the palette, the quick input, a hover and the inspector webview.
// Screenshots go to test-results/screenshots/.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { e2eOptions } from './options';
import { E2eSession, openSession } from './session';
import type { Workbench } from './workbench';

/** 1-based line of the sample workspace's file that holds `text`. */
function fixtureLine(file: string, text: string): number {
  const lines = fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/workspace', file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${file} has no line with ${text}`);
  return i + 1;
}

const options = e2eOptions();
const COMMANDS = [
  'Treeformer: Ask About the Current File',
  'Treeformer: Ask About the Workspace',
  'Treeformer: Show Attention Inspector',
  'Treeformer: Rebuild Workspace Index',
];

describe('Treeformer in code-server (the packaged .vsix)', function () {
  let session: E2eSession;
  let wb: Workbench;

  before(async function () {
    this.timeout(300_000);
    fs.mkdirSync(options.screenshots, { recursive: true });
    session = await openSession(options);
    wb = session.workbench;
    console.log(`  answers from: ${session.answersFrom ?? 'nothing (the package has no models/treeformer-qa.onnx)'}`);
  });

  afterEach(async function () {
    const test = this.currentTest;
    if (test?.state === 'failed' && wb) await screenshot(`failed-${test.title.replace(/[^\w]+/g, '-').slice(0, 60)}.png`);
  });

  after(async () => {
    await session?.close();
  });

  function screenshot(name: string): Promise<unknown> {
    return wb.page.screenshot({ path: path.join(options.screenshots, name) });
  }

  /** Skips a test that needs answers when no model can give them. */
  function needsAnswers(test: Mocha.Context): void {
    if (session.answersFrom) return;
    console.log('      skipped: the package has no models/treeformer-qa.onnx (pass --test-model to use the test model)');
    test.skip();
  }

  /** Asks about the active file through the palette and the input box; returns the answer rows. */
  async function askCurrentFile(question: string) {
    await wb.runCommand('Treeformer: Ask About the Current File');
    await wb.quickInput().locator('.quick-input-title', { hasText: 'Treeformer: ask about' }).waitFor({ state: 'visible' });
    await wb.page.keyboard.type(question);
    await wb.page.keyboard.press('Enter');
    const rows = wb.quickInputRows();
    await wb.quickInput().locator('.quick-input-title', { hasText: /answers? to/ }).waitFor({ state: 'visible', timeout: 120_000 });
    await rows.first().waitFor({ state: 'visible' });
    return rows;
  }

  it('lists its commands in the palette under the Treeformer category', async () => {
    await wb.openFile('notes.md'); // "Ask About the Current File" needs an open editor
    const entries = await wb.paletteEntries('Treeformer:');
    for (const title of COMMANDS) assert.ok(entries.some((e) => e.includes(title)), `${title} in ${JSON.stringify(entries)}`);
  });

  it('asks through the palette; picking an answer puts the editor on its line', async function () {
    needsAnswers(this);
    await wb.openFile('cache.js');
    const rows = await askCurrentFile('checksumOf FNV hash of a string');
    await screenshot('ask.png');
    const label = (await rows.first().innerText()).split('\n')[0];
    const match = /cache\.js:(\d+)(?:-(\d+))?/.exec(label);
    assert.ok(match, `the first answer is labelled file:line, got "${label}"`);
    const definition = fixtureLine('src/cache.js', 'function checksumOf(text) {');
    assert.ok(Number(match[1]) <= definition && definition <= Number(match[2] ?? match[1]), `the first answer (${label}) holds checksumOf's definition, line ${definition}`);
    await wb.page.keyboard.press('Enter');
    await wb.waitForCursorLine(Number(match[1]));
  });

  it('explains a symbol on hover, with a link that opens its span', async function () {
    needsAnswers(this);
    await wb.openFile('app.js');
    const word = wb.editorWord('checksumOf');
    await word.first().waitFor({ state: 'visible' });
    const widget = await wb.hover(word.nth((await word.count()) - 1), 'Treeformer');
    await screenshot('hover.png');
    const link = widget.locator('a', { hasText: /:\d+/ }).first();
    const text = await link.innerText();
    const match = /([^/\\]+):(\d+)(?:-(\d+))?/.exec(text);
    assert.ok(match, `the hover links to file:line, got "${text}"`);
    const definition = fixtureLine('src/cache.js', 'function checksumOf(text) {');
    assert.strictEqual(match[1], 'cache.js', 'the hover links to the file that defines checksumOf');
    assert.ok(Number(match[2]) <= definition && definition <= Number(match[3] ?? match[2]), `the link (${text}) holds the definition, line ${definition}`);
    assert.ok((await widget.innerText()).includes('function checksumOf(text)'), 'the hover shows the definition');
    await link.click();
    await wb.page.locator('.tab.active', { hasText: match[1] }).waitFor({ state: 'visible' });
    await wb.waitForCursorLine(Number(match[2]));
  });

  it('shows the attention inspector: leaves for the question tokens, shared text that reveals itself', async function () {
    needsAnswers(this);
    await wb.runCommand('Treeformer: Show Attention Inspector');
    const page = wb.webview();
    await page.locator('button.leaf').first().waitFor({ state: 'visible', timeout: 60_000 });
    assert.ok((await page.locator('button.leaf').count()) > 0);
    await page.locator('ol.path li').first().waitFor({ state: 'visible' });
    await screenshot('inspector.png');
    // choose cells until one's leaf is shared by document text, then click that text
    const cells = page.locator('button.leaf');
    const marks = page.locator('pre.window mark');
    for (let i = 0; (await marks.count()) === 0; i++) {
      assert.ok(i < (await cells.count()), 'some question token shares its leaf with document text');
      await cells.nth(i).click();
    }
    const line = Number(/line (\d+)/.exec((await marks.first().getAttribute('title')) ?? '')?.[1]);
    await marks.first().click();
    await wb.waitForCursorLine(line);
  });

  it('shows a document\'s HTML and <script> in the inspector as text', async function () {
    needsAnswers(this);
    await wb.openFile('page.html');
    await askCurrentFile('script status heading entries');
    await wb.page.keyboard.press('Escape');
    await wb.runCommand('Treeformer: Show Attention Inspector');
    const page = wb.webview();
    const windowText = page.locator('pre.window');
    await windowText.filter({ hasText: '<script>' }).waitFor({ state: 'visible', timeout: 60_000 });
    const text = (await windowText.textContent()) ?? '';
    assert.ok(text.includes('<script>') && text.includes('onerror='), 'markup is shown as text');
    assert.strictEqual(await page.locator('#pwned').count(), 0, 'nothing from the document ran');
    assert.strictEqual(await page.locator('pre.window script, pre.window img').count(), 0, 'nothing from the document became an element');
    await screenshot('inspector-html.png');
  });

  it('names the missing model in a clear error when the package has none', async function () {
    if (session.answersFrom) this.skip();
    await wb.openFile('notes.md');
    await wb.runCommand('Treeformer: Ask About the Current File');
    await wb.quickInput().locator('.quick-input-title', { hasText: 'Treeformer: ask about' }).waitFor({ state: 'visible' });
    await wb.page.keyboard.type('how long does an entry stay?');
    await wb.page.keyboard.press('Enter');
    await wb.notification(/Treeformer model not found/).waitFor({ state: 'visible', timeout: 60_000 });
    await screenshot('missing-model.png');
  });
});
