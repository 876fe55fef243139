//! Core events: what the browser shell translates DOM events into.
//! Times are milliseconds on the page's monotonic clock (`performance.now()`).

/// One input to the page-view engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Milliseconds since the time origin of the page.
    pub t: f64,
    pub kind: EventKind,
}

/// How a key press is classified. The key value itself is never kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyClass {
    /// A printable character.
    Char,
    /// Backspace or Delete.
    Delete,
    /// Arrows, Tab, Home/End, Page Up/Down, Escape.
    Navigation,
    /// Enter.
    Enter,
}

/// What happened. Coordinates are CSS pixels in the viewport. `trusted` is
/// the DOM event's `isTrusted` (false when dispatched by script).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventKind {
    PointerMove {
        x: f32,
        y: f32,
        trusted: bool,
    },
    /// `link`: the target is inside a link or a form control, whose native
    /// action answers the click (never a dead click). `keyboard`: activated
    /// from the keyboard (`detail` 0: Enter or Space on a button), so no
    /// pointer path is expected before it.
    Click {
        x: f32,
        y: f32,
        trusted: bool,
        link: bool,
        keyboard: bool,
    },
    /// A key press (auto-repeats excluded). `field`: inside a form field.
    Key {
        class: KeyClass,
        trusted: bool,
        field: bool,
    },
    /// A trusted `wheel` (the shell drops those dispatched by script).
    Wheel,
    /// A trusted `touchstart` (the shell drops those dispatched by script).
    Touch,
    /// A scroll position reading, taken at most once per animation frame.
    Scroll {
        scroll_y: f32,
        viewport_h: f32,
        doc_h: f32,
    },
    /// `visibilitychange`: `true` when the document became visible.
    Visibility(bool),
    /// Window `focus` (`true`) or `blur` (`false`).
    Focus(bool),
    /// The DOM changed (a `MutationObserver` callback, coalesced).
    Mutation,
    /// The text selection changed (`selectionchange`).
    Selection,
    /// A pointer button went down (`pointerdown`): a press changes the text
    /// selection as it starts, before its click comes with the release.
    Press,
    /// An uncaught error (`error` or `unhandledrejection` on window).
    Error,
    /// An edit in a form field. `form`: hash of the form's name; `field`:
    /// hash of form name + field name + input type. Never a value.
    FieldInput {
        form: u32,
        field: u32,
        trusted: bool,
    },
    /// A form was submitted (`form`: hash of its name).
    FormSubmit {
        form: u32,
    },
    /// The page view ends (`pagehide`, or an SPA route change).
    PageEnd,
    /// `pagehide` into the back/forward cache (`persisted`): the page may be
    /// shown again and its page view continue, so it has not ended.
    PageFrozen,
    /// A navigation of the page started (the Navigation API's `navigate`).
    NavigationStart,
    /// A `largest-contentful-paint` entry: its start time, ms.
    Lcp(f32),
    /// The `first-contentful-paint` entry: its start time, ms.
    Fcp(f32),
    /// What the performance timeline says of the document's load, read once
    /// at start-up: `activation_start` (ms, > 0 for a prerendered page), when
    /// the document was first hidden before the shell started watching (ms;
    /// 0 when it loaded hidden, infinite when it never was), and whether it
    /// was reached by a back/forward navigation.
    PageTimes {
        activation_start: f32,
        first_hidden: f32,
        back_forward: bool,
    },
    /// A `layout-shift` entry without recent input: value, and start time (ms).
    LayoutShift {
        value: f32,
        at: f32,
    },
    /// An `event` timing entry of at least 40 ms with an interaction id, or
    /// the `first-input` entry: id, duration (ms) and start time (ms, the
    /// page clock: when the input happened, not when the entry arrived).
    Interaction {
        id: u32,
        duration: f32,
        start: f32,
    },
    /// Interactions of the document so far (`performance.interactionCount`,
    /// or web-vitals' estimate from interaction ids where it is missing).
    InteractionCount(f32),
    /// A `longtask` entry.
    LongTask,
    /// `track(name, props)`: a custom conversion (only counted).
    Conversion,
}

impl EventKind {
    /// `true` for the trusted user inputs that keep a page view active (a
    /// scroll reading counts only when the position moved: see engagement).
    pub fn is_user_input(&self) -> bool {
        match *self {
            EventKind::PointerMove { trusted, .. }
            | EventKind::Click { trusted, .. }
            | EventKind::Key { trusted, .. }
            | EventKind::FieldInput { trusted, .. } => trusted,
            EventKind::Wheel | EventKind::Touch | EventKind::Scroll { .. } => true,
            _ => false,
        }
    }
}

#[cfg(test)]
impl Event {
    /// A trusted pointer click at page-clock time `t` (ms), at (1, 1), not on
    /// a link: the plain activity the tracker tests feed.
    pub(crate) fn click_at(t: f64) -> Event {
        Event {
            t,
            kind: EventKind::Click {
                x: 1.0,
                y: 1.0,
                trusted: true,
                link: false,
                keyboard: false,
            },
        }
    }
}
