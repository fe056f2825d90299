//! `unpack LAYER DEST`: extracts one layer tar (plain, gzip or zstd) into the empty
//! directory DEST and prints its diffID. For bench/unpack.sh, side by side with GNU tar.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: unpack LAYER DEST");
        std::process::exit(2);
    }
    let run = || -> Result<String, Box<dyn std::error::Error>> {
        let f = std::fs::File::open(&args[1])?;
        let u = berth_layer::unpack(f, std::path::Path::new(&args[2]), &Default::default())?;
        Ok(u.diff_id)
    };
    match run() {
        Ok(d) => println!("{d}"),
        Err(e) => {
            eprintln!("unpack: {e}");
            std::process::exit(1);
        }
    }
}
