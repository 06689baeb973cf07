// What `npm run data` installs: pinned npm packages (for their .d.ts files)
// and Debian packages (source and documentation). Never @types/vscode, nor
// anything else carrying the VS Code API (DESIGN §7 reserves it for evaluation).

export const NPM_PACKAGES: readonly string[] = [
  'typescript@5.9.3',
  '@types/node@26.6.7',
  '@types/lodash@4.17.27',
  '@types/react@19.3.3',
  '@types/jquery@4.0.1',
  '@types/three@0.187.0',
  '@types/chrome@0.3.7',
  '@types/google.maps@3.66.9',
  '@types/d3@7.4.3',
  '@types/jest@30.0.0',
  '@types/jasmine@7.0.0',
  '@types/express@5.0.6',
  '@types/leaflet@1.9.22',
  '@types/emscripten@1.41.6',
  '@types/firefox-webext-browser@143.0.1',
  'csstype@3.2.4',
  'bun-types@1.4.5',
  '@types/ramda@0.32.0',
  '@types/sinon@22.0.2',
  '@types/chai@5.2.3',
  '@types/ws@8.18.2',
  '@types/yargs@17.0.35',
  '@types/bluebird@3.5.42',
  '@types/mocha@10.0.10',
  '@types/webpack-env@1.18.8',
  '@types/babel__traverse@7.28.0',
  '@types/underscore@1.13.0',
  '@types/knockout@3.4.79',
  '@types/angular@1.8.9',
  '@types/backbone@1.4.23',
  'playwright-core@1.65.1',
  '@types/pg@8.23.1',
  '@types/estree@1.0.11',
  '@types/mapbox-gl@3.4.1',
  '@types/openlayers@4.6.23',
  '@types/p5@1.7.7',
  '@types/ace@0.0.52',
  '@types/codemirror@5.60.18',
  '@types/markdown-it@14.2.0',
  '@types/uglify-js@3.17.5',
  '@types/jsdom@30.0.0',
  '@types/bootstrap@5.2.11',
  '@types/node-forge@1.3.14',
  '@types/xml2js@0.4.14',
  '@types/async@3.2.26',
];

/** Debian 12 (bookworm), the project's platform. */
export const DEBIAN_SUITE = 'bookworm';

export const DEB_PACKAGES: readonly string[] = [
  'golang-1.19-src', // Go standard library and toolchain sources
  'rust-src', // Rust standard library sources (library/)
  'python3.11-doc', // the Python FAQ (test questions only; not the stdlib sources)
  // Python libraries with rich docstrings, so the python source exists even
  // where no pyenv site-packages are found.
  'python3-pandas',
  'python3-matplotlib',
  'python3-sklearn',
  'python3-statsmodels',
];
