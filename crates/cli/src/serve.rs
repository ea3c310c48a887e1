use crate::config::StoreArgs;
use catalyst_app::platform::demo::DEMO_PASSWORD;
use catalyst_app::platform::web::{AppState, PublicOrigin, router_with_origin};
use clap::Args;
use std::process::ExitCode;
use std::time::Duration;

/// Enrolments checked for protocol deviations per tick.
const DEVIATION_SCAN_PAGE: i64 = 2_000;

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on.
    #[arg(long, env = "CATALYST_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Load the demo programme into an empty database and print the demo logins.
    #[arg(long)]
    demo: bool,
    /// The address people reach Catalyst at (scheme://host[:port]); forms and cookie requests
    /// from any other origin are refused. Default: http:// and the address it listens on.
    #[arg(long, env = "CATALYST_PUBLIC_ORIGIN")]
    public_origin: Option<String>,
    /// Mark the session cookie Secure (serve behind HTTPS).
    #[arg(long, env = "CATALYST_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Seconds between ledger checkpoints (verified heads recorded) and protocol-deviation scans.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    checkpoint_interval: u64,
    /// Log as JSON lines.
    #[arg(long)]
    log_json: bool,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    if args.log_json {
        tracing_subscriber::fmt().json().with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }

    let app = args.store.open().await?;
    if args.demo {
        load_demo(&app).await?;
    }

    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    let address = listener.local_addr()?;
    println!("Catalyst is running at http://{address}/  (database: {})", redact(&args.store.database_url()));
    if let Some(blobs) = app.store.blobs() {
        println!("Documents are kept in the {}", blobs.describe());
    }

    let checkpoints = {
        let app = app.clone();
        let every = Duration::from_secs(args.checkpoint_interval);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            // The deviation scan walks the enrolments a page per tick, so its cost per tick is
            // bounded however many participants there are.
            let mut cursor = String::new();
            loop {
                ticker.tick().await;
                match app.scan_deviations(&cursor, DEVIATION_SCAN_PAGE).await {
                    Ok((_, next)) => cursor = next.unwrap_or_default(),
                    Err(error) => tracing::error!(%error, "scanning for protocol deviations failed"),
                }
                if let Err(error) = app.checkpoint().await {
                    tracing::error!(%error, "recording verified ledger heads failed");
                }
            }
        })
    };

    let origin_text = args.public_origin.clone().unwrap_or_else(|| format!("http://{address}"));
    let origin = PublicOrigin::parse(&origin_text).map_err(|e| anyhow::anyhow!("--public-origin: {e}"))?;
    println!("Forms are accepted from {}", origin.as_str());
    let state = AppState { app: app.clone(), secure_cookies: args.secure_cookies };
    // With each peer's address, so that logins are also throttled per client address.
    let service = router_with_origin(state, origin).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await?;
    checkpoints.abort();
    app.checkpoint().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    app.store.close().await;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct DemoArgs {
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let app = args.store.open().await?;
    load_demo(&app).await?;
    app.store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn load_demo(app: &catalyst_app::App) -> anyhow::Result<()> {
    match app.seed_demo().await.map_err(|e| anyhow::anyhow!("{e}"))? {
        Some(logins) => {
            println!("Demo programme loaded. Every demo account's password is: {DEMO_PASSWORD}");
            for login in logins {
                let site = login.site.unwrap_or_else(|| "all sites".into());
                println!("  {:<20} {:<28} {}", login.username, login.role.label(), site);
            }
        }
        None => {
            println!("The database already holds data; the demo was not loaded again (demo password: {DEMO_PASSWORD}).")
        }
    }
    Ok(())
}

/// Hides a password in a database URL before printing it.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
