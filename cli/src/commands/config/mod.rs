//! Clouds, credentials, providers, the audit log and shell completions:
//! the commands that read and write the data directory's configuration
//! (`$STRATO_DATA`, see `strato clouds --help`).

mod audit;
mod clouds;
mod credentials;
mod detect;
mod load;
mod prompt;
mod providers;

use clap::{Args, Subcommand};

use crate::context::Context;
use crate::error::CliError;
use crate::output::{Format, Output};

/// Where the configuration lives, shown under each command's help.
macro_rules! data_help {
    () => {
        "\
Data directory: $STRATO_DATA, else $XDG_DATA_HOME/strato, else ~/.local/share/strato. It holds
clouds.yaml and credentials.yaml (Juju's formats; credentials.yaml is mode 0600), policy.yaml (the
operator's grants, used when --policy is not given), providers/ (components: providers/<type>.wasm
serves clouds of type <type>; `dummy` is built in) and strato.db (controllers, models, machines and
the audit log)."
    };
}
pub(crate) use data_help;

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// List the clouds strato knows: the built-in `dummy` and those added with add-cloud.
    #[command(after_help = clouds::CLOUDS_HELP)]
    Clouds(FormatArgs),
    /// List the regions of a cloud (the first is its default).
    #[command(after_help = clouds::REGIONS_HELP)]
    Regions(clouds::RegionsArgs),
    /// Add a cloud to clouds.yaml: from a Juju clouds.yaml (-f), or by answering questions.
    #[command(after_help = clouds::ADD_CLOUD_HELP)]
    AddCloud(clouds::AddCloudArgs),
    /// Add a credential for a cloud: from a Juju credentials.yaml (-f), or by answering
    /// questions (per the provider's credential schema; secrets are read without echo).
    #[command(after_help = credentials::ADD_HELP)]
    AddCredential(credentials::AddArgs),
    /// List the credentials per cloud (secret attributes are never shown).
    #[command(after_help = credentials::LIST_HELP)]
    Credentials(credentials::ListArgs),
    /// Remove a credential of a cloud.
    #[command(after_help = credentials::REMOVE_HELP)]
    RemoveCredential(credentials::RemoveArgs),
    /// Find credentials where the provider knows to look (environment variables, files such as
    /// ~/.aws/credentials), after showing the read-only access it needs and asking for it.
    #[command(after_help = detect::AUTOLOAD_HELP)]
    AutoloadCredentials(detect::AutoloadArgs),
    /// List the provider components: name, version, digest, optional interfaces.
    #[command(after_help = providers::PROVIDERS_HELP)]
    Providers(FormatArgs),
    /// Show the capability decisions (network, state directory, credential use, …) of recent
    /// runs, newest last.
    #[command(after_help = audit::AUDIT_HELP)]
    Audit(audit::AuditArgs),
    /// Print a shell completion script: `strato completion bash > /etc/bash_completion.d/strato`.
    #[command(after_help = COMPLETION_HELP)]
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

const COMPLETION_HELP: &str = "\
Examples:
  strato completion bash > ~/.local/share/bash-completion/completions/strato
  strato completion zsh > \"${fpath[1]}/_strato\"
  strato completion fish > ~/.config/fish/completions/strato.fish";

/// `--format`, for commands that print data.
#[derive(Args, Debug)]
pub struct FormatArgs {
    /// Output format: a table for people, or JSON / YAML for programs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub async fn run(cmd: ConfigCommand, out: &Output, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        ConfigCommand::Clouds(args) => clouds::list(args.format, out, ctx),
        ConfigCommand::Regions(args) => clouds::regions(args, out, ctx),
        ConfigCommand::AddCloud(args) => clouds::add(args, out, ctx).await,
        ConfigCommand::AddCredential(args) => credentials::add(args, out, ctx).await,
        ConfigCommand::Credentials(args) => credentials::list(args, out, ctx).await,
        ConfigCommand::RemoveCredential(args) => credentials::remove(args, out, ctx),
        ConfigCommand::AutoloadCredentials(args) => detect::autoload(args, out, ctx).await,
        ConfigCommand::Providers(args) => providers::list(args.format, out, ctx).await,
        ConfigCommand::Audit(args) => audit::show(args, out, ctx),
        ConfigCommand::Completion { shell } => {
            let mut command = crate::cli_command();
            let mut stdout = std::io::stdout();
            clap_complete::generate(shell, &mut command, "strato", &mut stdout);
            Ok(())
        }
    }
}

/// A plain table (Juju's style: no borders), header in capitals.
pub fn table<I, R, S>(header: &[&str], rows: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: Into<String>,
{
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(Into::into).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut lines = vec![line(header.iter().map(|h| h.to_string()).collect())];
    lines.extend(rows.into_iter().map(line));
    lines.join("\n")
}
