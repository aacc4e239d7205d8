//! Registry lookups of base images: the client, its cache, and the reports hover and `image` show.

mod auth;
mod cache;
mod client;
mod error;
mod flight;
pub mod links;
mod manifest;
pub mod model;
pub mod report;
mod resolve;
mod service;
pub mod settings;

pub use error::RegistryError;
pub use model::{ImageInfo, ImageReport, Layer, Platform, PlatformImage, Variant};
pub use service::{Lookup, Registry};
pub use settings::RegistrySettings;
