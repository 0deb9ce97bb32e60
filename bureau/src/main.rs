//! `koers-bureau`: the bureau's server and its administration commands.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use koers_bureau::auth::CodeKey;
use koers_bureau::client_addr::{ForwardedHeader, TrustedProxies};
use koers_bureau::coach_api::{self, NewEmployee};
use koers_bureau::storage::sqlite::SqliteStorage;
use koers_bureau::storage::{self, Storage};

// mimalloc instead of glibc's malloc: a sync session allocates and frees many small
// Automerge and JSON buffers on whichever of the many blocking threads runs it, and glibc's
// per-thread arenas spent 15-20 % of the bureau's CPU in malloc and free under load
// (docs/PERFORMANCE.md, "Run 5").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use koers_bureau::{demo, AppState, Security};
use koers_core::model::{LocalDate, TrajectoryKind};

#[derive(Parser)]
#[command(
    name = "koers-bureau",
    version,
    about = "De server van het bureau voor Koers"
)]
struct Cli {
    /// Where the database lives (created on first start).
    #[arg(
        long,
        global = true,
        env = "KOERS_DATA_DIR",
        default_value = "koers-data"
    )]
    data_dir: PathBuf,
    /// The TLS proxies or load balancers in front of the bureau (addresses or CIDR ranges,
    /// comma-separated): only their forwarded header is taken as the client's address.
    #[arg(long, global = true, env = "KOERS_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: String,
    /// The header those proxies set: x-forwarded-for or forwarded (RFC 7239).
    #[arg(
        long,
        global = true,
        env = "KOERS_FORWARDED_HEADER",
        value_enum,
        default_value_t = ForwardedHeader::XForwardedFor
    )]
    forwarded_header: ForwardedHeader,
    /// The enrolment-code key file of an earlier version (default: bureau-secret in the
    /// data dir, if there). The key lives in the database now, shared by every node; the
    /// first start after the upgrade stores this file's key there, so codes issued before
    /// keep working. Once the database has a key, the file is not needed any more.
    #[arg(long, global = true, env = "KOERS_SECRET_FILE")]
    secret_file: Option<PathBuf>,
    /// The database: a PostgreSQL URL (postgres://user:password@host:port/name, for several
    /// nodes over one database) or a SQLite file; default: bureau.db in the data directory.
    #[arg(long, global = true, env = "KOERS_DATABASE")]
    database: Option<String>,
    /// Log lines as text (default) or as JSON objects, one per line.
    #[arg(long, global = true, env = "KOERS_LOG_FORMAT", default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

