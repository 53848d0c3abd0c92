//! `tuoke import customers|contacts|activities FILE`: reads the file, lets
//! `App::import` check every row and write the import in one transaction,
//! shows the progress and writes the rejected rows to a file to fix.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use tuoke_app::App;
use tuoke_app::imports::{ImportKind, ImportOptions, ImportReport, Progress, Table, rejects_csv};

/// A mapping file: `[columns]` with `"header in the file" = "field"` lines
/// (an empty field ignores the column).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Mapping {
    #[serde(default)]
    columns: HashMap<String, String>,
}

pub struct CliOptions {
    pub mapping: Option<PathBuf>,
    pub skip_invalid: bool,
    pub rejects: Option<PathBuf>,
    pub as_user: String,
}

/// What the import did, and where the rejected rows went.
pub struct Outcome {
    pub report: ImportReport,
    pub rejects_file: Option<PathBuf>,
}

/// A progress bar per phase, with rows/s and the time left.
struct Bar(std::sync::Mutex<Option<ProgressBar>>);

impl Progress for Bar {
    fn phase(&self, name: &'static str, len: usize) {
        let bar = ProgressBar::new(len as u64).with_style(
            ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(name);
        if name == "writing" {
            // Said plainly too, for logs: nothing is written before this line.
            eprintln!("writing {len} records in one transaction");
        }
        if let Ok(mut current) = self.0.lock()
            && let Some(old) = current.replace(bar)
        {
            old.finish_and_clear();
        }
    }

    fn advance(&self, steps: usize) {
        if let Ok(current) = self.0.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.inc(steps as u64);
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Ok(mut current) = self.0.lock()
            && let Some(bar) = current.take()
        {
            bar.finish_and_clear();
        }
    }
}

/// Imports `file` as `kind`. All or nothing unless `skip_invalid`.
pub async fn import(
    app: &App,
    kind: ImportKind,
    file: &Path,
    opts: &CliOptions,
) -> Result<Outcome> {
    let actor = app
        .local_actor(&opts.as_user)
        .await
        .map_err(|e| anyhow::anyhow!("acting as `{}`: {e}", opts.as_user))?;
    let overrides = match &opts.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str::<Mapping>(&text)
                .with_context(|| format!("reading the mapping file {}", path.display()))?
                .columns
        }
        None => HashMap::new(),
    };
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let table =
        Table::read(&bytes, name).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let options = ImportOptions {
        overrides,
        skip_invalid: opts.skip_invalid,
    };
    let report = {
        let bar = Bar(std::sync::Mutex::new(None));
        app.import(&actor, kind, &table, &options, &bar)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
    };
    let mut rejects_file = None;
    if report.applied && !report.rejected.is_empty() {
        let out = opts.rejects.clone().unwrap_or_else(|| rejects_path(file));
        std::fs::write(&out, rejects_csv(&table, &report.rejected))
            .with_context(|| format!("writing {}", out.display()))?;
        rejects_file = Some(out);
    }
    Ok(Outcome {
        report,
        rejects_file,
    })
}

/// `customers.xlsx` → `customers.rejects.csv`, next to it.
fn rejects_path(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("import");
    file.with_file_name(format!("{stem}.rejects.csv"))
}
