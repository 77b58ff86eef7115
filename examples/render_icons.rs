//! Renders the app icon's PNG sizes from its SVG source (`assets/icon/bouncedesk.svg`) into
//! `assets/icon/N.png` with resvg, and the Windows icon `bouncedesk.ico` (16–256) from them.
//! Run it after changing the SVG:
//! `cargo run --example render_icons`; tests/icon.rs fails while the PNGs are out of date.

use std::process::ExitCode;

/// The sizes the desktops ask for (freedesktop hicolor, Windows, macOS).
const SIZES: [u32; 8] = [16, 24, 32, 48, 64, 128, 256, 512];

/// The sizes a Windows .ico carries (256 is its largest).
const ICO_SIZES: [u32; 6] = [16, 24, 32, 48, 64, 256];

fn main() -> ExitCode {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/icon");
    let svg = match std::fs::read(format!("{folder}/bouncedesk.svg")) {
        Ok(svg) => svg,
        Err(error) => {
            eprintln!("render_icons: {folder}/bouncedesk.svg: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut ico = ico::IconDir::new(ico::ResourceType::Icon);
    for size in SIZES {
        let written = bouncedesk_icon::render(&svg, size).and_then(|png| {
            if ICO_SIZES.contains(&size) {
                let image = ico::IconImage::read_png(png.as_slice()).map_err(|e| e.to_string())?;
                ico.add_entry(ico::IconDirEntry::encode(&image).map_err(|e| e.to_string())?);
            }
            std::fs::write(format!("{folder}/{size}.png"), png).map_err(|e| e.to_string())
        });
        if let Err(error) = written {
            eprintln!("render_icons: {size}px: {error}");
            return ExitCode::FAILURE;
        }
    }
    let written =
        std::fs::File::create(format!("{folder}/bouncedesk.ico")).and_then(|file| ico.write(file));
    if let Err(error) = written {
        eprintln!("render_icons: bouncedesk.ico: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

#[path = "../tests/support/icon.rs"]
mod bouncedesk_icon;
