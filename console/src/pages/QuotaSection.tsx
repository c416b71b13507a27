/** The latest sweeps' compute quota: each VM family in use, or at or over its threshold, with current / limit. */
import { TableScroll } from '../components/common.js';
import type { SweepReport } from '../schemas.js';

export function QuotaSection({ reports }: { reports: readonly SweepReport[] }) {
  const rows = reports.flatMap((report) => report.quota?.utilizations ?? []).filter((row) => row.current > 0 || row.overThreshold);
  const problems = reports.flatMap((report) => report.quota?.problems ?? []);
  if (rows.length === 0 && problems.length === 0) return null;
  return (
    <section aria-labelledby="quota-heading">
      <h2 id="quota-heading">Quota</h2>
      <TableScroll label="Quota utilization per VM family">
        <table>
          <thead>
            <tr>
              <th scope="col">Subscription</th>
              <th scope="col">Region</th>
              <th scope="col">Scope</th>
              <th scope="col">VM family</th>
              <th scope="col">Used / limit</th>
              <th scope="col">Use</th>
              <th scope="col">Threshold</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.subscriptionId}|${row.location}|${row.workspaceName ?? ''}|${row.family}`}>
                <td>
                  <code>{row.subscriptionId}</code>
                </td>
                <td>{row.location}</td>
                <td>{row.level === 'workspace' ? `workspace ${row.workspaceName ?? ''}` : 'subscription'}</td>
                <td>{row.displayName}</td>
                <td>
                  {row.current} / {row.limit ?? 'no limit'}
                </td>
                <td>{row.percent === null ? '—' : row.overThreshold ? <strong>{row.percent}% (over)</strong> : `${row.percent}%`}</td>
                <td>{row.threshold}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {problems.map((problem) => (
        <p class="hint" key={`${problem.subscriptionId}|${problem.location}`}>
          Quota of <code>{problem.subscriptionId}</code> in {problem.location} could not be read: {problem.error}
        </p>
      ))}
    </section>
  );
}
