// React hooks over the SDK instance. Reading features and segments happens on
// the device: it needs no analytics consent and sends nothing.
import { useEffect, useState } from 'react';
import { iob } from './iob.js';

/** The consent state, re-rendered on every change (null until the SDK is ready). */
export function useConsent() {
  const [state, setState] = useState(() => iob.consent.state());
  useEffect(() => {
    const off = iob.on('consent', setState);
    iob.ready.then(() => setState(iob.consent.state()), () => {});
    return off;
  }, []);
  return state;
}

/** The visitor's on-device segment (`engaged_reader`, `skimmer`, ...), or null. */
export function useSegment() {
  const [segment, setSegment] = useState(() => iob.features()?.segment ?? null);
  useEffect(() => {
    const off = iob.on('segment', (s) => setSegment(s ?? null));
    iob.ready.then(() => setSegment(iob.features()?.segment ?? null), () => {});
    return off;
  }, []);
  return segment;
}
