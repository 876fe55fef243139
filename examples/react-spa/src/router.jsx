// A minimal history-API router: pushState on navigation, popstate for
// back/forward. Real apps use react-router or similar; the SDK sees the
// same history calls either way.
import { useSyncExternalStore } from 'react';

const base = import.meta.env.BASE_URL.replace(/\/$/, '');
const NAVIGATE = 'app:navigate';

function subscribe(cb) {
  window.addEventListener('popstate', cb);
  window.addEventListener(NAVIGATE, cb);
  return () => {
    window.removeEventListener('popstate', cb);
    window.removeEventListener(NAVIGATE, cb);
  };
}

/** The current route, relative to the app's base path ("/", "/pricing", ...). */
export function useRoute() {
  return useSyncExternalStore(subscribe, () => location.pathname.slice(base.length) || '/');
}

export function navigate(to) {
  history.pushState(null, '', base + to);
  window.dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

export function Link({ to, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={base + to} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
