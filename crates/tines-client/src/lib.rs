//! The one crate that speaks HTTP to Tines.
