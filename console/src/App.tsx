/** The console's frame: a skip link, the navigation, who is signed in, and the page the address names. */
import { LocationProvider, Route, Router, useLocation, useRoute } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { Approval, Approvals } from './pages/Approvals.js';
import { Compliance, ComplianceResource } from './pages/Compliance.js';
import { ModelCd } from './pages/ModelCd.js';
import { MyRequest, MyRequests } from './pages/MyRequests.js';
import { RequestCompute } from './pages/RequestCompute.js';
import { Console, basePath, href, useConsole, type ConsoleContext } from './context.js';

const pages = [
  { path: '', title: 'Home' },
  { path: 'request', title: 'Request compute' },
  { path: 'requests', title: 'My requests' },
  { path: 'approvals', title: 'Approvals' },
  { path: 'compliance', title: 'Compliance' },
  { path: 'model-cd', title: 'Model CD' },
] as const;

/** The navigation entry a page belongs to: `requests/abc` → `requests`. */
function sectionOf(path: string): string {
  return path.slice(basePath().length).split('/')[0] ?? '';
}

function Nav() {
  const { path } = useLocation();
  const current = sectionOf(path);
  return (
    <nav aria-label="Console">
      <ul class="nav">
        {pages.map((page) => (
          <li key={page.path}>
            <a href={href(page.path)} aria-current={current === page.path ? 'page' : undefined}>
              {page.title}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Home() {
  const { user } = useConsole();
  return (
    <>
      <h1 tabIndex={-1}>aml-warden console</h1>
      <p class="lead">Signed in as {user?.name ?? 'you'}. What would you like to do?</p>
      <ul class="cards home">
        <li class="card">
          <h2>
            <a href={href('request')}>Request compute</a>
          </h2>
          <p>Ask for a cluster in a workspace, within what its policy allows.</p>
        </li>
        <li class="card">
          <h2>
            <a href={href('requests')}>My requests</a>
          </h2>
          <p>Follow your requests from filing to a ready cluster.</p>
        </li>
        <li class="card">
          <h2>
            <a href={href('approvals')}>Approvals</a>
          </h2>
          <p>Approve or reject what others asked for.</p>
        </li>
        <li class="card">
          <h2>
            <a href={href('compliance')}>Compliance</a>
          </h2>
          <p>The latest sweep of the workspaces and computes against the policy.</p>
        </li>
        <li class="card">
          <h2>
            <a href={href('model-cd')}>Model CD</a>
          </h2>
          <p>Which model versions started which deployment, and which were skipped.</p>
        </li>
      </ul>
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1 tabIndex={-1}>No such page</h1>
      <p>
        The console has no page at this address. <a href={href('')}>Go to the console's home</a>.
      </p>
    </>
  );
}

function SignIn() {
  const { session } = useConsole();
  return (
    <>
      <h1 tabIndex={-1}>Sign in</h1>
      <p class="lead">The aml-warden console shows compute requests, approvals, compliance and model CD. Sign in with your work account to go on.</p>
      <button type="button" class="primary" onClick={() => void session.signIn()}>
        Sign in
      </button>
    </>
  );
}

const withId = (Page: (props: { id: string }) => preact.JSX.Element) =>
  function RoutedPage() {
    const { params } = useRoute();
    return <Page id={params['id'] ?? ''} />;
  };
const RoutedMyRequest = withId(MyRequest);
const RoutedApproval = withId(Approval);

/** After moving to another page, its heading takes the focus, so keyboard and screen-reader users start there. */
function focusHeading(): void {
  window.requestAnimationFrame(() => {
    const heading = document.querySelector<HTMLElement>('main h1');
    if (heading !== null) {
      document.title = `${heading.textContent ?? ''} · aml-warden console`;
      heading.focus();
    }
  });
}

function Shell() {
  const { user, session } = useConsole();
  const base = basePath();
  useEffect(() => {
    const heading = document.querySelector('main h1');
    if (heading !== null) document.title = `${heading.textContent ?? ''} · aml-warden console`;
  });
  const signOut = (): Promise<void> => session.signOut();
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href('')}>
          aml-warden
        </a>
        {user === undefined ? null : <Nav />}
        {user === undefined ? null : (
          <div class="who">
            <span class="user" title={user.username}>
              {user.name}
            </span>
            <button type="button" class="link" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {user === undefined ? (
          <SignIn />
        ) : (
          <Router onRouteChange={focusHeading}>
            <Route path={base} component={Home} />
            <Route path={`${base}request`} component={RequestCompute} />
            <Route path={`${base}requests`} component={MyRequests} />
            <Route path={`${base}requests/:id`} component={RoutedMyRequest} />
            <Route path={`${base}approvals`} component={Approvals} />
            <Route path={`${base}approvals/:id`} component={RoutedApproval} />
            <Route path={`${base}compliance`} component={Compliance} />
            <Route path={`${base}compliance/resource`} component={ComplianceResource} />
            <Route path={`${base}model-cd`} component={ModelCd} />
            <Route default component={NotFound} />
          </Router>
        )}
      </main>
    </>
  );
}

export function App({ context }: { context: ConsoleContext }) {
  return (
    <Console.Provider value={context}>
      <LocationProvider scope={basePath()}>
        <Shell />
      </LocationProvider>
    </Console.Provider>
  );
}
