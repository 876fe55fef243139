//! Forms, never a value: `forms_started`, `forms_submitted`,
//! `forms_abandoned`, `field_corrections`, `time_to_submit_ms`.
//!
//! The shell reports an edit in a field as a form hash and a field hash (form
//! name + field name + input type); password, hidden and `data-iob-ignore`
//! fields are never reported. A form is *started* by its first edit,
//! *submitted* by its first submit event, and *abandoned* when the page view
//! ends (pagehide or route change) while it is started and not submitted.
//! A *correction* is a Backspace/Delete run inside a field, or an edit of a
//! field after the visitor had moved on to another one (the first
//! [`MAX_FIELDS`] distinct fields of the page view are remembered exactly, by
//! their 32-bit hash; later ones are not, so returns to them are not counted).
//! `time_to_submit_ms` is, for the first submitted form, the time from its
//! first edit to its submission.

use super::{clamp_u32, round_u32, Aggregator};
use crate::catalog::Features;
use crate::event::{Event, EventKind, KeyClass};

/// Most distinct forms followed per page view (O(1) memory).
pub(crate) const MAX_FORMS: usize = 8;
/// Most distinct fields remembered per page view, for returns to a field.
pub(crate) const MAX_FIELDS: usize = 64;
const MAX_COUNT: u32 = 10_000;

