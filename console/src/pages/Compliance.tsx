/**
 * Compliance: the stored sweep reports (`GET /api/sweep-reports?limit=`, the Operator role). Compliance over time as a
 * chart (with the same figures as a table), the newest report of each subscription, its findings by subscription and
 * workspace and by rule with what the policy expects and what Azure has, and one resource's findings
 * (`compliance/resource?id=`). `?workspaceId=` keeps one workspace. The words for an expectation are the policy's own
 * (`describeExpectation`), bundled from the app's source.
 */
import { useLocation } from 'preact-iso';
import { describeExpectation, formatValue } from '../../../src/policy/findings.js';
import { query, type Api } from '../api.js';
import { ErrorNotice, Facts, Loading, Notice, TableScroll, When } from '../components/common.js';
import { href, useConsole } from '../context.js';
import { useLoad } from '../load.js';
import { QuotaSection } from './QuotaSection.js';
import { reportListSchema, sweepReportSchema, type ReportFinding, type ReportLine, type ReportSummary, type SweepReport } from '../schemas.js';

const HISTORY = 30;

function percent(rate: number | null): string {
  return rate === null ? 'nothing evaluated' : `${(rate * 100).toFixed(1)}%`;
}

function expectation(finding: ReportFinding): string {
  return describeExpectation(finding.relation, finding.expected);
}

/** The newest report of each subscription the reports cover (the list is newest first), fetched once per run. */
async function latestPerSubscription(api: Api, summaries: readonly ReportSummary[]): Promise<SweepReport[]> {
  const newest = new Map<string, ReportSummary>();
  for (const summary of summaries) for (const subscription of summary.subscriptions) if (!newest.has(subscription.toLowerCase())) newest.set(subscription.toLowerCase(), summary);
  const runs = [...new Set([...newest.values()].map((summary) => summary.runId))];
  return Promise.all(runs.map((runId) => api.get(`sweep-reports/${encodeURIComponent(runId)}`, sweepReportSchema)));
}

interface ComplianceData {
  readonly history: readonly ReportSummary[];
  readonly latest: readonly SweepReport[];
}

function useCompliance(): ReturnType<typeof useLoad<ComplianceData>> {
  const { api } = useConsole();
  return useLoad(async () => {
    const list = await api.get(`sweep-reports${query({ limit: HISTORY })}`, reportListSchema);
    const history = [...list.value].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return { history, latest: await latestPerSubscription(api, history) };
  }, []);
}