impl Cli {
    /// What `--database` names, with the SQLite default filled in.
    fn database(&self) -> String {
        self.database.clone().unwrap_or_else(|| {
            self.data_dir
                .join("bureau.db")
                .to_string_lossy()
                .into_owned()
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync and coach API.
    Serve {
        #[arg(long, env = "KOERS_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Create a coach account (the first one with --admin).
    CreateCoach {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        admin: bool,
    },
    /// Create an employee's trajectory; prints the one-time enrolment code.
    CreateEmployee {
        /// The coach's e-mail address.
        #[arg(long)]
        coach: String,
        #[arg(long)]
        name: String,
        /// spoor2 or outplacement.
        #[arg(long)]
        kind: TrajectoryKind,
        #[arg(long)]
        first_sick_day: Option<LocalDate>,
        #[arg(long)]
        contract_end: Option<LocalDate>,
        #[arg(long)]
        weekly_target: Option<u32>,
    },
    /// Seed a demo caseload (coach demo@bureau.example) and serve.
    Demo {
        #[arg(long, env = "KOERS_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Copy the SQLite database to a new file while the bureau keeps serving (SQLite's
    /// online backup). For PostgreSQL use pg_dump (docs/OPERATIONS.md).
    Backup {
        /// The backup file to write (must not exist yet).
        to: PathBuf,
    },
    /// Replace the SQLite database with a backup (stop the bureau first). For PostgreSQL
    /// use pg_restore (docs/OPERATIONS.md).
    Restore {
        /// The backup file made by `backup`.
        from: PathBuf,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // The log goes to stderr (stdout is for what a command prints: the demo's password and
    // codes), as text with colours only when a person watches it on a terminal, or as JSON.
    match cli.log_format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_env_filter(filter)
            .init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_current_span(false)
            .with_writer(std::io::stderr)
            .with_env_filter(filter)
            .init(),
    }
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("koers-bureau: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let database = cli.database();
    if let Command::Restore { from } = &cli.command {
        if storage::is_postgres_url(&database) {
            return Err(
                "herstel een PostgreSQL-database met pg_restore (zie docs/OPERATIONS.md)".into(),
            );
        }
        SqliteStorage::restore(from, std::path::Path::new(&database))?;
        println!("Hersteld: {} uit {}", database, from.display());
        return Ok(());
    }
    if let Command::Backup { to } = &cli.command {
        if storage::is_postgres_url(&database) {
            return Err(
                "maak een back-up van PostgreSQL met pg_dump (zie docs/OPERATIONS.md)".into(),
            );
        }
        SqliteStorage::open(std::path::Path::new(&database))?.backup_to(to)?;
        println!("Back-up gemaakt: {}", to.display());
        return Ok(());
    }
    let storage: Arc<dyn Storage> = storage::open(&database)?;
    tracing::info!(storage = storage.kind(), "database open");
    // A key file is only read, never made: without one the database gets a random key.
    let key_file = cli
        .secret_file
        .clone()
        .unwrap_or_else(|| cli.data_dir.join("bureau-secret"));
    let security = Security {
        proxies: TrustedProxies::parse(&cli.trusted_proxies, cli.forwarded_header)?,
        code_key: CodeKey::shared(storage.as_ref(), Some(&key_file))?,
    };
    let state = AppState::with_security(storage, security);
    // Dossiers stored before the caseload had summaries (or with an older format) get
    // theirs once; until then the caseload computes a missing one itself.
    let filled = state.documents.fill_summaries()?;
    if filled > 0 {
        tracing::info!(dossiers = filled, "caseload summaries computed");
    }
    match cli.command {
        Command::Backup { .. } | Command::Restore { .. } => Ok(()),
        Command::Serve { listen } => serve(state, listen),
        Command::CreateCoach {
            email,
            name,
            password_stdin,
            admin,
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_string()
            } else {
                std::env::var("KOERS_COACH_PASSWORD").map_err(|_| {
                    "geef het wachtwoord met --password-stdin of in KOERS_COACH_PASSWORD"
                })?
            };
            let coach = coach_api::create_coach(&state, &email, &name, &password, admin)?;
            println!(
                "Coach aangemaakt: {} <{}> ({})",
                coach.name, coach.email, coach.id
            );
            Ok(())
        }
        Command::CreateEmployee {
            coach,
            name,
            kind,
            first_sick_day,
            contract_end,
            weekly_target,
        } => {
            let coach = state
                .storage
                .coach_by_email(&coach.trim().to_lowercase())?
                .ok_or("geen coach met dit e-mailadres")?;
            let created = coach_api::create_employee(
                &state,
                &coach.id,
                &NewEmployee {
                    name,
                    kind,
                    first_sick_day,
                    contract_end,
                    weekly_target,
                    bureau: None,
                },
            )?;
            println!("Werknemer: {}", created.employee_id);
            println!("Koppelcode: {}", created.enrolment_code);
            println!(
                "Geldig tot: {}",
                chrono::DateTime::from_timestamp_millis(created.code_expires_at)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default()
            );
            Ok(())
        }
        Command::Demo { listen } => {
            match demo::seed(&state)? {
                Some(seeded) => {
                    println!(
                        "Demo-coach: {} / wachtwoord: {}",
                        seeded.email, seeded.password
                    );
                    for (name, code) in &seeded.employees {
                        println!("  {name}: koppelcode {code}");
                    }
                }
                None => println!("De demo staat al klaar (coach {}).", demo::DEMO_EMAIL),
            }
            serve(state, listen)
        }
    }
}

/// Threads for blocking work (tokio's default is 512).
const MAX_BLOCKING_THREADS: usize = 64;

fn serve(state: AppState, listen: SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        // Sync sessions run on blocking threads (Automerge and the database); far more
        // of them than cores only adds switching and memory, while a session waits its
        // turn in the queue either way.
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        tracing::info!(%listen, "koers-bureau luistert");
        koers_bureau::serve(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })?;
    Ok(())
}
