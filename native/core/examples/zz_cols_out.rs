use otap_core::{Encoder, EncoderOptions};
use std::io::Write;
fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.remove(0);
    let mut enc = Encoder::new(EncoderOptions { zstd_level: Some(3), ..EncoderOptions::default() });
    let mut buf = Vec::new();
    for p in &args { let f = std::fs::read(p).unwrap(); let bar = enc.encode_columns(&f).unwrap(); buf.extend_from_slice(&(bar.len() as u32).to_le_bytes()); buf.extend_from_slice(&bar); }
    std::fs::File::create(out).unwrap().write_all(&buf).unwrap();
}
