//! `berth image inspect`: docker's JSON (the same structs the Engine API serves).
use crate::GlobalOpts;
use anyhow::{Context, Result};

pub fn inspect(global: &GlobalOpts, images: &[String]) -> Result<()> {
    let store = super::open_store(global)?;
    let mut out = Vec::new();
    for name in images {
        let img = store
            .resolve_image(name)
            .with_context(|| format!("inspecting {name}"))?;
        out.push(berth_store::inspect::inspect(&img));
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
