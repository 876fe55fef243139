import { ConsentBanner, WithdrawButton } from './ConsentBanner.jsx';
import { Personalised } from './Personalised.jsx';
import { Link, useRoute } from './router.jsx';
import { iob } from './iob.js';

function Home() {
  return (
    <>
      <h1>Acme Notes</h1>
      <p>Notes that stay on your device. This page is an example React single-page app using iob-sdk.</p>
      <button id="cta" type="button">Try it</button>
    </>
  );
}

function Pricing() {
  return (
    <>
      <h1>Pricing</h1>
      <p>Free for one device, 3 € a month for all of them.</p>
    </>
  );
}

function Docs() {
  return (
    <>
      <h1>Docs</h1>
      {Array.from({ length: 30 }, (_, i) => (
        <p key={i}>Section {i + 1}. Notes sync end to end encrypted; the server never sees their text.</p>
      ))}
    </>
  );
}

const ROUTES = { '/': Home, '/pricing': Pricing, '/docs': Docs };

function NotFound() {
  return <h1>Not found</h1>;
}

export function App() {
  const route = useRoute();
  const Page = ROUTES[route] || NotFound;
  return (
    <>
      <ConsentBanner />
      <nav>
        <Link to="/">Home</Link> · <Link to="/pricing">Pricing</Link> · <Link to="/docs">Docs</Link>
      </nav>
      <main>
        <Page />
      </main>
      <Personalised />
      <footer>
        <WithdrawButton />{' '}
        <button id="explain" type="button" onClick={() => console.table(iob.explain())}>
          What is collected?
        </button>
      </footer>
    </>
  );
}
