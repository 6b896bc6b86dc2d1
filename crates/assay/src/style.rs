//! Colour on a terminal: PASS in green, FAIL and errors in red, off when
//! the output is not a terminal, when `NO_COLOR` is set (no-color.org) or
//! when `TERM` is `dumb`.

use std::io::IsTerminal as _;
use std::sync::OnceLock;

/// Whether to colour text written to standard output.
fn stdout_colour() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| allowed() && std::io::stdout().is_terminal())
}

/// Whether to colour text written to standard error.
fn stderr_colour() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| allowed() && std::io::stderr().is_terminal())
}

fn allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// A verdict word for standard output: green when `good`, red when not.
pub fn verdict(text: &str, good: bool) -> String {
    paint(text, if good { "1;32" } else { "1;31" }, stdout_colour())
}

/// `error:` for standard error, in red on a terminal.
pub fn error_prefix() -> String {
    paint("error:", "1;31", stderr_colour())
}

/// `warning:` for standard error, in yellow on a terminal.
pub fn warning_prefix() -> String {
    paint("warning:", "1;33", stderr_colour())
}

/// `--json` of the command being run: its result as JSON on standard
/// output instead of the text (the same meaning on every command).
static JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Ask for JSON output instead of text.
pub fn set_json(on: bool) {
    JSON.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether the text for people is printed (not under `--json`).
pub fn text() -> bool {
    !JSON.load(std::sync::atomic::Ordering::Relaxed)
}

/// Under `--json`, print the command's result.
pub fn result(value: &serde_json::Value) -> anyhow::Result<()> {
    if !text() {
        println!("{}", serde_json::to_string_pretty(value)?);
    }
    Ok(())
}
