//! indicatif progress bars for pulls and pushes, one per blob.
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::sync::Mutex;

pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    pub fn new(quiet: bool) -> Bars {
        let multi = if quiet {
            MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
        } else {
            MultiProgress::new()
        };
        Bars {
            multi,
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn bar(&self, id: &str, total: u64) -> ProgressBar {
        let mut bars = self.bars.lock().expect("poisoned");
        bars.entry(id.to_string())
            .or_insert_with(|| {
                let b = self.multi.add(ProgressBar::new(total));
                b.set_style(
                    ProgressStyle::with_template(
                        "{prefix}: {msg:<16} [{bar:30}] {bytes}/{total_bytes}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                b.set_prefix(id.to_string());
                b
            })
            .clone()
    }

    pub fn clear(&self) {
        let _ = self.multi.clear();
    }
}

impl berth_image::Progress for Bars {
    fn start(&self, id: &str, total: u64) {
        let b = self.bar(id, total);
        b.set_length(total);
        b.set_message("Downloading");
    }

    fn advance(&self, id: &str, bytes: u64) {
        self.bar(id, 0).inc(bytes);
    }

    fn finish(&self, id: &str, status: &str) {
        let b = self.bar(id, 0);
        b.set_message(status.to_string());
        if status != "Extracting" {
            b.finish();
        }
    }
}
