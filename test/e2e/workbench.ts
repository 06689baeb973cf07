// Driving the VS Code workbench in the browser as a user would: the command
// palette, quick open, the quick input, hovers, the status bar and webviews.
import type { FrameLocator, Locator, Page } from '../vscode/playwright';

const QUICK_INPUT = '.quick-input-widget';

export class Workbench {
  constructor(readonly page: Page) {}

  /** Waits for the workbench and for Treeformer's status-bar item (the extension is active). */
  async ready(timeoutMs = 120_000): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.statusItem('Treeformer').waitFor({ state: 'visible', timeout: timeoutMs });
  }

  statusItem(text: string | RegExp): Locator {
    return this.page.locator('.statusbar-item', { hasText: text }).first();
  }

  /** The cursor's 1-based line, read from the status bar's "Ln X, Col Y". */
  async cursorLine(): Promise<number> {
    const text = await this.statusItem(/Ln \d+, Col \d+/).innerText();
    const match = /Ln (\d+)/.exec(text);
    if (!match) throw new Error(`no cursor position in "${text}"`);
    return Number(match[1]);
  }

  async waitForCursorLine(line: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = -1;
    while (Date.now() < deadline) {
      last = await this.cursorLine().catch(() => -1);
      if (last === line) return;
      await this.page.waitForTimeout(200);
    }
    throw new Error(`the cursor is on line ${last}, expected ${line}`);
  }

  /** Opens a workspace file through Quick Open (Ctrl+P). */
  async openFile(name: string): Promise<void> {
    await this.page.keyboard.press('Control+P');
    await this.quickInputBox().waitFor({ state: 'visible' });
    await this.page.keyboard.type(name);
    await this.pickRow(name);
    await this.page.locator('.tab.active', { hasText: name }).waitFor({ state: 'visible' });
  }

  /** Runs a command from the palette (F1), by its title. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    await this.quickInputBox().waitFor({ state: 'visible' });
    await this.page.keyboard.type(title);
    await this.pickRow(title);
  }

  /** Clicks the quick-input row showing `text` (Enter could still pick a row from before the list filtered). */
  private async pickRow(text: string): Promise<void> {
    const row = this.quickInputRows().filter({ hasText: text }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
  }

  /** Palette entries that match `text`. */
  async paletteEntries(text: string): Promise<string[]> {
    await this.page.keyboard.press('F1');
    await this.quickInputBox().waitFor({ state: 'visible' });
    await this.page.keyboard.type(text);
    await this.quickInputRows().first().waitFor({ state: 'visible' });
    await this.page.waitForTimeout(500);
    const rows = this.quickInputRows();
    const entries: string[] = [];
    for (let i = 0; i < (await rows.count()); i++) entries.push((await rows.nth(i).innerText()).split('\n')[0]);
    await this.page.keyboard.press('Escape');
    return entries;
  }

  quickInput(): Locator {
    return this.page.locator(QUICK_INPUT);
  }

  quickInputBox(): Locator {
    return this.page.locator(`${QUICK_INPUT} .quick-input-box input`);
  }

  quickInputRows(): Locator {
    return this.page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`);
  }

  /** A toast whose text matches. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.notification-toast', { hasText: text }).first();
  }

  /** Moves the mouse onto `target` and returns the hover widget that then shows `text`. */
  async hover(target: Locator, text: string | RegExp, timeoutMs = 90_000): Promise<Locator> {
    const box = await target.boundingBox();
    if (!box) throw new Error('the hover target is not on screen');
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
    const widget = this.page.locator('.monaco-hover', { hasText: text }).first();
    await widget.waitFor({ state: 'visible', timeout: timeoutMs });
    return widget;
  }

  /** A word on screen in the active editor. */
  editorWord(word: string): Locator {
    return this.page.locator('.editor-group-container.active .view-lines span span', { hasText: new RegExp(`^${word}$`) });
  }

  /** The document inside the webview on screen (a webview nests two iframes). */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }
}