function ComplianceChart({ history }: { history: readonly ReportSummary[] }) {
  const points = [...history].reverse().filter((summary): summary is ReportSummary & { complianceRate: number } => summary.complianceRate !== null);
  if (points.length === 0) return null;
  const width = 640;
  const height = 200;
  const pad = { left: 40, right: 12, top: 12, bottom: 28 };
  const x = (index: number): number => pad.left + (points.length === 1 ? (width - pad.left - pad.right) / 2 : (index * (width - pad.left - pad.right)) / (points.length - 1));
  const y = (rate: number): number => pad.top + (1 - rate) * (height - pad.top - pad.bottom);
  const first = points[0];
  const last = points[points.length - 1];
  return (
    <section class="card" aria-labelledby="trend-heading">
      <h2 id="trend-heading">Compliance over time</h2>
      <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="trend-summary">
        <title id="trend-summary">
          {`Compliance of the last ${points.length} sweeps, from ${percent(first?.complianceRate ?? null)} to ${percent(last?.complianceRate ?? null)}`}
        </title>
        {[0, 0.5, 1].map((rate) => (
          <g key={rate}>
            <line class="axis" x1={pad.left} x2={width - pad.right} y1={y(rate)} y2={y(rate)} />
            <text x={pad.left - 6} y={y(rate) + 4} text-anchor="end">
              {`${rate * 100}%`}
            </text>
          </g>
        ))}
        <polyline class="line" points={points.map((point, index) => `${x(index)},${y(point.complianceRate)}`).join(' ')} />
        {points.map((point, index) => (
          <circle key={point.runId} class="dot" cx={x(index)} cy={y(point.complianceRate)} r={4} />
        ))}
      </svg>
      <details>
        <summary>The figures as a table</summary>
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Sweep started</th>
              <th scope="col">Compliant</th>
              <th scope="col">Resources evaluated</th>
            </tr>
          </thead>
          <tbody>
            {[...history].map((summary) => (
              <tr key={summary.runId}>
                <td>
                  <When at={summary.startedAt} />
                </td>
                <td>{percent(summary.complianceRate)}</td>
                <td>{summary.evaluated ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function resourceLink(line: ReportLine) {
  return <a href={href(`compliance/resource${query({ id: line.resourceId })}`)}>{line.name}</a>;
}

function BySubscription({ reports, lines }: { reports: readonly SweepReport[]; lines: readonly ReportLine[] }) {
  const subscriptions = [...new Set(reports.flatMap((report) => report.subscriptions))].sort();
  return (
    <section aria-labelledby="by-subscription-heading">
      <h2 id="by-subscription-heading">By subscription and workspace</h2>
      {subscriptions.map((subscription) => {
        const report = reports.find((candidate) => candidate.subscriptions.some((id) => id.toLowerCase() === subscription.toLowerCase()));
        const ofSubscription = lines.filter((line) => line.subscriptionId.toLowerCase() === subscription.toLowerCase());
        const workspaces = [...new Set(ofSubscription.map((line) => line.workspaceName))].sort();
        return (
          <div key={subscription} class="card">
            <h3>Subscription {subscription}</h3>
            {report === undefined ? null : (
              <p class="hint">
                Swept <When at={report.startedAt} /> ({report.mode ?? 'policy'} mode{report.status === undefined ? '' : `, ${report.status}`}).
              </p>
            )}
            {workspaces.length === 0 ? (
              <p>No finding: every resource swept was compliant or exempt.</p>
            ) : (
              workspaces.map((workspace) => (
                <TableScroll key={workspace} label={`Findings in workspace ${workspace}`}>
                  <table class="table">
                    <caption>Workspace {workspace}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Resource</th>
                        <th scope="col">Kind</th>
                        <th scope="col">Owner</th>
                        <th scope="col">Outcome</th>
                        <th scope="col">Rules</th>
                      </tr>
                    </thead>
                    <tbody>
                      {ofSubscription
                        .filter((line) => line.workspaceName === workspace)
                        .map((line) => (
                          <tr key={line.resourceId}>
                            <th scope="row">{resourceLink(line)}</th>
                            <td>{line.resourceType}</td>
                            <td>{line.owner ?? '(no owner)'}</td>
                            <td>{line.outcome}</td>
                            <td>{line.rules.join(', ')}</td>
                          </tr>
                        ))}
                    </tbody>
                  </table>
                </TableScroll>
              ))
            )}
          </div>
        );
      })}
    </section>
  );
}

function ByRule({ lines }: { lines: readonly ReportLine[] }) {
  const byRule = new Map<string, { line: ReportLine; finding: ReportFinding }[]>();
  for (const line of lines) for (const finding of line.findings ?? []) byRule.set(finding.rule, [...(byRule.get(finding.rule) ?? []), { line, finding }]);
  const rules = [...byRule.entries()].sort(([a, x], [b, y]) => y.length - x.length || a.localeCompare(b));
  return (
    <section aria-labelledby="by-rule-heading">
      <h2 id="by-rule-heading">Findings by rule</h2>
      {rules.length === 0 ? (
        <p>No findings.</p>
      ) : (
        rules.map(([rule, entries]) => (
          <TableScroll key={rule} label={`Findings of rule ${rule}`}>
            <table class="table">
              <caption>
                {rule} ({entries.length})
              </caption>
              <thead>
                <tr>
                  <th scope="col">Resource</th>
                  <th scope="col">Workspace</th>
                  <th scope="col">Expected</th>
                  <th scope="col">Actual</th>
                  <th scope="col">Fixed by enforce mode</th>
                </tr>
              </thead>
              <tbody>
                {entries.map(({ line, finding }) => (
                  <tr key={`${line.resourceId}-${rule}`}>
                    <th scope="row">{resourceLink(line)}</th>
                    <td>{line.workspaceName}</td>
                    <td>{expectation(finding)}</td>
                    <td>{formatValue(finding.actual)}</td>
                    <td>{finding.fixable ? 'yes' : 'no: a person must'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        ))
      )}
    </section>
  );
}

function inWorkspace(line: ReportLine, workspaceId: string | undefined): boolean {
  if (workspaceId === undefined) return true;
  const id = line.resourceId.toLowerCase();
  const workspace = workspaceId.toLowerCase();
  return id === workspace || id.startsWith(`${workspace}/`);
}

export function Compliance() {
  const { query: params } = useLocation();
  const workspaceId = params['workspaceId'] === undefined || params['workspaceId'] === '' ? undefined : params['workspaceId'];
  const compliance = useCompliance();
  const data = compliance.data;
  const newest = data?.latest.slice().sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  const lines = (data?.latest ?? []).flatMap((report) => report.lines).filter((line) => inWorkspace(line, workspaceId));
  const problems = (data?.latest ?? []).flatMap((report) => report.problems ?? []);
  return (
    <>
      <h1 tabIndex={-1}>Compliance</h1>
      <p class="lead">The compliance sweeps of the workspaces and computes against the policy.</p>
      {workspaceId === undefined ? null : (
        <p>
          Showing the workspace <code>{workspaceId}</code>. <a href={href('compliance')}>Show every workspace</a>
        </p>
      )}
      {compliance.error !== undefined ? (
        <ErrorNotice error={compliance.error} title="The sweep reports could not be read." />
      ) : data === undefined ? (
        <Loading what="the sweep reports" />
      ) : newest === undefined ? (
        <Notice>No sweep report is stored yet. The scheduled sweep stores one; so does `aml-warden sweep --store`.</Notice>
      ) : (
        <>
          <section class="card" aria-labelledby="latest-heading">
            <h2 id="latest-heading">Latest sweep</h2>
            <div class="stats">
              <div>
                <p class="stat">{percent(newest.complianceRate)}</p>
                <p class="hint">compliant</p>
              </div>
              <div>
                <p class="stat">{newest.evaluated ?? '—'}</p>
                <p class="hint">resources evaluated</p>
              </div>
              <div>
                <p class="stat">{newest.lines.length}</p>
                <p class="hint">resources with findings</p>
              </div>
              <div>
                <p class="stat">{newest.totals?.remediated ?? 0}</p>
                <p class="hint">remediated</p>
              </div>
            </div>
            <Facts
              rows={[
                ['Started', <When at={newest.startedAt} />],
                ['Mode', newest.mode ?? 'policy'],
                ['Subscriptions', newest.subscriptions.join(', ')],
                ['Run', <code>{newest.runId}</code>],
              ]}
            />
          </section>
          {problems.length === 0 ? null : (
            <div class="notice notice-error" role="status">
              <p class="notice-title">Workspaces the sweep could not read</p>
              <ul>
                {problems.map((problem) => (
                  <li key={problem.workspaceId}>
                    <code>{problem.workspaceId}</code>: {problem.error}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <ComplianceChart history={data.history} />
          <ByRule lines={lines} />
          <BySubscription reports={data.latest} lines={lines} />
          <QuotaSection reports={data.latest} />
        </>
      )}
    </>
  );
}

export function ComplianceResource() {
  const { query: params } = useLocation();
  const id = params['id'] ?? '';
  const compliance = useCompliance();
  const line = compliance.data?.latest.flatMap((report) => report.lines).find((candidate) => candidate.resourceId.toLowerCase() === id.toLowerCase());
  const name = line?.name ?? id.split('/').pop() ?? id;
  return (
    <>
      <h1 tabIndex={-1}>Compliance of {name}</h1>
      <p>
        <a href={href('compliance')}>All of the latest sweep</a>
      </p>
      {compliance.error !== undefined ? (
        <ErrorNotice error={compliance.error} title="The sweep reports could not be read." />
      ) : compliance.data === undefined ? (
        <Loading what="the sweep reports" />
      ) : line === undefined ? (
        <Notice>
          The latest sweep has no finding for <code>{id}</code>: it was compliant, exempt, or not swept.
        </Notice>
      ) : (
        <>
          <section class="card" aria-labelledby="resource-heading">
            <h2 id="resource-heading">The resource</h2>
            <Facts
              rows={[
                ['Kind', line.resourceType],
                ['Workspace', line.workspaceName],
                ['Owner', line.owner ?? '(no owner)'],
                ['Outcome', line.outcome],
                ...(line.change === undefined || line.change === null ? [] : ([['Change', line.change]] as const)),
                ...(line.note === undefined || line.note === null ? [] : ([['Note', line.note]] as const)),
                ['Resource ID', <code>{line.resourceId}</code>],
              ]}
            />
          </section>
          <section aria-labelledby="findings-heading">
            <h2 id="findings-heading">Findings</h2>
            <TableScroll label="Each rule the resource breaks">
              <table class="table">
                <caption class="visually-hidden">Each rule the resource breaks</caption>
                <thead>
                  <tr>
                    <th scope="col">Rule</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Expected</th>
                    <th scope="col">Actual</th>
                    <th scope="col">What to do</th>
                  </tr>
                </thead>
                <tbody>
                  {(line.findings ?? []).map((finding) => (
                    <tr key={finding.rule}>
                      <th scope="row">{finding.rule}</th>
                      <td>{finding.severity}</td>
                      <td>{expectation(finding)}</td>
                      <td>{formatValue(finding.actual)}</td>
                      <td>{finding.advice ?? (finding.fixable ? 'enforce mode fixes it' : 'a person must fix it')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </section>
        </>
      )}
    </>
  );
}
