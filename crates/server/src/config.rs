//! `govshare serve`'s settings: flags and environment variables (parsed by the CLI) over an optional TOML file
//! over the defaults. The file names every setting once, so an operator keeps one reviewed file per
//! deployment; an unknown key or a wrong type is refused with its line, never ignored.
//!
//! ```toml
//! addr = "127.0.0.1:8080"
//! db = "postgres://govshare@db.internal/govshare"   # or a SQLite file
//! log_format = "json"                                # or "text"
//! categories = "/etc/govshare/categories.json"       # 第十二条 category assignments
//!
//! [limits]
//! body_bytes = 65536          # larger request bodies are 413
//! read_wait_ms = 5000         # a query's wait for min_position
//! request_timeout_ms = 30000  # past it 503 `timeout`
//! rate_per_second = 50        # per token (or client address); 0 disables
//! rate_burst = 100
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::{RateLimit, ServerConfig};

/// Why a settings file was not taken.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("无法读取配置文件 cannot read the settings file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML of this shape (the message names the line and the key).
    #[error("配置文件无效 invalid settings file {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, where.
        message: String,
    },
    /// A value is out of its range.
    #[error("配置无效 invalid setting {key}: {message}")]
    Range {
        /// The key, e.g. `limits.rate_burst`.
        key: &'static str,
        /// Why.
        message: &'static str,
    },
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The settings file, as written (every key optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    /// The address to listen on.
    pub addr: Option<SocketAddr>,
    /// A SQLite file or a postgres:// URL.
    pub db: Option<String>,
    /// `text` or `json`.
    pub log_format: Option<LogFormat>,
    /// The 第十二条 category assignments file.
    pub categories: Option<PathBuf>,
    /// The request limits.
    #[serde(default)]
    pub limits: Limits,
}

/// The `[limits]` table, and the matching flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest request body, bytes.
    pub body_bytes: Option<usize>,
    /// A query's wait for `min_position`, milliseconds.
    pub read_wait_ms: Option<u64>,
    /// Every request's deadline, milliseconds.
    pub request_timeout_ms: Option<u64>,
    /// Sustained requests per second per token or client address; 0 disables the limit.
    pub rate_per_second: Option<u32>,
    /// The bucket's size.
    pub rate_burst: Option<u32>,
}

impl Limits {
    /// `self`'s values where set, else `fallback`'s.
    pub fn or(self, fallback: Limits) -> Limits {
        Limits {
            body_bytes: self.body_bytes.or(fallback.body_bytes),
            read_wait_ms: self.read_wait_ms.or(fallback.read_wait_ms),
            request_timeout_ms: self.request_timeout_ms.or(fallback.request_timeout_ms),
            rate_per_second: self.rate_per_second.or(fallback.rate_per_second),
            rate_burst: self.rate_burst.or(fallback.rate_burst),
        }
    }

    /// The server's settings: these values over [`ServerConfig::default`].
    pub fn server_config(&self) -> Result<ServerConfig, ConfigError> {
        let defaults = ServerConfig::default();
        let default_rate = RateLimit::default();
        let body_limit = self.body_bytes.unwrap_or(defaults.body_limit);
        if body_limit == 0 {
            return Err(ConfigError::Range {
                key: "limits.body_bytes",
                message: "must be at least 1",
            });
        }
        let request_timeout = self
            .request_timeout_ms
            .map_or(defaults.request_timeout, Duration::from_millis);
        if request_timeout.is_zero() {
            return Err(ConfigError::Range {
                key: "limits.request_timeout_ms",
                message: "must be at least 1",
            });
        }
        let per_second = self.rate_per_second.unwrap_or(default_rate.per_second);
        let rate_limit = if per_second == 0 {
            None
        } else {
            let burst = self
                .rate_burst
                .unwrap_or(default_rate.burst.max(per_second));
            if burst == 0 {
                return Err(ConfigError::Range {
                    key: "limits.rate_burst",
                    message: "must be at least 1 while a rate is set",
                });
            }
            Some(RateLimit { per_second, burst })
        };
        Ok(ServerConfig {
            body_limit,
            read_wait: self
                .read_wait_ms
                .map_or(defaults.read_wait, Duration::from_millis),
            request_timeout,
            rate_limit,
        })
    }
}

impl SettingsFile {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<SettingsFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        SettingsFile::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses a file's text; the error is one line naming the line, column and key.
    pub fn parse(text: &str) -> Result<SettingsFile, String> {
        toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_owned();
            match e.span() {
                Some(span) => {
                    let before = text.get(..span.start).unwrap_or(text);
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    format!("line {line}, column {column}: {message}")
                }
                None => message,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses_to_what_it_says() {
        let example: String = include_str!("config.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.trim_start_matches("//!").trim_start_matches(' '))
            .collect::<Vec<_>>()
            .join("\n");
        let file = SettingsFile::parse(&example).unwrap();
        assert_eq!(file.addr, Some("127.0.0.1:8080".parse().unwrap()));
        assert_eq!(file.log_format, Some(LogFormat::Json));
        let config = file.limits.server_config().unwrap();
        assert_eq!(config, ServerConfig::default());
    }

    #[test]
    fn docs_http_md_shows_the_same_example() {
        let doc: Vec<&str> = include_str!("../../../docs/http.md")
            .lines()
            .skip_while(|l| *l != "```toml")
            .skip(1)
            .take_while(|l| *l != "```")
            .collect();
        let here: Vec<&str> = include_str!("config.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.trim_start_matches("//!").strip_prefix(' ').unwrap_or(""))
            .collect();
        assert_eq!(doc, here);
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_line() {
        let err =
            SettingsFile::parse("addr = \"127.0.0.1:1\"\n\n[limits]\nrate = 5\n").unwrap_err();
        assert!(err.starts_with("line 4, column 1:"), "{err}");
        assert!(err.contains("rate"), "{err}");
    }

    #[test]
    fn a_wrong_type_is_refused() {
        let err = SettingsFile::parse("[limits]\nbody_bytes = \"64k\"\n").unwrap_err();
        assert!(err.starts_with("line 2,"), "{err}");
    }

    #[test]
    fn a_zero_rate_disables_the_limit_and_flags_win_over_the_file() {
        let file = SettingsFile::parse("[limits]\nrate_per_second = 0\nbody_bytes = 10\n").unwrap();
        let flags = Limits {
            body_bytes: Some(20),
            ..Limits::default()
        };
        let config = flags.or(file.limits).server_config().unwrap();
        assert_eq!(config.rate_limit, None);
        assert_eq!(config.body_limit, 20);
    }

    #[test]
    fn a_zero_body_limit_or_timeout_is_refused() {
        for limits in [
            Limits {
                body_bytes: Some(0),
                ..Limits::default()
            },
            Limits {
                request_timeout_ms: Some(0),
                ..Limits::default()
            },
            Limits {
                rate_per_second: Some(5),
                rate_burst: Some(0),
                ..Limits::default()
            },
        ] {
            assert!(limits.server_config().is_err(), "{limits:?}");
        }
    }
}
