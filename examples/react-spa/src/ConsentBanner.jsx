// The site's consent banner, wired to iob.consent. Refusing is one click,
// like accepting; the choice can be withdrawn from the footer at any time.
import { iob } from './iob.js';
import { useConsent } from './useIob.js';

export function ConsentBanner() {
  const consent = useConsent();
  // Hidden until the SDK knows the state, and once the visitor has chosen.
  if (!consent || consent.record?.source === 'api') return null;
  return (
    <section className="banner" aria-label="Privacy choices" id="consent-banner">
      <p>
        May we measure how this app is used and tailor it on your device? Only aggregated, pseudonymous numbers
        computed in your browser are sent: never text, never what you type.
      </p>
      <button id="consent-accept" type="button" onClick={() => iob.consent.grant(['analytics', 'personalization'])}>
        Allow
      </button>
      <button id="consent-reject" type="button" onClick={() => iob.consent.deny(['analytics', 'personalization', 'marketing'])}>
        No thanks
      </button>
    </section>
  );
}

export function WithdrawButton() {
  const consent = useConsent();
  const granted = consent?.granted.some((p) => p !== 'security');
  return (
    <button id="consent-revoke" type="button" disabled={!granted} onClick={() => iob.consent.revoke()}>
      Withdraw consent
    </button>
  );
}
