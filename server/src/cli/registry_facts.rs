//! `check --registry`: what the registry says of each file's base images, for the rules that use it.

use std::collections::HashSet;
use std::io::{self, Write};

use futures::future::join_all;

use crate::analysis::model::FileModel;
use crate::analysis::settings::{Context, Settings};
use crate::registry::{Lookup, Registry, RegistryError, RegistrySettings};
use crate::syntax::{self, Dockerfile, FileKind};

/// A registry client and the runtime its lookups run on, for one `check` run.
#[derive(Debug)]
pub(super) struct RegistryFacts {
    runtime: tokio::runtime::Runtime,
    registry: Registry,
    /// References whose failure was already told.
    told: HashSet<String>,
}

impl RegistryFacts {
    pub fn new(settings: &Settings) -> Result<RegistryFacts, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        let registry = Registry::new(RegistrySettings::from_options(&settings.registry))
            .map_err(|e| e.to_string())?;
        Ok(RegistryFacts {
            runtime,
            registry,
            told: HashSet::new(),
        })
    }

    /// Looks up the base images of a Dockerfile and puts what the registry said into
    /// the context. Failures that say nothing about the image (timeouts, rate limits)
    /// are told on `err` once per reference and leave the rules without data.
    pub fn fill(
        &mut self,
        text: &str,
        context: &mut Context,
        err: &mut dyn Write,
    ) -> io::Result<()> {
        let Ok(tree) = syntax::parse(FileKind::Dockerfile, text, None) else {
            return Ok(());
        };
        let file = Dockerfile::new(&tree, text);
        let references = FileModel::new(&file).base_images();
        if references.is_empty() {
            return Ok(());
        }
        let registry = &self.registry;
        self.runtime
            .block_on(join_all(references.iter().map(|r| registry.lookup(r))));
        for reference in &references {
            if let Lookup::Failed(error) = self.registry.peek(reference)
                && !matches!(error, RegistryError::NotFound { missing: true, .. })
                && self.told.insert(reference.clone())
            {
                writeln!(err, "registry: {reference}: {error}")?;
            }
        }
        context.images = std::sync::Arc::new(self.registry.facts(&references));
        context.target_platform = Some(self.registry.settings().platform.to_string());
        Ok(())
    }
}
