/**
 * Checks ARM traffic — what the app sends and what the emulator answers — against Microsoft's REST spec for
 * Microsoft.MachineLearningServices (the vendored `arm/spec`, stable 2024-04-01), with Microsoft's own live-traffic
 * validator (`oav`, Azure/oav). A shape the spec does not allow is a problem: a missing required property, a wrong
 * type, a property the spec does not declare, a discriminator with no subtype, an undeclared status.
 *
 * The spec is one api-version; the app also speaks others (the SDK's 2022-10-01, 2025-12-01 for compute reads).
 * Their shapes are checked against this one's, and the only property known to differ is let through:
 * `idleTimeBeforeShutdown` of a compute instance, which 2025-12-01 and the previews declare and 2024-04-01 does not
 * (Azure/bicep-types-az `microsoft.machinelearningservices/2025-12-01/types.md`). Operations the vendored spec does
 * not hold (jobs and models are in `mfe.json`, the Tags API and Resource Graph in other providers' specs, operation
 * status URLs in none) are reported as not covered; `docs/azure-differences.md` lists them.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ArmExchange } from '../../dev/emulator/server.js';
import { publishedFixtureUrl } from './publishedFixtures.js';

const SPEC_API_VERSION = '2024-04-01';
const SPEC_FILE = 'specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-04-01/machineLearningServices.json';

/** Properties newer api-versions declare that the vendored one does not, by where they sit in a compute body. */
const NEWER_VERSION_PROPERTIES = [/(^|\/)properties\/properties\/idleTimeBeforeShutdown$/];

export interface SpecVerdict {
  /** `METHOD path?query` of the exchange. */
  readonly call: string;
  /** Whether the vendored spec holds the operation. */
  readonly covered: boolean;
  readonly problems: readonly string[];
}

interface OavIssue {
  readonly code: string;
  readonly message: string;
  readonly pathsInPayload: readonly string[];
}
interface OavResult {
  readonly errors: readonly OavIssue[];
  readonly runtimeException?: { readonly code: string; readonly message: string } | undefined;
}
interface OavValidator {
  initialize(): Promise<void>;
  validateLiveRequestResponse(pair: unknown): Promise<{ readonly requestValidationResult: OavResult; readonly responseValidationResult: OavResult }>;
}
type OavModule = { readonly LiveValidator: new (options: unknown, log?: (message: string, level?: string) => void) => OavValidator };

export class ArmSpec {
  readonly #validator: OavValidator;

  private constructor(validator: OavValidator) {
    this.#validator = validator;
  }

  static async load(): Promise<ArmSpec> {
    // oav is CommonJS; loading it with require keeps its module graph out of the ESM loader.
    const oav = createRequire(import.meta.url)('oav') as OavModule;
    const directory = fileURLToPath(publishedFixtureUrl('arm/spec/'));
    const validator = new oav.LiveValidator(
      {
        directory,
        swaggerPaths: [`${directory}${SPEC_FILE}`],
        git: { shouldClone: false },
        loadValidatorInBackground: false,
        loadValidatorInInitialize: true,
        isArmCall: true,
      },
      () => undefined,
    );
    await validator.initialize();
    return new ArmSpec(validator);
  }

  async check(exchange: ArmExchange): Promise<SpecVerdict> {
    const url = new URL(exchange.url, 'https://management.azure.com');
    const call = `${exchange.method} ${url.pathname}${url.search}`;
    const sentVersion = url.searchParams.get('api-version') ?? '';
    url.searchParams.set('api-version', SPEC_API_VERSION);
    const json = { 'content-type': 'application/json' };
    const result = await this.#validator.validateLiveRequestResponse({
      liveRequest: { url: url.href, method: exchange.method, headers: json, ...(exchange.requestBody === undefined ? {} : { body: exchange.requestBody }) },
      liveResponse: { statusCode: String(exchange.status), headers: { ...json, ...exchange.responseHeaders }, ...(exchange.responseBody === undefined ? {} : { body: exchange.responseBody }) },
    });
    const { requestValidationResult: request, responseValidationResult: response } = result;
    const missing = [request, response].find((part) => part.runtimeException?.code.startsWith('OPERATION_NOT_FOUND'));
    if (missing !== undefined) return { call, covered: false, problems: [] };
    const newer = sentVersion > SPEC_API_VERSION || sentVersion.endsWith('-preview');
    const problems = [
      ...[request.runtimeException, response.runtimeException].flatMap((exception) => (exception === undefined ? [] : [`runtime ${exception.code}: ${exception.message}`])),
      ...describe('request', request.errors, newer),
      ...describe(`response ${exchange.status}`, response.errors, newer),
    ];
    return { call, covered: true, problems };
  }
}

function describe(where: string, issues: readonly OavIssue[], newerVersion: boolean): string[] {
  return issues
    .filter((issue) => !(newerVersion && issue.code === 'OBJECT_ADDITIONAL_PROPERTIES' && issue.pathsInPayload.every((path) => NEWER_VERSION_PROPERTIES.some((known) => known.test(path)))))
    .map((issue) => `${where} ${issue.pathsInPayload.join(', ') || '/'}: ${issue.code} ${issue.message}`);
}
