//! `shipcast watch`: re-run a scenario on every save and serve its report, with live reload.
//!
//! The file is polled (its length and modification time) a few times a second; each change is
//! simulated and rendered on this thread (charts are drawn on the main thread, as everywhere),
//! and a small HTTP server on another thread serves the newest page. The page asks `/version`
//! twice a second and reloads itself when it moved. A scenario with problems serves its
//! diagnostics instead, and the next good save brings the report back. Loopback only by default.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::{EXIT_OK, Failure, SimArgs};
use crate::pipeline::{self, RunSpec};

#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    /// The scenario file (TOML) to watch.
    pub file: PathBuf,
    /// Watch this variant of the scenario instead of its base plan.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub import: super::import::ImportArgs,
    /// The address to serve on. The default serves this machine only; any other exposes the
    /// report to the network.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: IpAddr,
    /// The port to serve on (0: any free port; the address is printed on stderr).
    #[arg(long, default_value_t = 8421)]
    pub port: u16,
    /// Stop after this many seconds [default: run until interrupted].
    #[arg(long, value_name = "SECONDS")]
    pub stop_after: Option<u64>,
}

/// The page being served and its version.
struct Page {
    version: u64,
    html: String,
}

/// What identifies a save: the file's length, modification time and a hash of its bytes (two
/// saves within a clock tick still differ).
fn stamp(file: &Path) -> Option<(u64, SystemTime, u64)> {
    let m = std::fs::metadata(file).ok()?;
    let bytes = std::fs::read(file).ok()?;
    let hash = crate::model::key::stream_key(&String::from_utf8_lossy(&bytes));
    Some((m.len(), m.modified().ok()?, hash))
}

/// The report page of the file as it is now, or a page with what is wrong with it.
fn build(args: &WatchArgs) -> String {
    let shown = args.file.display().to_string();
    let made = (|| -> Result<String, Failure> {
        let plans = super::load_all(&args.file, &args.import)?;
        super::warn(&shown, &plans);
        let plan = pipeline::select(plans, &shown, args.variant.as_deref())?;
        let spec = RunSpec {
            details: true,
            ..args.sim.spec()
        };
        let forecast = pipeline::forecast(plan, &spec, None, &pipeline::Quiet)?;
        let input = crate::report::Input::of(&forecast, &shown);
        let f = input
            .forecast()
            .ok_or_else(|| Failure::error("the run computed no details", None))?;
        crate::report::html::page(&f)
            .map_err(|e| Failure::error(format!("cannot draw the report: {e}"), None))
    })();
    match made {
        Ok(html) => html,
        Err(f) => crate::report::html::problem_page(&shown, &f.message),
    }
}

pub fn watch(args: &WatchArgs) -> Result<i32, Failure> {
    let server = tiny_http::Server::http((args.bind, args.port)).map_err(|e| {
        Failure::error(
            format!("cannot serve on {}:{}: {e}", args.bind, args.port),
            Some("pick another --port, or 0 for any free one"),
        )
    })?;
    let address = server
        .server_addr()
        .to_ip()
        .map_or_else(|| format!("{}:{}", args.bind, args.port), |a| a.to_string());
    let page = Arc::new(Mutex::new(Page {
        version: 0,
        html: String::new(),
    }));
    let served = Arc::clone(&page);
    let server = Arc::new(server);
    let listener = Arc::clone(&server);
    std::thread::spawn(move || {
        for request in listener.incoming_requests() {
            let (body, kind) = {
                let p = served.lock().unwrap_or_else(|e| e.into_inner());
                match request.url() {
                    "/" | "/index.html" => (
                        crate::report::html::live(&p.html, p.version),
                        "text/html; charset=utf-8",
                    ),
                    "/version" => (p.version.to_string(), "text/plain"),
                    _ => (String::new(), ""),
                }
            };
            let response = if kind.is_empty() {
                tiny_http::Response::from_string("not found").with_status_code(404)
            } else {
                let header =
                    tiny_http::Header::from_bytes("Content-Type", kind).expect("a valid header"); // `kind` is one of our constants
                tiny_http::Response::from_string(body).with_header(header)
            };
            // A client that went away is no concern of the watcher.
            let _ = request.respond(response);
        }
    });
    sayln!(
        "watching {}: http://{address}/ (Ctrl-C to stop)",
        args.file.display()
    );
    let started = Instant::now();
    let mut last = None;
    loop {
        let now = stamp(&args.file);
        if now != last || last.is_none() {
            last = now;
            let html = build(args);
            let mut p = page.lock().unwrap_or_else(|e| e.into_inner());
            p.version += 1;
            p.html = html;
            sayln!("updated ({})", p.version);
        }
        if args
            .stop_after
            .is_some_and(|s| started.elapsed() >= Duration::from_secs(s))
        {
            server.unblock();
            return Ok(EXIT_OK);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
