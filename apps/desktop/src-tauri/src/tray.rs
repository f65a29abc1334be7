//! The tray icon: sync status and pending count, `Sync now`, the running timer with `Stop timer`,
//! `Show SelfTracker` and `Quit`. The front end reports its state (`desktop_status`); the menu's
//! actions reach it as events (`tray://sync-now`, `tray://stop-timer`).

use serde::Deserialize;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Wry};

#[derive(Deserialize, Debug)]
pub struct TrayStatus {
    /// The sync status in words, e.g. `Synced`, `Offline`, `Sync failing`.
    pub sync: String,
    pub pending: u64,
    /// The running timer's description and elapsed time, e.g. `Write report — 0:12`.
    pub timer: Option<String>,
}

struct TrayItems {
    status: MenuItem<Wry>,
    timer: MenuItem<Wry>,
    stop: MenuItem<Wry>,
}

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", "Sync: starting…", false, None::<&str>)?;
    let sync_now = MenuItem::with_id(app, "sync-now", "Sync now", true, None::<&str>)?;
    let timer = MenuItem::with_id(app, "timer", "No timer running", false, None::<&str>)?;
    let stop = MenuItem::with_id(app, "stop-timer", "Stop timer", false, None::<&str>)?;
    let show = MenuItem::with_id(app, "show", "Show SelfTracker", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &sync_now,
            &PredefinedMenuItem::separator(app)?,
            &timer,
            &stop,
            &PredefinedMenuItem::separator(app)?,
            &show,
            &quit,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("SelfTracker")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "sync-now" => {
                let _ = app.emit("tray://sync-now", ());
            }
            "stop-timer" => {
                let _ = app.emit("tray://stop-timer", ());
            }
            "show" => crate::show_main_window(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    app.manage(TrayItems { status, timer, stop });
    Ok(())
}

pub fn exists(app: &AppHandle) -> bool {
    app.try_state::<TrayItems>().is_some()
}

/// The menu's first line: the status, and how many changes wait when any do.
pub fn status_line(status: &TrayStatus) -> String {
    match status.pending {
        0 => format!("Sync: {}", status.sync),
        1 => format!("Sync: {} · 1 change pending", status.sync),
        n => format!("Sync: {} · {n} changes pending", status.sync),
    }
}

pub fn update(app: &AppHandle, status: &TrayStatus) {
    let Some(items) = app.try_state::<TrayItems>() else { return };
    let _ = items.status.set_text(status_line(status));
    let _ = items.timer.set_text(status.timer.as_deref().map_or("No timer running".to_owned(), |t| format!("Timer: {t}")));
    let _ = items.stop.set_enabled(status.timer.is_some());
    if let Some(tray) = app.tray_by_id("main") {
        let _ = tray.set_tooltip(Some(format!("SelfTracker — {}", status_line(status))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_counts_pending_changes() {
        let s = |pending| TrayStatus { sync: "Offline".into(), pending, timer: None };
        assert_eq!(status_line(&s(0)), "Sync: Offline");
        assert_eq!(status_line(&s(1)), "Sync: Offline · 1 change pending");
        assert_eq!(status_line(&s(12)), "Sync: Offline · 12 changes pending");
    }
}
