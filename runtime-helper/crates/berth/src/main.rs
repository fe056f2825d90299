//! `berth`: the engine's command line (and, later, its daemon).
fn main() {
    println!("berth: not yet");
}
