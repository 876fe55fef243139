// A small but real TCF v2 CMP for the end-to-end tests: TC strings are
// encoded by the IAB's @iabtechlabtcf/core and __tcfapi is answered by
// @iabtechlabtcf/cmpapi. The end-to-end test bundles this file with esbuild.
import { CmpApi } from '@iabtechlabtcf/cmpapi';
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';

const purposes = {};
for (let i = 1; i <= 11; i++) purposes[i] = { id: i, name: `Purpose ${i}`, description: '', illustrations: [] };
const gvl = new GVL({
  gvlSpecificationVersion: 3, vendorListVersion: 100, tcfPolicyVersion: 5, lastUpdated: '2026-01-01T00:00:00Z',
  purposes, specialPurposes: {}, features: {}, specialFeatures: {}, stacks: {}, dataCategories: {},
  vendors: { 755: { id: 755, name: 'Test vendor', purposes: [1, 8], legIntPurposes: [], flexiblePurposes: [], specialPurposes: [], features: [], specialFeatures: [], policyUrl: 'https://vendor.example/privacy' } },
});

function encode(consented) {
  const m = new TCModel(gvl);
  m.cmpId = 10;
  m.cmpVersion = 1;
  m.isServiceSpecific = true;
  m.publisherConsents.set(consented);
  m.purposeConsents.set(consented);
  if (consented.includes(1) && consented.includes(8)) m.vendorConsents.set(755);
  return TCString.encode(m);
}

const api = new CmpApi(10, 1, true);
const q = new URLSearchParams(location.search);
const ui = () => document.getElementById('cmp-ui');
const answer = (consented, shown = false) => api.update(encode(consented), shown);

window.testCmp = {
  answer,
  notApplying: () => api.update(null),
  showUi: () => api.update('', true),
};

function wire() {
  ui().hidden = false;
  document.getElementById('cmp-accept').addEventListener('click', () => answer([1, 8]));
  document.getElementById('cmp-refuse-p8').addEventListener('click', () => answer([1]));
  document.getElementById('cmp-reopen').addEventListener('click', () => api.update(encode([1, 8]), true));
  const auto = q.get('cmpAnswer');
  if (auto === 'null') api.update(null);
  else if (auto === 'accept') answer([1, 8]);
  else if (auto === 'refuse') answer([1]);
  else if (!auto) api.update('', true); // a new visitor: the UI is shown, no answer yet
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire);
else wire();
