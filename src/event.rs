//! Core events: what the browser shell translates DOM events into.
//! Times are milliseconds on the page's monotonic clock (`performance.now()`).

/// One input to the page-view engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Milliseconds since the time origin of the page.
    pub t: f64,
    pub kind: EventKind,
}

/// What happened. Coordinates are CSS pixels in the viewport.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventKind {
    PointerMove { x: f32, y: f32 },
    Click { x: f32, y: f32, trusted: bool },
    Key,
    Wheel,
    Touch,
    /// A scroll position reading, taken at most once per animation frame.
    Scroll { scroll_y: f32, viewport_h: f32, doc_h: f32 },
    /// `visibilitychange`: `true` when the document became visible.
    Visibility(bool),
    /// Window `focus` (`true`) or `blur` (`false`).
    Focus(bool),
}

impl EventKind {
    /// `true` for the user inputs that keep a page view active.
    pub fn is_user_input(&self) -> bool {
        matches!(
            self,
            EventKind::PointerMove { .. } | EventKind::Click { .. } | EventKind::Key | EventKind::Wheel | EventKind::Touch | EventKind::Scroll { .. }
        )
    }
}
