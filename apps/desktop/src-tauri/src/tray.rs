//! The tray icon: sync status and pending count, `Sync now`, the running timer with `Stop timer`,
//! `Show SelfTracker` and `Quit`. The front end reports its state (`desktop_status`); the menu's
//! actions reach it as events (`tray://sync-now`, `tray://stop-timer`).

use serde::{Deserialize, Serialize};
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
    /// Every item in menu order (separators left out), for `menu_state`.
    all: Vec<MenuItem<Wry>>,
}

/// One line of the tray menu as the user sees it.
#[derive(Serialize, Debug)]
pub struct MenuLine {
    pub id: String,
    pub text: String,
    pub enabled: bool,
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
        .on_menu_event(|app, event| {
            action(app, event.id.as_ref());
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    let all = vec![status.clone(), sync_now, timer.clone(), stop.clone(), show, quit];
    app.manage(TrayItems { status, timer, stop, all });
    Ok(())
}

/// What choosing the menu item `id` does; `false` for an unknown id. The menu and `desktop_tray_action` (the
/// end-to-end tests, which cannot click a native menu) share it.
pub fn action(app: &AppHandle, id: &str) -> bool {
    match id {
        "sync-now" => {
            let _ = app.emit("tray://sync-now", ());
        }
        "stop-timer" => {
            let _ = app.emit("tray://stop-timer", ());
        }
        "show" => crate::show_main_window(app),
        "quit" => app.exit(0),
        _ => return false,
    }
    true
}

/// The menu's lines as they stand (empty when there is no tray).
pub fn menu_state(app: &AppHandle) -> Vec<MenuLine> {
    let Some(items) = app.try_state::<TrayItems>() else { return Vec::new() };
    items
        .all
        .iter()
        .map(|item| MenuLine {
            id: item.id().as_ref().to_owned(),
            text: item.text().unwrap_or_default(),
            enabled: item.is_enabled().unwrap_or(false),
        })
        .collect()
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
