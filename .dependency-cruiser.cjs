/**
 * The direction of imports in aml-warden, checked by `test/structure/dependencyRules.test.ts` on every `npm test`
 * (and by hand with `npx depcruise src dev bench scripts`).
 *
 *   functions/, http/, cli  →  composition.ts  →  adapters/
 *          ↓                        ↓               ↓ (ports only)
 *      capabilities (modelCd, runNotifications, governance, sweep, computeRequests, notifications, eventIntake, jobs, onlineEndpoints)
 *          ↓
 *      policy/, events/, shared/, errors.ts
 */

/** Use cases and the ports they own. */
const capabilities = '^src/(modelCd|runNotifications|governance|sweep|computeRequests|notifications|eventIntake|jobs|onlineEndpoints)/';
/** The domain core every side may use: pure rules, event shapes, logging and the shared ports, errors. */
const core = '^src/(policy|events|shared)/|^src/errors\\.ts$';
/** Azure SDKs and other client libraries of outside systems: adapters load them, use cases never do. */
const sdks = '(^|/)node_modules/(@azure/|applicationinsights/|jose/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle makes two modules one; break it with a port or a type in the module both depend on.',
      severity: 'error',
      from: { path: '^(src|dev|bench|scripts)/' },
      to: { circular: true },
    },
    {
      name: 'policy-is-pure',
      comment: 'policy/ evaluates; it imports nothing of the app but errors.ts, no SDK and no Node.js I/O.',
      severity: 'error',
      from: { path: '^src/policy/' },
      to: { pathNot: '^src/policy/|^src/errors\\.ts$|(^|/)node_modules/(zod|yaml)/' },
    },
    {
      name: 'capabilities-import-no-adapters',
      comment: 'A use case reaches the outside world only through the ports it owns; composition.ts hands it the adapters.',
      severity: 'error',
      from: { path: capabilities },
      to: { path: '^src/(adapters/|functions/|http/|cli|composition\\.ts$|config\\.ts$|index\\.ts$)' },
    },
    {
      name: 'capabilities-import-no-sdk',
      comment: 'A use case imports no Azure SDK or other outside client; an adapter does, behind a port.',
      severity: 'error',
      from: { path: `${capabilities}|${core}` },
      to: { path: sdks },
    },
    {
      name: 'core-imports-no-capability',
      comment: 'policy/, events/ and shared/ are below the capabilities; they never reach up into one.',
      severity: 'error',
      from: { path: core },
      to: { path: `${capabilities}|^src/(adapters/|functions/|http/|cli|composition\\.ts$)` },
    },
    {
      name: 'adapters-import-only-ports',
      comment: "An adapter implements a capability's port; it imports that capability's ports.ts and nothing else of it.",
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: capabilities, pathNot: '/ports\\.ts$' },
    },
    {
      name: 'adapters-import-no-entry-points',
      comment: 'Adapters are wired by composition.ts; they never reach into the functions, the HTTP layer or the CLI.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(functions/|http/|cli|composition\\.ts$|index\\.ts$)' },
    },
    {
      name: 'only-composition-builds-adapters',
      comment: 'composition.ts is the one place that chooses and builds adapters; everything else receives ports.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(adapters/|composition\\.ts$)' },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'src-stands-alone',
      comment: 'The deployed app carries src/ only: it never imports the local Azure, the benchmarks or the tests.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(dev|bench|test|scripts)/' },
    },
    {
      name: 'tools-import-no-tests',
      comment: 'dev/, bench/ and scripts/ run without the test tree; what they share with tests lives in dev/.',
      severity: 'error',
      from: { path: '^(dev|bench|scripts)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a port's types are the contract the rules are about.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.test.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
