// @ts-check
// The attention inspector's page. It lays out the view the extension sends
// (src/extension/inspectorModel.ts) and reports back what it drew. Every
// piece of text from a document goes in through textContent: nothing it
// holds can become markup.
(function () {
  'use strict';

  // @ts-ignore -- provided by the webview host
  const vscode = acquireVsCodeApi();
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));
  const CHART_COLOURS = 6;

  /** @type {any} the InspectorView being shown */
  let view;
  /** @type {{ token: number, layer: number, head: number }} */
  let selection = Object.assign({ token: 0, layer: 0, head: 0 }, vscode.getState() || {});

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (!message || typeof message !== 'object') return;
    if (message.type === 'trace') {
      view = message.view;
      clampSelection();
      render();
    } else if (message.type === 'empty') {
      view = undefined;
      renderEmpty(String(message.message));
    }
  });

  /**
   * @param {string} tag
   * @param {{ className?: string, text?: string, title?: string }} [options]
   * @param {(Node | undefined)[]} [children]
   */
  function el(tag, options = {}, children = []) {
    const node = document.createElement(tag);
    if (options.className) node.className = options.className;
    if (options.text !== undefined) node.textContent = options.text;
    if (options.title !== undefined) node.title = options.title;
    for (const child of children) if (child) node.appendChild(child);
    return node;
  }

  /** Token text with its whitespace made visible, for grid labels. */
  function visible(text) {
    return text.replace(/ /g, '\u00b7').replace(/\n/g, '\u23ce').replace(/\t/g, '\u2192') || '\u2205';
  }

  function colourClass(leaf) {
    return leaf < 0 ? 'leaf-none' : `leaf-c${leaf % CHART_COLOURS}`;
  }

  function clampSelection() {
    const inRange = (v, n) => Number.isInteger(v) && v >= 0 && v < n;
    if (!inRange(selection.token, view.questionTokens.length)) selection.token = 0;
    if (!inRange(selection.layer, view.layers)) selection.layer = 0;
    if (!inRange(selection.head, view.heads)) selection.head = 0;
  }

  function select(token, layer, head) {
    selection = { token, layer, head };
    vscode.setState(selection);
    render();
  }

  function renderEmpty(message) {
    app.replaceChildren(el('p', { className: 'empty', text: message }));
    report();
  }

  function render() {
    const cell = view.cells[selection.layer][selection.head];
    const leaf = cell.questionLeaves[selection.token];
    const shared = [];
    cell.documentLeaves.forEach((l, j) => {
      if (leaf >= 0 && l === leaf) shared.push(j);
    });
    app.replaceChildren(header(), grid(), detail(cell, leaf, shared), windowText(new Set(shared)));
    report();
  }

  function header() {
    const source = view.source;
    return el('header', {}, [
      el('h1', { text: 'Attention inspector' }),
      el('p', { className: 'question' }, [el('span', { className: 'muted', text: 'Question: ' }), el('q', { text: view.question })]),
      el('p', {
        className: 'muted',
        text:
          `Window ${source.label}, lines ${source.startLine}\u2013${source.endLine} \u00b7 ` +
          `${view.layers} layers \u00d7 ${view.heads} heads \u00b7 ${view.leaves} leaves (depth ${view.depth})`,
      }),
    ]);
  }

  /** Rows: question tokens; columns: layer × head; each cell names the token's leaf. */
  function grid() {
    const layerRow = el('tr', {}, [el('th', { text: 'token' })]);
    const headRow = el('tr', {}, [el('th')]);
    for (let layer = 0; layer < view.layers; layer++) {
      const th = el('th', { text: `layer ${layer}`, className: 'layer' });
      th.colSpan = view.heads;
      layerRow.appendChild(th);
      for (let head = 0; head < view.heads; head++) headRow.appendChild(el('th', { text: `h${head}`, className: 'head' }));
    }
    const body = el('tbody');
    view.questionTokens.forEach((text, token) => {
      const row = el('tr', {}, [el('th', { text: visible(text), className: 'token-label', title: text })]);
      for (let layer = 0; layer < view.layers; layer++) {
        for (let head = 0; head < view.heads; head++) {
          const leaf = view.cells[layer][head].questionLeaves[token];
          const selected = token === selection.token && layer === selection.layer && head === selection.head;
          const button = el('button', {
            className: `leaf ${colourClass(leaf)}${selected ? ' selected' : ''}`,
            text: leaf < 0 ? '\u2013' : String(leaf),
            title: `"${text}" \u00b7 layer ${layer} \u00b7 head ${head} \u2192 leaf ${leaf}`,
          });
          button.dataset.cell = `${token}/${layer}/${head}`;
          button.setAttribute('aria-pressed', String(selected));
          button.addEventListener('click', () => select(token, layer, head));
          row.appendChild(el('td', {}, [button]));
        }
      }
      body.appendChild(row);
    });
    return el('section', { className: 'grid' }, [
      el('h2', { text: 'Leaf of each question token, per layer and head' }),
      el('div', { className: 'scroll' }, [el('table', {}, [el('thead', {}, [layerRow, headRow]), body])]),
    ]);
  }

  function detail(cell, leaf, shared) {
    const token = view.questionTokens[selection.token];
    const title = el('h2', {
      text: `"${visible(token)}" \u00b7 layer ${selection.layer} \u00b7 head ${selection.head} \u2192 ${leaf < 0 ? 'no leaf' : `leaf ${leaf}`}`,
    });
    if (leaf < 0) return el('section', { className: 'detail' }, [title]);
    return el('section', { className: 'detail' }, [title, path(leaf), occupancy(cell, leaf), sharedText(shared)]);
  }

  function path(leaf) {
    const list = el('ol', { className: 'path' });
    for (const step of view.paths[leaf]) {
      const label = step.branch
        ? `node ${step.node}${step.node === 0 ? ' (root)' : ''} \u2192 ${step.branch}`
        : `leaf ${leaf} (node ${step.node})`;
      list.appendChild(el('li', { text: label }));
    }
    return el('div', {}, [el('h3', { text: 'Root-to-leaf path' }), list]);
  }

  function occupancy(cell, leaf) {
    const counts = cell.occupancy;
    const total = counts.reduce((a, b) => a + b, 0);
    const largest = Math.max(1, ...counts);
    const questionsHere = cell.questionLeaves.filter((l) => l === leaf).length;
    const bars = el('div', { className: 'bars', title: 'document tokens per leaf' });
    counts.forEach((count, l) => {
      const bar = el('div', { className: `bar${l === leaf ? ' selected' : ''}`, title: `leaf ${l}: ${count} document tokens` });
      bar.style.height = `${Math.round((count / largest) * 100)}%`;
      bars.appendChild(bar);
    });
    const mean = counts.length > 0 ? total / counts.length : 0;
    return el('div', {}, [
      el('h3', { text: 'Leaf occupancy' }),
      el('p', {
        text:
          `Leaf ${leaf} holds ${counts[leaf]} of ${total} document tokens (mean ${mean.toFixed(1)} per leaf) ` +
          `and ${questionsHere} question token${questionsHere === 1 ? '' : 's'}.`,
      }),
      bars,
    ]);
  }

  /** The document tokens in the leaf, grouped by line; each reveals itself in the editor. */
  function sharedText(shared) {
    const section = el('div', { className: 'shared' }, [el('h3', { text: `Document text in this leaf (${shared.length} tokens)` })]);
    if (shared.length === 0) {
      section.appendChild(el('p', { className: 'muted', text: 'No document token of this window shares the leaf; the query attends to the sink and the global keys only.' }));
      return section;
    }
    const byLine = new Map();
    for (const j of shared) {
      const line = view.documentTokens[j].line;
      if (!byLine.has(line)) byLine.set(line, []);
      byLine.get(line).push(j);
    }
    const list = el('ul');
    for (const [line, tokens] of byLine) {
      const item = el('li', {}, [el('span', { className: 'line', text: `L${line}` })]);
      for (const j of tokens) {
        const text = view.documentTokens[j].text;
        const button = el('button', { className: 'token', text: visible(text), title: `line ${line}: reveal in the editor` });
        button.dataset.token = String(j);
        button.addEventListener('click', () => vscode.postMessage({ type: 'reveal', token: j }));
        item.appendChild(button);
      }
      list.appendChild(item);
    }
    section.appendChild(list);
    return section;
  }

  /** The whole window as text, the tokens sharing the leaf marked and clickable. */
  function windowText(shared) {
    const pre = el('pre', { className: 'window' });
    view.documentTokens.forEach((token, j) => {
      if (!shared.has(j)) {
        pre.appendChild(document.createTextNode(token.text));
        return;
      }
      const mark = el('mark', { text: token.text, title: `line ${token.line}: reveal in the editor` });
      mark.tabIndex = 0;
      mark.dataset.token = String(j);
      mark.addEventListener('click', () => vscode.postMessage({ type: 'reveal', token: j }));
      mark.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') vscode.postMessage({ type: 'reveal', token: j });
      });
      pre.appendChild(mark);
    });
    return el('section', {}, [el('h2', { text: 'Window text' }), pre]);
  }

  function report() {
    const pre = app.querySelector('pre.window');
    vscode.postMessage({
      type: 'rendered',
      report: {
        questionTokens: view ? view.questionTokens.length : 0,
        leafCells: app.querySelectorAll('button.leaf').length,
        selection: view ? `${selection.token}/${selection.layer}/${selection.head}` : '',
        sharedTokens: app.querySelectorAll('.shared button.token').length,
        documentText: pre ? (pre.textContent || '').slice(0, 20000) : '',
        scripts: app.querySelectorAll('script').length,
        foreignElements: pre ? Array.from(pre.querySelectorAll('*')).filter((e) => e.tagName !== 'MARK').length : 0,
      },
    });
  }

  vscode.postMessage({ type: 'ready' });
})();
