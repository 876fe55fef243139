// Snowplow's browser tracker as its quick start sets it up (bundled by
// session.mjs into a classic script): a tracker posting to this origin,
// activity tracking (page pings every 10 s) and the page view.
import { newTracker, enableActivityTracking, trackPageView } from '@snowplow/browser-tracker';

newTracker('sp', location.origin, { appId: 'bench', eventMethod: 'post' });
enableActivityTracking({ minimumVisitLength: 10, heartbeatDelay: 10 });
trackPageView();
