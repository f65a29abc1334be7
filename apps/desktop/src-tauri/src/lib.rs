//! SelfTracker's desktop shell: the shared React front end in a webview, its SQLite file owned by
//! `tauri-plugin-sql` and served to the sync engine by `db` (one held connection per driver, a
//! transaction is a lease), a tray icon with the sync status, close-to-tray while work is
//! unfinished, one instance per data directory, the window's size and position remembered.

pub mod db;
mod tray;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, State, WebviewUrl, WebviewWindowBuilder, WindowEvent};
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_sql::DbInstances;

/// What the front end needs to know about this installation.
#[derive(Serialize, Clone)]
pub struct DesktopConfig {
    /// Where the databases live: `--data-dir` or `SELFTRACKER_DESKTOP_DATA_DIR`, else the app's data directory.
    data_dir: String,
    /// The `Server` field's default: `--server` or `SELFTRACKER_SERVER`, else `http://localhost:8787`.
    server: String,
    /// The database file name the front end opens (`sqlite:` + path) for a user.
    database_prefix: String,
    /// How long sync must fail before a notification says so: 10 minutes, or
    /// `SELFTRACKER_DESKTOP_NOTIFY_AFTER_MS` (the end-to-end test shortens it).
    notify_after_ms: u64,
}

/// A notification the app asked for, and whether the desktop's notification service took it.
#[derive(Serialize, Clone)]
struct Notice {
    title: String,
    body: String,
    error: Option<String>,
}

struct Desktop {
    config: DesktopConfig,
    /// Closing the window hides it instead while a timer runs or changes wait to sync.
    keep_running: AtomicBool,
    /// Every notification of this run, newest last (a handful at most: one per sync problem).
    notices: std::sync::Mutex<Vec<Notice>>,
}

/// The shell as the user sees it: the tray menu, whether the window shows, the notifications sent.
#[derive(Serialize)]
struct ShellState {
    tray: Vec<tray::MenuLine>,
    window_visible: bool,
    notices: Vec<Notice>,
}

#[tauri::command]
fn desktop_config(desktop: State<'_, Desktop>) -> DesktopConfig {
    desktop.config.clone()
}

/// Opens a driver's connection on the database that the SQL plugin has loaded under `db`.
#[tauri::command]
async fn db_open(
    db: String,
    instances: State<'_, DbInstances>,
    connections: State<'_, db::Connections>,
) -> Result<u64, db::WireError> {
    let pool = {
        let map = instances.0.read().await;
        let Some(tauri_plugin_sql::DbPool::Sqlite(pool)) = map.get(&db) else {
            return Err(db::WireError::closed_with(&format!("{db} is not loaded (Database.load it first)")));
        };
        pool.clone()
    };
    connections.open(&pool).await
}

#[tauri::command]
async fn db_request(
    handle: u64,
    request: db::Request,
    connections: State<'_, db::Connections>,
) -> Result<db::Response, ()> {
    Ok(connections.handle(handle, request).await)
}

/// The driver's caller is gone without closing (the contract's "vanish"): the same path as a reload.
#[tauri::command]
async fn db_abandon(handle: u64, connections: State<'_, db::Connections>) -> Result<(), ()> {
    connections.abandon(handle).await;
    Ok(())
}

/// `npm run bench:desktop`'s raw baseline (see `db::Connections::bench_raw_insert`).
#[tauri::command]
async fn db_bench_raw_insert(
    handle: u64,
    rows: u64,
    connections: State<'_, db::Connections>,
) -> Result<f64, db::WireError> {
    connections.bench_raw_insert(handle, rows).await
}

/// The front end's sync and timer state, shown in the tray and deciding what closing the window does.
#[tauri::command]
fn desktop_status(app: AppHandle, status: tray::TrayStatus, desktop: State<'_, Desktop>) {
    desktop.keep_running.store(status.timer.is_some() || status.pending > 0, Ordering::Relaxed);
    tray::update(&app, &status);
}

/// A native notification (sync failing for a long time).
#[tauri::command]
fn desktop_notify(app: AppHandle, title: String, body: String, desktop: State<'_, Desktop>) -> Result<(), String> {
    let shown = app.notification().builder().title(title.clone()).body(body.clone()).show().map_err(|e| e.to_string());
    if let Ok(mut notices) = desktop.notices.lock() {
        notices.push(Notice { title, body, error: shown.as_ref().err().cloned() });
    }
    shown
}

/// The tray menu's lines, the window's visibility and the notifications sent: what a user would see, for the
/// end-to-end tests (a native menu cannot be read through WebDriver).
#[tauri::command]
fn desktop_shell_state(app: AppHandle, desktop: State<'_, Desktop>) -> ShellState {
    let window_visible = app.get_webview_window("main").and_then(|w| w.is_visible().ok()).unwrap_or(false);
    let notices = desktop.notices.lock().map(|n| n.clone()).unwrap_or_default();
    ShellState { tray: tray::menu_state(&app), window_visible, notices }
}

/// Does what choosing the tray menu's item `id` does (`sync-now`, `stop-timer`, `show`, `quit`).
#[tauri::command]
fn desktop_tray_action(app: AppHandle, id: String) -> Result<(), String> {
    if tray::action(&app, &id) {
        Ok(())
    } else {
        Err(format!("no tray menu item {id:?}"))
    }
}

/// A setting from the command line (`--name value` or `--name=value`), else the environment variable.
fn setting(args: &[String], flag: &str, env: &str) -> Option<String> {
    let prefix = format!("{flag}=");
    let from_args = args.iter().enumerate().find_map(|(i, a)| {
        if a == flag {
            args.get(i + 1).cloned()
        } else {
            a.strip_prefix(&prefix).map(str::to_owned)
        }
    });
    from_args.or_else(|| std::env::var(env).ok()).filter(|v| !v.is_empty())
}

