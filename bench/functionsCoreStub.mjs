// A minimal stand-in for `@azure/functions-core`, the module the Azure Functions Node.js worker injects.
// Preload it (`node --import ./bench/functionsCoreStub.mjs main.js`) to load an app's entry outside the host:
// registration runs and is recorded, nothing is served. Plain JavaScript so it needs no build step.
// With AML_WARDEN_CORE_STUB_REPORT=<file>, the registered functions are written there as JSON when the process exits.
import { writeFileSync } from 'node:fs';
import Module from 'node:module';

const registered = [];
let programmingModel;

const coreApi = {
  hostVersion: '4.0.0-stub',
  registerFunction(metadata, callback) {
    registered.push({ name: metadata.name, bindings: metadata.bindings, hasCallback: typeof callback === 'function' });
    return { dispose() {} };
  },
  setProgrammingModel(model) {
    programmingModel = model;
  },
  getProgrammingModel() {
    return programmingModel;
  },
  registerHook() {
    return { dispose() {} };
  },
  log() {},
};

const originalLoad = Module._load;
Module._load = function loadWithCoreApi(request, parent, isMain) {
  if (request === '@azure/functions-core') return coreApi;
  return originalLoad.call(this, request, parent, isMain);
};

/** The functions registered so far in this process. */
export function registeredFunctions() {
  return registered.slice();
}

const reportFile = process.env.AML_WARDEN_CORE_STUB_REPORT;
if (reportFile) {
  process.on('exit', () => {
    writeFileSync(reportFile, JSON.stringify(registered.map(({ name, bindings }) => ({ name, bindings }))));
  });
}