/// 32-bit FNV-1a of `bytes`.
fn fnv(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h: u32, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// (form hash, field hash) from what the shell read of a field,
/// `form name NUL field name NUL input type`: names and type only, never a
/// value. The field hash covers all three, the form hash the form name.
pub fn field_ids(text: &str) -> (u32, u32) {
    let form = text.split('\0').next().unwrap_or("");
    (fnv(form.as_bytes()), fnv(text.as_bytes()))
}

#[derive(Debug, Clone, Copy, Default)]
struct Form {
    hash: u32,
    started_at: f64,
    submitted: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Forms {
    forms: [Form; MAX_FORMS],
    n: usize,
    started: u32,
    submitted: u32,
    abandoned: u32,
    corrections: u32,
    time_to_submit: Option<f64>,
    /// Field being edited now, and the fields edited so far (their hashes).
    current_field: Option<u32>,
    edited: [u32; MAX_FIELDS],
    n_edited: usize,
    /// The last key inside a field was a delete.
    deleting: bool,
}

impl Default for Forms {
    fn default() -> Self {
        Forms {
            forms: [Form::default(); MAX_FORMS],
            n: 0,
            started: 0,
            submitted: 0,
            abandoned: 0,
            corrections: 0,
            time_to_submit: None,
            current_field: None,
            edited: [0; MAX_FIELDS],
            n_edited: 0,
            deleting: false,
        }
    }
}

impl Forms {
    /// Remembers `field` as edited; `true` when it had been edited before.
    fn edited_before(&mut self, field: u32) -> bool {
        let known = self.edited.get(..self.n_edited).unwrap_or(&[]);
        if known.contains(&field) {
            return true;
        }
        if let Some(slot) = self.edited.get_mut(self.n_edited) {
            *slot = field;
            self.n_edited += 1;
        }
        false
    }

    /// The forms started so far.
    fn started_forms(&self) -> &[Form] {
        self.forms.get(..self.n).unwrap_or(&[])
    }

    fn find(&self, hash: u32) -> Option<usize> {
        self.started_forms().iter().position(|f| f.hash == hash)
    }

    /// `forms_abandoned` so far.
    pub(crate) fn abandoned(&self) -> u32 {
        self.abandoned
    }

    /// Started forms that are not submitted.
    fn open(&self) -> u32 {
        self.started_forms().iter().filter(|f| !f.submitted).count() as u32
    }
}

impl Aggregator for Forms {
    fn on_event(&mut self, ev: &Event) {
        match ev.kind {
            EventKind::FieldInput { form, field, .. } => {
                if self.find(form).is_none() {
                    if let Some(slot) = self.forms.get_mut(self.n) {
                        *slot = Form {
                            hash: form,
                            started_at: ev.t,
                            submitted: false,
                        };
                        self.n += 1;
                        self.started = self.started.saturating_add(1);
                    }
                }
                if self.current_field != Some(field) {
                    if self.edited_before(field) {
                        self.corrections = self.corrections.saturating_add(1);
                    }
                    self.current_field = Some(field);
                }
            }
            EventKind::Key {
                class, field: true, ..
            } => {
                let delete = class == KeyClass::Delete;
                if delete && !self.deleting {
                    self.corrections = self.corrections.saturating_add(1);
                }
                self.deleting = delete;
            }
            EventKind::FormSubmit { form } => {
                if let Some(f) = self.find(form).and_then(|i| self.forms.get_mut(i)) {
                    if !f.submitted {
                        f.submitted = true;
                        self.submitted = self.submitted.saturating_add(1);
                        if self.time_to_submit.is_none() {
                            self.time_to_submit = Some(ev.t - f.started_at);
                        }
                    }
                }
            }
            EventKind::PageEnd => self.abandoned = self.abandoned.max(self.open()),
            _ => {}
        }
    }

    fn write(&self, _now: f64, out: &mut Features) {
        out.forms_started = clamp_u32(self.started, MAX_COUNT);
        out.forms_submitted = clamp_u32(self.submitted, MAX_COUNT);
        out.forms_abandoned = clamp_u32(self.abandoned, MAX_COUNT);
        out.field_corrections = clamp_u32(self.corrections, MAX_COUNT);
        out.time_to_submit_ms = self
            .time_to_submit
            .map_or(0, |t| round_u32(t).min(crate::catalog::DAY_MS));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(f: &mut Forms, t: f64, kind: EventKind) {
        f.on_event(&Event { t, kind });
    }

    fn snap(f: &Forms) -> Features {
        let mut out = Features::default();
        f.write(0.0, &mut out);
        out
    }

    #[test]
    fn submitted_form_is_not_abandoned() {
        let mut f = Forms::default();
        feed(
            &mut f,
            1000.0,
            EventKind::FieldInput {
                form: 7,
                field: 1,
                trusted: true,
            },
        );
        feed(
            &mut f,
            1500.0,
            EventKind::FieldInput {
                form: 7,
                field: 2,
                trusted: true,
            },
        );
        feed(&mut f, 4000.0, EventKind::FormSubmit { form: 7 });
        feed(&mut f, 9000.0, EventKind::PageEnd);
        let s = snap(&f);
        assert_eq!(
            (
                s.forms_started,
                s.forms_submitted,
                s.forms_abandoned,
                s.time_to_submit_ms
            ),
            (1, 1, 0, 3000)
        );
    }

    #[test]
    fn started_form_is_abandoned_only_when_the_page_ends() {
        let mut f = Forms::default();
        feed(
            &mut f,
            1000.0,
            EventKind::FieldInput {
                form: 7,
                field: 1,
                trusted: true,
            },
        );
        feed(
            &mut f,
            1100.0,
            EventKind::FieldInput {
                form: 9,
                field: 3,
                trusted: true,
            },
        );
        feed(&mut f, 1200.0, EventKind::FormSubmit { form: 9 });
        assert_eq!(snap(&f).forms_abandoned, 0, "still open");
        feed(&mut f, 5000.0, EventKind::PageEnd);
        let s = snap(&f);
        assert_eq!(
            (s.forms_started, s.forms_submitted, s.forms_abandoned),
            (2, 1, 1)
        );
        // A submit without a start (no edit) is not counted.
        feed(&mut f, 6000.0, EventKind::FormSubmit { form: 11 });
        assert_eq!(snap(&f).forms_submitted, 1);
    }

    #[test]
    fn corrections_are_delete_runs_and_returns_to_an_edited_field() {
        let mut f = Forms::default();
        let key = |class| EventKind::Key {
            class,
            trusted: true,
            field: true,
        };
        feed(
            &mut f,
            0.0,
            EventKind::FieldInput {
                form: 1,
                field: 10,
                trusted: true,
            },
        );
        feed(&mut f, 1.0, key(KeyClass::Delete));
        feed(&mut f, 2.0, key(KeyClass::Delete));
        feed(&mut f, 3.0, key(KeyClass::Char));
        feed(
            &mut f,
            4.0,
            EventKind::FieldInput {
                form: 1,
                field: 11,
                trusted: true,
            },
        );
        feed(
            &mut f,
            5.0,
            EventKind::FieldInput {
                form: 1,
                field: 10,
                trusted: true,
            },
        );
        assert_eq!(snap(&f).field_corrections, 2);
    }

    /// Ten-field forms as real sites have them, each filled once, field
    /// after field: no correction. (With the former 64-bucket set, all three
    /// reported one: two of their field hashes shared a bucket.)
    #[test]
    fn ordinary_forms_filled_once_have_no_correction() {
        let forms: [(&str, [&str; 10]); 3] = [
            (
                "checkout",
                [
                    "name\0text",
                    "email\0email",
                    "phone\0tel",
                    "street\0text",
                    "city\0text",
                    "zip\0text",
                    "country\0SELECT",
                    "card\0text",
                    "expiry\0text",
                    "cvc\0text",
                ],
            ),
            (
                "signup",
                [
                    "first_name\0text",
                    "last_name\0text",
                    "email\0email",
                    "username\0text",
                    "birthday\0date",
                    "gender\0SELECT",
                    "company\0text",
                    "website\0url",
                    "bio\0TEXTAREA",
                    "terms\0checkbox",
                ],
            ),
            (
                "contact",
                [
                    "name\0text",
                    "email\0email",
                    "phone\0tel",
                    "company\0text",
                    "subject\0text",
                    "topic\0SELECT",
                    "budget\0number",
                    "date\0date",
                    "message\0TEXTAREA",
                    "newsletter\0checkbox",
                ],
            ),
        ];
        for (name, fields) in forms {
            let mut f = Forms::default();
            for (i, field) in fields.iter().enumerate() {
                let (form, field) = field_ids(&format!("{name}\0{field}"));
                for k in 0..3 {
                    let t = (i * 10 + k) as f64;
                    feed(
                        &mut f,
                        t,
                        EventKind::FieldInput {
                            form,
                            field,
                            trusted: true,
                        },
                    );
                }
            }
            assert_eq!(snap(&f).field_corrections, 0, "form {name}");
        }
    }

    #[test]
    fn returns_to_fields_beyond_the_remembered_ones_are_not_counted() {
        let mut f = Forms::default();
        for field in 0..(MAX_FIELDS as u32 + 2) {
            feed(
                &mut f,
                0.0,
                EventKind::FieldInput {
                    form: 1,
                    field,
                    trusted: true,
                },
            );
        }
        feed(
            &mut f,
            1.0,
            EventKind::FieldInput {
                form: 1,
                field: 0,
                trusted: true,
            },
        );
        feed(
            &mut f,
            2.0,
            EventKind::FieldInput {
                form: 1,
                field: MAX_FIELDS as u32 + 1,
                trusted: true,
            },
        );
        assert_eq!(
            snap(&f).field_corrections,
            1,
            "field 0 is remembered, the 66th is not"
        );
    }
}