fn args() -> Vec<String> {
    std::env::args().skip(1).collect()
}

/// `--data-dir` / `SELFTRACKER_DESKTOP_DATA_DIR`, if set.
fn configured_data_dir() -> Option<String> {
    setting(&args(), "--data-dir", "SELFTRACKER_DESKTOP_DATA_DIR")
}

fn data_dir(app: &AppHandle) -> PathBuf {
    match configured_data_dir() {
        Some(dir) => PathBuf::from(dir),
        None => app.path().app_data_dir().unwrap_or_else(|_| PathBuf::from(".selftracker-desktop")),
    }
}

/// One instance per data directory: a second launch on the same data focuses the first; another data
/// directory (a second "device" in a test) is another instance.
fn instance_id() -> String {
    let base = "app.selftracker.desktop".to_owned();
    match configured_data_dir() {
        Some(dir) => {
            let hash = dir.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
            format!("{base}.d{hash:016x}")
        }
        None => base,
    }
}

/// The window's size and position, remembered in the data directory when one is configured (two "devices" in a
/// test keep their own), else in the app's config directory.
fn window_state() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let builder = tauri_plugin_window_state::Builder::default();
    match configured_data_dir() {
        // An absolute name: the plugin joins it to the config directory, which keeps it as it is.
        Some(dir) => builder.with_filename(PathBuf::from(dir).join("window-state.json").to_string_lossy()),
        None => builder,
    }
    .build()
}

pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

pub fn run() {
    tauri::Builder::default()
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id())
                .callback(|app, _argv, _cwd| show_main_window(app))
                .build(),
        )
        // Before the SQL plugin: on exit its pools close, which waits for every connection checked out of
        // them, and the drivers' connections are checked out until released here.
        .plugin(
            tauri::plugin::Builder::<tauri::Wry, ()>::new("selftracker-connections")
                .on_event(|app, event| {
                    if let tauri::RunEvent::Exit = event {
                        tauri::async_runtime::block_on(app.state::<db::Connections>().abandon_all());
                    }
                })
                .build(),
        )
        .plugin(tauri_plugin_sql::Builder::new().build())
        .plugin(window_state())
        .plugin(tauri_plugin_notification::init())
        .manage(db::Connections::default())
        .setup(|app| {
            let handle = app.handle().clone();
            let dir = data_dir(&handle);
            std::fs::create_dir_all(&dir)?;
            let server = setting(&args(), "--server", "SELFTRACKER_SERVER")
                .unwrap_or_else(|| "http://localhost:8787".to_owned());
            let notify_after_ms = std::env::var("SELFTRACKER_DESKTOP_NOTIFY_AFTER_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(10 * 60 * 1000);
            let config = DesktopConfig {
                data_dir: dir.to_string_lossy().into_owned(),
                server,
                database_prefix: format!("sqlite:{}", dir.to_string_lossy()),
                notify_after_ms,
            };
            app.manage(Desktop { config, keep_running: AtomicBool::new(false), notices: Default::default() });
            // The webview's storage (localStorage: who is signed in here, which server) lives in the data
            // directory too, so two data directories are two independent devices.
            WebviewWindowBuilder::new(app, "main", WebviewUrl::default())
                .title("SelfTracker")
                .inner_size(1100.0, 760.0)
                .min_inner_size(360.0, 480.0)
                .data_directory(dir.join("webview"))
                .build()?;
            if let Err(e) = tray::create(&handle) {
                eprintln!("selftracker: no tray icon ({e}); closing the window quits");
            }
            // Transactions whose caller went quiet are rolled back (the webview hung or forgot them).
            let expiring = handle.clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    expiring.state::<db::Connections>().expire(Instant::now()).await;
                }
            });
            Ok(())
        })
        .on_page_load(|webview, payload| {
            // A (re)load starts a new front end: every driver of the old one is gone.
            if payload.event() == PageLoadEvent::Started {
                let app = webview.app_handle().clone();
                tauri::async_runtime::block_on(app.state::<db::Connections>().abandon_all());
            }
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let app = window.app_handle();
                let keep = app.state::<Desktop>().keep_running.load(Ordering::Relaxed);
                if keep && tray::exists(app) {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            desktop_config,
            db_open,
            db_request,
            db_abandon,
            db_bench_raw_insert,
            desktop_status,
            desktop_notify,
            desktop_shell_state,
            desktop_tray_action
        ])
        .run(tauri::generate_context!())
        .expect("SelfTracker could not start");
}

#[cfg(test)]
mod tests {
    use super::setting;

    #[test]
    fn a_setting_comes_from_the_command_line_then_the_environment() {
        let args: Vec<String> = ["--data-dir", "/a", "--server=http://x:1", "--other"].map(String::from).to_vec();
        assert_eq!(setting(&args, "--data-dir", "SELFTRACKER_TEST_UNSET_1").as_deref(), Some("/a"));
        assert_eq!(setting(&args, "--server", "SELFTRACKER_TEST_UNSET_2").as_deref(), Some("http://x:1"));
        assert_eq!(setting(&args, "--missing", "SELFTRACKER_TEST_UNSET_3"), None);
        std::env::set_var("SELFTRACKER_TEST_SET_4", "from-env");
        assert_eq!(setting(&[], "--missing", "SELFTRACKER_TEST_SET_4").as_deref(), Some("from-env"));
        assert_eq!(setting(&["--data-dir=".into()], "--data-dir", "SELFTRACKER_TEST_UNSET_5"), None);
    }
}
