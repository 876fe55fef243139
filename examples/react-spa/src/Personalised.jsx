// Personalisation without sending anything: the block below is chosen from
// the segment computed on the device (iob.features().segment and the
// 'segment' event). Nothing about it leaves the browser.
import { useSegment } from './useIob.js';
import { Link } from './router.jsx';

const BLOCKS = {
  engaged_reader: { title: 'You read carefully', body: 'Here is the long-form guide to the whole product.', to: '/docs' },
  skimmer: { title: 'In a hurry?', body: 'The three key points fit on one screen.', to: '/pricing' },
  bouncer: { title: 'New here?', body: 'Start with the two-minute tour.', to: '/docs' },
  frustrated: { title: 'Something not working?', body: 'Our help page answers the common problems, and a person answers the rest.', to: '/docs' },
};
const DEFAULT = { title: 'Welcome', body: 'Pick a page from the menu.', to: '/docs' };

export function Personalised() {
  const segment = useSegment();
  // Automated visitors get the neutral block: no tailoring for bots.
  const block = (segment && BLOCKS[segment]) || DEFAULT;
  return (
    <aside id="personalised" className="personalised" data-segment={segment ?? 'none'}>
      <h2>{block.title}</h2>
      <p>{block.body}</p>
      <Link to={block.to}>Go</Link>
    </aside>
  );
}
