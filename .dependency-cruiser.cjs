/**
 * The layers of truenorth (docs/architecture.md). A lower layer never imports a higher one:
 *
 *   errors.ts  <-  model  <-  config  <-  query  <-  engine  <-  reports  <-  app  <-  cli, server
 *
 * demo/ generates a company (it may use model, config and engine; only cli/ runs it), web/ talks
 * to the server over HTTP and takes only types from src/, and tools/ (the bench) may use anything
 * in src/ while nothing in src/ uses tools/ or test/.
 *
 * Read by scripts/layering.ts, which hands dependency-cruiser a JavaScript mirror of the tree (it
 * cannot load TypeScript 7): there, a type-only import is a call to `typeOnly('…')`.
 */
const LAYERS = ['model', 'config', 'query', 'engine', 'reports', 'app', 'cli|server'];
/** Folders of src/ outside the chain, each with the layers it may import. */
const BESIDE = { demo: ['model', 'config', 'engine'] };

const folder = (names) => `^src/(${names.join('|')})/`;

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.replace('|', '-')}`,
  comment: `src/${layer} sits below ${LAYERS.slice(i + 1).join(', ')} and imports none of them`,
  severity: 'error',
  from: { path: folder([layer]) },
  to: { path: folder([...LAYERS.slice(i + 1), ...Object.keys(BESIDE)]) },
}));

const beside = Object.entries(BESIDE).map(([name, allowed]) => ({
  name: `${name}-imports`,
  comment: `src/${name} may import ${allowed.join(', ')} only`,
  severity: 'error',
  from: { path: folder([name]) },
  to: { path: '^src/', pathNot: [folder([name, ...allowed]), '^src/errors\\.js$'] },
}));

module.exports = {
  /** Not a dependency-cruiser key: the layering test checks every module of src/ sits in one of these. */
  layers: { chain: LAYERS.flatMap((l) => l.split('|')), beside: Object.keys(BESIDE), leaves: ['errors.ts'] },
  forbidden: [
    ...upward,
    ...beside,
    {
      name: 'config-stays-out-of-model-and-engine',
      comment: 'the model and the engines work from the model, never from the YAML adapter',
      severity: 'error',
      from: { path: '^src/(model|engine)/' },
      to: { path: '^src/config/' },
    },
    {
      name: 'errors-is-a-leaf',
      comment: 'anything may import src/errors.ts; it imports nothing of the project',
      severity: 'error',
      from: { path: '^src/errors\\.js$' },
      to: { path: '^(src|web|tools|test)/' },
    },
    {
      name: 'web-takes-types-only',
      comment: 'the dashboard may import src/ with `import type` only: it reaches the server over HTTP',
      severity: 'error',
      from: { path: '^web/' },
      // In the mirror a type-only import is the exotic require `typeOnly('…')`.
      to: { path: '^src/', dependencyTypesNot: ['exotic-require'] },
    },
    {
      name: 'src-is-shipped-alone',
      comment: 'the shipped package never imports tools/ or test/',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(tools|test)/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles, type-only imports included',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    moduleSystems: ['es6', 'cjs'],
    exoticRequireStrings: ['typeOnly'],
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { extensions: ['.js'] },
  },
};
