//! Privacy transforms applied before anything leaves the device.

pub mod ua;
pub mod url;
